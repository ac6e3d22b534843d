package schema

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/valyala/fastjson"
	"github.com/zeebo/xxh3"
)

// Limits applied when a Classifier's own are zero.
const (
	DefaultMaxRecordBytes  = 10 << 20 // one record or line
	DefaultMaxPayloadBytes = 1 << 30  // a payload after inflating
)

// Input says where a payload came from and which log types it may hold.
type Input struct {
	Source string // the configured source, copied into every result
	// Types are the candidate log types, tried by priority then name;
	// empty means every type of the registry.
	Types      []*LogType
	IngestTime time.Time // zero means now
}

// Classifier turns raw payloads into Records and Unclassified records.
//
// A payload is inflated when it is gzip or zlib. If it is then one JSON
// document, that document is one unit; a CloudWatch Logs subscription
// payload (messageType and logEvents) is unwrapped instead, each
// logEvents[i].message being a unit of its own (JSON or text) that sees
// the subscription's logGroup, logStream and owner as envelope keys. Any
// other payload is split into lines, each line a unit.
//
// For each unit the candidate log types are tried in order. A candidate
// accepts a record when its parser yields it, its log_patterns match, its
// required fields are present and every value coerces to its declared
// type. The first candidate that accepts a record of the unit decides how
// the unit is split into records (one record, or each element of an
// envelope); its records that it does not accept are each tried against
// the other candidates on their own. A record no candidate accepts becomes
// an Unclassified whose reason is that of the candidate that came closest
// (a coercion failure is closer than a missing required field, which is
// closer than a pattern mismatch, which is closer than a parse failure).
// Nothing is dropped: every record ends as one Record or one Unclassified.
//
// The Raw bytes of a JSON record are its canonical JSON text: compact,
// keys in document order, strings escaped only where JSON requires. The
// same record thus has the same Raw and ID whether it came alone, as a
// JSON line, pretty-printed, inside an envelope, as a CloudWatch Logs
// message or as an EventBridge detail. A text record's Raw is its line.
// An Unclassified keeps the bytes as they arrived (an envelope element:
// its canonical text).
//
// A Classifier keeps parsers and scratch memory between calls and is not
// safe for concurrent use; use one per goroutine. The Records and
// Unclassified it hands out do not share memory with the payload or with
// the classifier's scratch, and may be kept. Records are carved from
// chunks shared with the records classified just before and after them
// (see recordMem), so a record kept for long keeps some of its neighbours'
// memory alive too.
type Classifier struct {
	// MaxRecordBytes limits one record or line; a longer one is
	// unclassified without being parsed. 0 means DefaultMaxRecordBytes.
	MaxRecordBytes int
	// MaxPayloadBytes limits a payload after inflating. 0 means
	// DefaultMaxPayloadBytes.
	MaxPayloadBytes int64

	reg   *Registry
	cands map[*LogType]*candidate
	all   []*candidate // every type of reg, in order

	lastTypes []*LogType // the last Input.Types and its candidates
	lastList  []*candidate

	docs   [maxDepth]fastjson.Parser
	states [maxDepth]unitState
	co     coercer
	norm   normalizer
	hash   *xxh3.Hasher
	arena  fastjson.Arena // envelopes of text records
	envRaw []byte         // raw text of a record merged with its envelope
	mem    recordMem      // where Records are allocated
	num    []byte         // a number's text

	// the current call
	list   []*candidate
	in     Input
	maxRec int
	onRec  func(*Record)
	onUnc  func(*Unclassified)
}

// maxDepth bounds nesting: a payload document (0), a CloudWatch Logs
// message inside it (1), a record of either retried on its own (2).
const maxDepth = 3

// NewClassifier returns a classifier over the log types of reg (nil: the
// built-in types). Parsers are built when a type is first tried.
func NewClassifier(reg *Registry) *Classifier {
	if reg == nil {
		reg = Builtin()
	}
	return &Classifier{reg: reg, cands: map[*LogType]*candidate{}, hash: xxh3.New()}
}

// candidate is a log type made ready for classification.
type candidate struct {
	lt     *LogType
	json   *jsonParser // for json types
	text   Parser      // for the others
	perr   error       // the parser could not be built
	schema *objSchema
	pats   []pattern
	norm   []normRule
	ntypes int   // distinct normalized types
	evt    []int // field index path of the event time, nil for none
	env    bool  // a text parser with envelope keys
}

