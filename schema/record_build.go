package schema

import (
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"time"
	"unsafe"

	"github.com/valyala/fastjson"
)

// tryRecord decides whether cd accepts one record, building the Record
// when it does. With canonRaw, the record's raw bytes are its canonical
// JSON text, written while coercing (raw, when not nil, is then only its
// source text, checked against the size limit first); otherwise raw is
// the record's bytes.
func (c *Classifier) tryRecord(cd *candidate, raw []byte, obj *fastjson.Value, canonRaw bool) (*Record, failure) {
	if len(raw) > c.maxRec {
		return nil, c.sizeFailure(len(raw))
	}
	o, err := obj.Object()
	if err != nil {
		return nil, failure{rankParse, "record is " + article(obj.Type()) + ", not an object"}
	}
	for i := range cd.pats {
		if f, ok := cd.pats[i].check(obj, &c.num); !ok {
			return nil, f
		}
	}
	if len(cd.evts) > 0 && !hasAnyPath(obj, cd.lt.EventTimes) {
		return nil, failure{rankRequired, "none of the event time fields " + strings.Join(cd.lt.EventTimes, ", ") + " is present"}
	}
	lt := cd.lt
	c.co.reset(cd.schema, lt.Strict, c.in.IngestTime)
	xs, xe, ok := c.co.record(cd.schema, o)
	if !ok {
		return nil, c.co.fail
	}
	if canonRaw {
		raw = c.co.w.bytes()
		if len(raw) > c.maxRec {
			return nil, c.sizeFailure(len(raw))
		}
	}
	box, buf := c.build(cd, raw, canonRaw, xs, xe)
	r := &box.rec
	r.Demoted = c.co.demoted
	if cd.evts != nil {
		for _, p := range cd.evts {
			if v := valueAt(r.Values, p); v.Kind == KindTimestamp {
				r.EventTime = time.UnixMicro(v.I).UTC()
				break
			}
		}
	} else if cd.evt != nil {
		if v := valueAt(r.Values, cd.evt); v.Kind == KindTimestamp {
			r.EventTime = time.UnixMicro(v.I).UTC()
		}
	}
	if len(cd.norm) > 0 {
		c.normalize(cd, box, buf, obj)
	}
	return r, failure{}
}

func (c *Classifier) sizeFailure(n int) failure {
	return failure{rankSize, fmt.Sprintf("record is %d bytes, limit %d", n, c.maxRec)}
}

// build assembles the Record from the coercer's scratch: its bytes (raw,
// the canonical text that strings are cut from, other strings, the id, the
// extras) go in one run of memory, its values in another. With canonRaw
// the canonical text is the raw text and is stored once.
func (c *Classifier) build(cd *candidate, raw []byte, canonRaw bool, xs, xe int) (*recordBox, []byte) {
	co := &c.co
	canonBase := 0
	if !canonRaw {
		canonBase = len(raw)
	}
	textBase := canonBase + co.w.n
	idBase := textBase + len(co.text)
	xBase := idBase + 32
	buf := c.mem.bytes(xBase + xe - xs)
	if !canonRaw {
		copy(buf, raw)
	}
	copy(buf[canonBase:], co.w.bytes())
	copy(buf[textBase:], co.text)
	copy(buf[xBase:], co.xbuf[xs:xe])
	rawLen := len(raw)
	box := c.mem.box()
	r := &box.rec
	r.LogType, r.Source, r.EventTime, r.IngestTime = cd.lt, c.in.Source, c.in.IngestTime, c.in.IngestTime
	r.Raw = buf[:rawLen:rawLen]

	c.hash.Reset()
	c.hash.WriteString(cd.lt.Name)
	c.hash.Write([]byte{0})
	c.hash.Write(r.Raw)
	sum := c.hash.Sum128().Bytes()
	hex.Encode(buf[idBase:xBase], sum[:])
	r.ID = unsafe.String(&buf[idBase], 32)
	if xe > xs {
		r.Extras = unsafe.String(&buf[xBase], xe-xs)
	}

	// The slab is fresh zeroed memory: only what is not zero is written,
	// and pointers one field at a time, to spare the write barriers of
	// whole-Value copies.
	slab := c.mem.values(len(co.nodes))
	for i := range co.nodes {
		nd := &co.nodes[i]
		if nd.kind == KindNull {
			continue
		}
		v := &slab[i]
		v.Kind, v.I = nd.kind, nd.i
		if nd.kind == KindFloat {
			v.I = int64(math.Float64bits(nd.f))
		}
		if nd.n > 0 {
			off := canonBase + nd.off
			if nd.inText {
				off = textBase + nd.off
			}
			v.S = unsafe.String(&buf[off], nd.n)
		}
		if nd.kind == KindArray || nd.kind == KindObject {
			v.L = slab[nd.first : nd.first+nd.count : nd.first+nd.count]
		}
	}
	n := len(cd.lt.Fields)
	r.Values = slab[:n:n]
	return box, buf
}

// normalize fills r.Normalized. Values that are not views of the record's
// bytes (buf), such as those found inside json fields, are copied into one
// allocation.
func (c *Classifier) normalize(cd *candidate, box *recordBox, buf []byte, obj *fastjson.Value) {
	r := &box.rec
	c.norm.run(cd.norm, cd.lt.Fields, r.Values, obj)
	out := c.norm.out
	if len(out) == 0 {
		return
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	hi := lo + uintptr(len(buf))
	outside := 0
	for _, nv := range out {
		if p := uintptr(unsafe.Pointer(unsafe.StringData(nv.s))); p < lo || p >= hi {
			outside += len(nv.s)
		}
	}
	var extra []byte
	if outside > 0 {
		extra = make([]byte, 0, outside)
	}
	var strs []string
	if len(out) <= len(box.norm) {
		strs = box.norm[:len(out)]
	} else {
		strs = make([]string, len(out))
	}
	r.Normalized = make(map[string][]string, cd.ntypes)
	from := 0
	for i, nv := range out {
		s := nv.s
		if p := uintptr(unsafe.Pointer(unsafe.StringData(s))); p < lo || p >= hi {
			start := len(extra)
			extra = append(extra, s...)
			s = unsafe.String(&extra[start], len(s))
		}
		strs[i] = s
		if i == len(out)-1 || cd.norm[out[i+1].rule].typ != cd.norm[nv.rule].typ {
			r.Normalized[cd.norm[nv.rule].typ] = strs[from : i+1 : i+1]
			from = i + 1
		}
	}
}

// valueAt follows a field index path through object values; the zero
// Value when it leads nowhere.
func valueAt(vals []Value, path []int) Value {
	v := Value{Kind: KindObject, L: vals}
	for _, j := range path {
		if v.Kind != KindObject || j >= len(v.L) {
			return Value{}
		}
		v = v.L[j]
	}
	return v
}

// hasAnyPath reports whether obj has a non-null value at one of the
// dotted paths.
func hasAnyPath(obj *fastjson.Value, paths []string) bool {
	for _, p := range paths {
		if v := obj.Get(splitPath(p)...); v != nil && v.Type() != fastjson.TypeNull {
			return true
		}
	}
	return false
}