func (c *Classifier) candidate(lt *LogType) *candidate {
	if cd := c.cands[lt]; cd != nil {
		return cd
	}
	cd := &candidate{lt: lt, schema: compileObjSchema(lt.Fields), norm: compileNormalize(lt)}
	if lt.Parser.Type == "json" {
		cd.json, cd.perr = buildJSONParser(lt.Parser)
	} else {
		p, err := NewParser(lt.Parser, lt.Fields)
		if err == nil && p == nil {
			err = fmt.Errorf("no %s parser is available", lt.Parser.Type)
		}
		cd.text, cd.perr = p, err
		cd.env = len(lt.Parser.EnvelopeKeys) > 0
	}
	for _, p := range lt.Patterns {
		cd.pats = append(cd.pats, compilePattern(p))
	}
	for i, r := range cd.norm {
		if i == 0 || cd.norm[i-1].typ != r.typ {
			cd.ntypes++
		}
	}
	if lt.EventTime != "" {
		fields := lt.Fields
		for _, name := range splitPath(lt.EventTime) {
			j := FieldIndex(fields, name)
			if j < 0 {
				cd.evt = nil
				break
			}
			cd.evt = append(cd.evt, j)
			fields = fields[j].Type.Fields
		}
	}
	c.cands[lt] = cd
	return cd
}

// candidates returns the candidates for types, in the order to try them.
func (c *Classifier) candidates(types []*LogType) []*candidate {
	if len(types) == 0 {
		if c.all == nil {
			for _, lt := range c.reg.All() {
				c.all = append(c.all, c.candidate(lt))
			}
		}
		return c.all
	}
	if len(types) == len(c.lastTypes) {
		same := true
		for i := range types {
			if types[i] != c.lastTypes[i] {
				same = false
				break
			}
		}
		if same {
			return c.lastList
		}
	}
	sorted := append([]*LogType(nil), types...)
	sortTypes(sorted)
	list := make([]*candidate, 0, len(sorted))
	for i, lt := range sorted {
		if lt == nil || i > 0 && lt == sorted[i-1] {
			continue
		}
		list = append(list, c.candidate(lt))
	}
	c.lastTypes, c.lastList = append([]*LogType(nil), types...), list
	return list
}

// Classify classifies one payload, calling onRecord for each record a log
// type accepts and onUnclassified for each one none does, in the order
// they are settled. It returns an error only for a misuse; bad input
// becomes Unclassified records.
func (c *Classifier) Classify(payload []byte, in Input, onRecord func(*Record), onUnclassified func(*Unclassified)) error {
	if onRecord == nil || onUnclassified == nil {
		return errors.New("schema: Classify needs both an onRecord and an onUnclassified function")
	}
	c.in = in
	if c.in.IngestTime.IsZero() {
		c.in.IngestTime = time.Now()
	}
	c.in.IngestTime = c.in.IngestTime.UTC()
	c.onRec, c.onUnc = onRecord, onUnclassified
	c.maxRec = c.MaxRecordBytes
	if c.maxRec <= 0 {
		c.maxRec = DefaultMaxRecordBytes
	}
	maxPayload := c.MaxPayloadBytes
	if maxPayload <= 0 {
		maxPayload = DefaultMaxPayloadBytes
	}
	c.list = c.candidates(in.Types)
	for _, cd := range c.list {
		if r, ok := cd.text.(PayloadResetter); ok {
			r.ResetPayload() // each payload brings its own csv header
		}
	}
	defer func() {
		// Do not keep the caller's functions and types alive.
		c.onRec, c.onUnc, c.in = nil, nil, Input{}
	}()

	data, err := Inflate(payload, maxPayload)
	if err != nil {
		c.unclassified(payload, err.Error())
		return nil
	}
	c.payload(data)
	return nil
}

func (c *Classifier) payload(data []byte) {
	t := trimSpace(data)
	if len(t) == 0 {
		return
	}
	if t[0] == '{' || t[0] == '[' {
		doc, err := c.docs[0].ParseBytes(t)
		if err == nil {
			if !c.cloudWatchLogs(doc) {
				c.unit(t, doc, nil, nil, 0, nil)
			}
			return
		}
		if !firstLineComplete(t) {
			// A document spread over lines that does not parse: one
			// broken document, not many broken lines.
			c.unclassified(data, "payload is not valid JSON: "+err.Error())
			return
		}
	}
	if looksBinary(t) {
		c.unclassified(data, "payload is binary data, not text, JSON, gzip or zlib")
		return
	}
	SplitLines(data, func(line []byte) error {
		c.line(line, nil, 0)
		return nil
	})
}

// firstLineComplete reports whether the first line of t could be a whole
// JSON value: t is one line, or its first line ends a value.
func firstLineComplete(t []byte) bool {
	i := bytes.IndexByte(t, '\n')
	if i < 0 {
		return true
	}
	first := trimSpace(t[:i])
	return len(first) > 1 && (first[len(first)-1] == '}' || first[len(first)-1] == ']')
}

// looksBinary reports whether the start of t is not text: a NUL byte, or
// more than a tenth of control bytes and invalid UTF-8.
func looksBinary(t []byte) bool {
	if len(t) > 4096 {
		t = t[:4096]
	}
	bad, n := 0, 0
	for len(t) > 0 {
		r, w := utf8.DecodeRune(t)
		switch {
		case r == 0:
			return true
		case r == utf8.RuneError && w == 1 && len(t) >= utf8.UTFMax:
			bad++
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' && r != '\v', r == 0x7f:
			bad++
		}
		n++
		t = t[w:]
	}
	return bad*10 > n
}

// cloudWatchLogs classifies each log event of a CloudWatch Logs
// subscription payload and reports whether doc was one.
func (c *Classifier) cloudWatchLogs(doc *fastjson.Value) bool {
	if doc.Type() != fastjson.TypeObject {
		return false
	}
	mt, events := doc.Get("messageType"), doc.Get("logEvents")
	if mt == nil || mt.Type() != fastjson.TypeString || events == nil || events.Type() != fastjson.TypeArray {
		return false
	}
	if b, _ := mt.StringBytes(); string(b) == "CONTROL_MESSAGE" {
		return true // the subscription's connectivity check; no log data
	}
	arr, _ := events.Array()
	for i, ev := range arr {
		m := ev.Get("message")
		if m == nil || m.Type() != fastjson.TypeString {
			c.unclassified(appendCanonicalJSON(nil, ev), fmt.Sprintf("CloudWatch Logs event %d has no message string", i))
			continue
		}
		b, _ := m.StringBytes()
		c.line(b, doc, 1)
	}
	return true
}

// line classifies one line or log message: as JSON when it is a JSON
// value, else as text.
func (c *Classifier) line(b []byte, outer *fastjson.Value, depth int) {
	if len(b) > c.maxRec {
		c.unclassified(b, fmt.Sprintf("record is %d bytes, limit %d", len(b), c.maxRec))
		return
	}
	t := trimSpace(b)
	if len(t) == 0 {
		return
	}
	var jerr error
	if t[0] == '{' || t[0] == '[' {
		doc, err := c.docs[depth].ParseBytes(t)
		if err == nil {
			c.unit(t, doc, nil, outer, depth, nil)
			return
		}
		jerr = err
	}
	c.unit(trimLine(b), nil, jerr, outer, depth, nil)
}

// pending is a record a candidate did not accept, kept until the unit is
// settled.
type pending struct {
	raw   []byte          // the record's bytes; nil when they are elem's text
	elem  *fastjson.Value // the record's element in the unit's document
	emb   bool            // elem is a string holding the record
	f     failure
	cd    *candidate
	whole bool
}

// attempt is one candidate's go at one unit.
type attempt struct {
	cd       *candidate
	won      bool // it accepted at least one record
	rank     int  // the highest rank of its failures
	n        int  // records it found
	envelope bool // the records came from an array, or the parser took a unit without records: none is an answer
	held     *Record
	fails    []pending
}

func (a *attempt) reset(cd *candidate) {
	fails := a.fails[:0]
	clear(a.fails)
	*a = attempt{cd: cd, fails: fails}
}

func (a *attempt) fail(p pending) {
	p.cd = a.cd
	a.fails = append(a.fails, p)
	a.rank = max(a.rank, p.f.rank)
}

// unitState is the scratch memory of units at one depth.
type unitState struct {
	att  [2]attempt
	raws []byte // copies of text records that were not accepted
	text []byte // raw text of a pending JSON element
}

// unit classifies one unit: t is its text, doc its parsed JSON (nil when
// it is not JSON, jerr then saying why when it looked like JSON). With
// retry set, the unit is a record that retry.cd did not accept, tried
// alone against the other candidates: the result is then returned instead
// of being reported as unclassified.
func (c *Classifier) unit(t []byte, doc *fastjson.Value, jerr error, outer *fastjson.Value, depth int, retry *pending) (won bool, best *pending) {
	st := &c.states[depth]
	st.raws = st.raws[:0]
	bestIdx, cur := -1, 0
	for _, cd := range c.list {
		if retry != nil && cd == retry.cd {
			continue
		}
		a := &st.att[cur]
		c.attempt(cd, a, t, doc, jerr, outer, depth, retry != nil)
		if a.won {
			if retry != nil {
				c.onRec(a.held)
				return true, nil
			}
			for i := range a.fails {
				c.settle(&a.fails[i], t, outer, depth)
			}
			return true, nil
		}
		if a.envelope && a.n == 0 {
			if retry != nil {
				continue // a record tried alone must become a record
			}
			return true, nil // an empty envelope or a csv header: no records, nothing to report
		}
		if bestIdx < 0 || a.rank > st.att[bestIdx].rank {
			bestIdx, cur = cur, 1-cur
		}
	}
	if bestIdx < 0 {
		if retry == nil {
			c.unclassified(t, "no log types to try")
		}
		return false, nil
	}
	b := &st.att[bestIdx]
	if retry != nil {
		if len(b.fails) == 0 {
			return false, nil
		}
		return false, &b.fails[0]
	}
	if len(b.fails) == 0 {
		// Every attempt fails a record or a unit, so this does not happen;
		// if it did, the unit would still not be dropped.
		c.unclassified(t, "no log type accepted it")
		return false, nil
	}
	for i := range b.fails {
		p := &b.fails[i]
		c.unclassified(c.rawOf(p, t, depth), p.reason())
	}
	return false, nil
}

// attempt runs one candidate over a unit.
func (c *Classifier) attempt(cd *candidate, a *attempt, t []byte, doc *fastjson.Value, jerr error, outer *fastjson.Value, depth int, single bool) {
	a.reset(cd)
	if cd.perr != nil {
		a.fail(pending{raw: t, whole: true, f: failure{rankParse, "parser: " + cd.perr.Error()}})
		return
	}
	if cd.json != nil {
		if doc == nil {
			f := failure{rankNotJSON, "not JSON"}
			if jerr != nil {
				f = failure{rankParse, "not JSON: " + jerr.Error()}
			}
			a.fail(pending{raw: t, whole: true, f: f})
			return
		}
		a.envelope = cd.json.each(doc, t, outer, func(r *jsonRecord) bool {
			a.n++
			p := pending{elem: r.elem, whole: r.whole, emb: r.elem.Type() == fastjson.TypeString}
			if r.whole {
				p.raw = t
			}
			if single && a.n > 1 {
				a.won, a.held = false, nil
				a.fail(pending{raw: t, whole: true, f: failure{rankParse, "holds more than one record"}})
				return false
			}
			if r.err != nil {
				p.f = failure{rankParse, r.err.Error()}
				a.fail(p)
				return true
			}
			raw, canonRaw := r.raw, true
			if r.obj != r.base {
				// The record was merged with its envelope; its raw text
				// is that of the record alone.
				c.envRaw = appendCanonicalJSON(c.envRaw[:0], r.base)
				raw, canonRaw = c.envRaw, false
			}
			rec, f := c.tryRecord(cd, raw, r.obj, canonRaw)
			if rec == nil {
				p.f = f
				a.fail(p)
				return true
			}
			a.won = true
			if single {
				a.held = rec
			} else {
				c.onRec(rec)
			}
			return true
		})
		return
	}
	st := &c.states[depth]
	err := cd.text.Parse(t, func(raw []byte, obj *fastjson.Value) error {
		a.n++
		if single && a.n > 1 {
			a.won, a.held = false, nil
			a.fail(pending{raw: t, whole: true, f: failure{rankParse, "holds more than one record"}})
			return errStop
		}
		if cd.env && outer != nil {
			obj = c.withEnvelope(obj, cd.lt.Parser.EnvelopeKeys, outer)
		}
		rec, f := c.tryRecord(cd, raw, obj, false)
		if rec == nil {
			start := len(st.raws)
			st.raws = append(st.raws, raw...)
			a.fail(pending{raw: st.raws[start:len(st.raws):len(st.raws)], f: f})
			return nil
		}
		a.won = true
		if single {
			a.held = rec
		} else {
			c.onRec(rec)
		}
		return nil
	})
	switch {
	case err != nil && err != errStop && a.n == 0:
		a.fail(pending{raw: t, whole: true, f: failure{rankParse, err.Error()}})
	case err == nil && a.n == 0:
		a.envelope = true // the parser took the unit and it holds no record (a csv header)
	}
}

var errStop = errors.New("stop")

// withEnvelope returns obj with an "envelope" object holding keys taken
// from the enclosing document.
func (c *Classifier) withEnvelope(obj *fastjson.Value, keys []string, outer *fastjson.Value) *fastjson.Value {
	c.arena.Reset()
	env := c.arena.NewObject()
	for _, k := range keys {
		if v := outer.Get(k); v != nil {
			env.Set(k, v)
		}
	}
	merged := c.arena.NewObject()
	if o, err := obj.Object(); err == nil {
		o.Visit(func(k []byte, v *fastjson.Value) { merged.Set(bytesString(k), v) })
	}
	merged.Set("envelope", env)
	return merged
}

// settle retries a record the winning candidate did not accept against the
// other candidates, alone; failing that it becomes unclassified with the
// closer of the two reasons.
func (c *Classifier) settle(p *pending, t []byte, outer *fastjson.Value, depth int) {
	raw := c.rawOf(p, t, depth)
	if p.f.rank == rankSize || len(c.list) < 2 || depth+1 >= maxDepth {
		c.unclassified(raw, p.reason())
		return
	}
	var doc *fastjson.Value
	var jerr error
	switch {
	case p.elem != nil && !p.emb && (p.elem.Type() == fastjson.TypeObject || p.elem.Type() == fastjson.TypeArray):
		doc = p.elem
	default:
		if tt := trimSpace(raw); len(tt) > 0 && (tt[0] == '{' || tt[0] == '[') {
			doc, jerr = c.docs[depth+1].ParseBytes(tt)
		}
	}
	won, best := c.unit(raw, doc, jerr, outer, depth+1, p)
	if won {
		return
	}
	if best != nil && best.f.rank > p.f.rank {
		p = best
	}
	c.unclassified(raw, p.reason())
}

// rawOf returns the bytes of a pending record.
func (c *Classifier) rawOf(p *pending, t []byte, depth int) []byte {
	switch {
	case p.raw != nil:
		return p.raw
	case p.whole:
		return t
	case p.emb:
		b, _ := p.elem.StringBytes()
		return b
	case p.elem != nil:
		st := &c.states[depth]
		st.text = appendCanonicalJSON(st.text[:0], p.elem)
		return st.text
	}
	return t
}

// reason is the Unclassified reason of a failure.
func (p *pending) reason() string {
	if p.f.rank == rankSize || p.cd == nil {
		return p.f.msg
	}
	return p.cd.lt.Name + ": " + p.f.msg
}

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
	if cd.evt != nil {
		v := Value{Kind: KindObject, L: r.Values}
		for _, j := range cd.evt {
			if v.Kind != KindObject || j >= len(v.L) {
				v = Value{}
				break
			}
			v = v.L[j]
		}
		if v.Kind == KindTimestamp {
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

// recordMem hands out the memory of Records in pieces of larger chunks, so
// that a record costs a few pointer bumps instead of several allocations.
// Records of one chunk keep the whole chunk alive: a record held long
// holds up to a chunk's worth of its neighbours' memory (64 KiB of bytes,
// 64 KiB of values, 32 records' headers).
type recordMem struct {
	vals  []Value
	buf   []byte
	boxes []recordBox
}

const (
	memValueChunk = 1024 // Values: 64 KiB
	memByteChunk  = 64 << 10
	memBoxChunk   = 32
)

func (m *recordMem) values(n int) []Value {
	if n > len(m.vals) {
		if n > memValueChunk/4 {
			return make([]Value, n) // a big record gets its own
		}
		m.vals = make([]Value, memValueChunk)
	}
	v := m.vals[:n:n]
	m.vals = m.vals[n:]
	return v
}

func (m *recordMem) bytes(n int) []byte {
	if n > len(m.buf) {
		if n > memByteChunk/4 {
			return make([]byte, n)
		}
		m.buf = make([]byte, memByteChunk)
	}
	b := m.buf[:n:n]
	m.buf = m.buf[n:]
	return b
}

func (m *recordMem) box() *recordBox {
	if len(m.boxes) == 0 {
		m.boxes = make([]recordBox, memBoxChunk)
	}
	b := &m.boxes[0]
	m.boxes = m.boxes[1:]
	return b
}

// recordBox holds a Record together with room for its first normalized
// values.
type recordBox struct {
	rec  Record
	norm [8]string
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

// unclassified reports raw (copied) as unclassified. Its id is
// RecordID("", raw).
func (c *Classifier) unclassified(raw []byte, reason string) {
	b := make([]byte, len(raw))
	copy(b, raw)
	c.onUnc(&Unclassified{ID: RecordID("", b), Source: c.in.Source, Raw: b, Reason: reason, IngestTime: c.in.IngestTime})
}

// pattern is a compiled log_patterns entry.
type pattern struct {
	path []string
	name string // the dotted path
	glob string
	lit  string // the literal part for the fast kinds
	kind int    // patExact, patPrefix or patGlob
}

const (
	patExact  = iota // no wildcard
	patPrefix        // a literal then one trailing '*'
	patGlob
)

func compilePattern(p Pattern) pattern {
	cp := pattern{path: p.Path, name: strings.Join(p.Path, "."), glob: p.Glob, kind: patGlob}
	switch i := strings.IndexAny(p.Glob, "*?[\\"); {
	case i < 0:
		cp.kind, cp.lit = patExact, p.Glob
	case i == len(p.Glob)-1 && p.Glob[i] == '*':
		cp.kind, cp.lit = patPrefix, p.Glob[:i]
	}
	return cp
}

// check matches the pattern against the record's raw value: strings as
// they are, numbers and booleans as their JSON text.
func (p *pattern) check(obj *fastjson.Value, num *[]byte) (failure, bool) {
	v := obj.Get(p.path...)
	var s string
	switch {
	case v == nil || v.Type() == fastjson.TypeNull:
		return failure{rankPattern, fmt.Sprintf("field %s is missing (log_patterns wants %q)", p.name, p.glob)}, false
	case v.Type() == fastjson.TypeString:
		b, _ := v.StringBytes()
		s = bytesString(b)
	case v.Type() == fastjson.TypeObject || v.Type() == fastjson.TypeArray:
		return failure{rankPattern, fmt.Sprintf("field %s is %s (log_patterns wants %q)", p.name, article(v.Type()), p.glob)}, false
	default:
		*num = v.MarshalTo((*num)[:0])
		s = bytesString(*num)
	}
	var ok bool
	switch p.kind {
	case patExact:
		ok = s == p.lit
	case patPrefix:
		ok = strings.HasPrefix(s, p.lit)
	default:
		ok = globMatch(p.glob, s)
	}
	if !ok {
		return failure{rankPattern, fmt.Sprintf("field %s: %s does not match %q", p.name, excerpt([]byte(s)), p.glob)}, false
	}
	return failure{}, true
}

// globMatch matches s against a glob: * is any run of characters (slashes
// included), ? one character, [...] a class ([!...] or [^...] negated,
// a-z ranges), and \ quotes the next character.
func globMatch(g, s string) bool {
	gi, si := 0, 0
	starG, starS := -1, -1
	for si < len(s) || gi < len(g) {
		if gi < len(g) {
			switch g[gi] {
			case '*':
				starG, starS = gi, si
				gi++
				continue
			case '?':
				if si < len(s) {
					_, w := utf8.DecodeRuneInString(s[si:])
					gi++
					si += w
					continue
				}
			case '[':
				if si < len(s) {
					r, w := utf8.DecodeRuneInString(s[si:])
					if ok, n := matchClass(g[gi:], r); n > 0 {
						if ok {
							gi += n
							si += w
							continue
						}
						break
					}
					if s[si] == '[' { // an unclosed [ is literal
						gi++
						si++
						continue
					}
				}
			case '\\':
				if gi+1 < len(g) && si < len(s) && s[si] == g[gi+1] {
					gi += 2
					si++
					continue
				}
			default:
				if si < len(s) && s[si] == g[gi] {
					gi++
					si++
					continue
				}
			}
		}
		if starG >= 0 && starS < len(s) {
			starS++
			gi, si = starG+1, starS
			continue
		}
		return false
	}
	return true
}

// matchClass matches r against the class at the start of g ("[...]") and
// returns the class's length, 0 when g holds no closed class.
func matchClass(g string, r rune) (bool, int) {
	i := 1
	neg := false
	if i < len(g) && (g[i] == '!' || g[i] == '^') {
		neg = true
		i++
	}
	match := false
	first := true
	for i < len(g) {
		if g[i] == ']' && !first {
			return match != neg, i + 1
		}
		first = false
		lo, w := utf8.DecodeRuneInString(g[i:])
		i += w
		hi := lo
		if i+1 < len(g) && g[i] == '-' && g[i+1] != ']' {
			hi, w = utf8.DecodeRuneInString(g[i+1:])
			i += 1 + w
		}
		if lo <= r && r <= hi {
			match = true
		}
	}
	return false, 0
}
