package schema

import (
	"bytes"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/valyala/fastjson"
)

// Coercion turns a record's fastjson object into Values of the declared
// types, in one pass over each object's keys:
//
//   - string: JSON strings; numbers and booleans are kept as their text.
//   - int, bigint: JSON numbers or numeric strings with an integral value
//     in range ("42", 4.2e1); anything else is an error.
//   - float: JSON numbers or numeric strings.
//   - boolean: true/false, or the strings "true"/"false" (any case).
//   - timestamp: strings by the field's formats (default RFC 3339/ISO 8601,
//     then epoch numbers by magnitude); JSON numbers by the unix formats.
//   - ip: a string holding an IPv4 or IPv6 address, kept in canonical form.
//   - array<T>: each element coerced to T (null elements stay null); a
//     single scalar where an array is declared is taken as a one-element
//     array, since many sources write lists of one that way.
//   - object: the declared sub-fields; others go to the extras.
//   - json: any value, kept as compact JSON text.
//
// JSON null is the same as a missing key. Undeclared keys are kept in the
// record's Extras as a JSON object that mirrors the record's nesting: an
// undeclared key foo inside the declared object userIdentity is kept as
// {"userIdentity":{"foo":…}}, so merging Extras back over the declared
// values gives the original record. A strict log type instead rejects the
// record, naming the key. Keys match declared names exactly, or else
// case-insensitively; when a record has two keys for one field, the exact
// match wins and the other is kept in Extras; a repeated key keeps its
// first value.

// objSchema is a compiled list of declared fields: how to find a source
// key's field and how to coerce its value.
type objSchema struct {
	fields   []Field
	exact    map[string]int
	fold     map[string]int // lower-cased names
	sub      []*objSchema   // per field: the sub-schema of an object field
	times    [][]timeFormat // per field: compiled time formats
	required []int
	// keep marks the fields whose wrong-typed value refuses the record
	// (besides required ones): those on log_patterns and event_time paths.
	// A wrong-typed value of any other field is demoted to the extras.
	keep []bool
	// hint remembers which field the key at each position of the last
	// object had: records of one source mostly list their keys in the same
	// order, and a string comparison is cheaper than a map lookup.
	hint []int32
}

func compileObjSchema(fields []Field) *objSchema {
	s := &objSchema{
		fields: fields,
		exact:  make(map[string]int, len(fields)),
		fold:   make(map[string]int, len(fields)),
		sub:    make([]*objSchema, len(fields)),
		times:  make([][]timeFormat, len(fields)),
		keep:   make([]bool, len(fields)),
		hint:   make([]int32, min(len(fields)+8, 256)),
	}
	for i := range s.hint {
		s.hint[i] = -1
	}
	for i, f := range fields {
		if _, dup := s.exact[f.Name]; !dup {
			s.exact[f.Name] = i
		}
		if _, dup := s.fold[strings.ToLower(f.Name)]; !dup {
			s.fold[strings.ToLower(f.Name)] = i
		}
		if f.Type.Kind == KindObject {
			s.sub[i] = compileObjSchema(f.Type.Fields)
		}
		s.times[i] = compileTimeFormats(f.TimeFormats)
		if f.Required {
			s.required = append(s.required, i)
		}
	}
	return s
}

// markKept marks the fields along a dotted path (declared names) as kept
// strict; a path that leaves the declared fields marks what it passed.
func (s *objSchema) markKept(path []string) {
	for _, name := range path {
		if s == nil {
			return
		}
		i := FieldIndex(s.fields, name)
		if i < 0 {
			return
		}
		s.keep[i] = true
		s = s.sub[i]
	}
}

// lookupAt finds the field for the key at position pos of an object.
func (s *objSchema) lookupAt(pos int, key string) (i int, exact, ok bool) {
	if pos < len(s.hint) {
		if h := s.hint[pos]; h >= 0 && s.fields[h].Name == key {
			return int(h), true, true
		}
	}
	i, exact, ok = s.lookup(key)
	if exact && pos < len(s.hint) {
		s.hint[pos] = int32(i)
	}
	return i, exact, ok
}

// lookup finds the field for a source key: exact name first, then
// case-insensitively.
func (s *objSchema) lookup(key string) (i int, exact, ok bool) {
	if i, ok := s.exact[key]; ok {
		return i, true, true
	}
	var buf [64]byte
	if len(key) > len(buf) {
		i, ok = s.fold[strings.ToLower(key)]
		return i, false, ok
	}
	lower := buf[:len(key)]
	for j := 0; j < len(key); j++ {
		c := key[j]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[j] = c
	}
	i, ok = s.fold[string(lower)]
	return i, false, ok
}

// Failure ranks: how close a candidate log type came to accepting a record.
// The unclassified reason is the one of the highest rank.
const (
	rankNone     = iota
	rankNotJSON  // a json parser on a unit that is not JSON
	rankParse    // the parser rejected the unit
	rankPattern  // a log_patterns value did not match
	rankRequired // a required field is missing
	rankCoerce   // a value does not have its declared type (or a strict type saw an undeclared key)
	rankSize     // the record is over the size limit (no type can take it)
)

// failure is why one candidate did not accept one record.
type failure struct {
	rank int
	msg  string // without the log type's name
}

// pathElem is one step of the path to the value being coerced, kept for
// error messages: a field (its index in the enclosing object's fields) or
// an array element. It holds no pointer; names are looked up in root when
// a message is written.
type pathElem struct {
	field   int
	index   int
	isIndex bool
}

// node is a coerced value in scratch form. Scratch memory holds no
// pointers, so that filling it costs the garbage collector nothing; the
// classifier turns nodes into the record's Values in one pass.
type node struct {
	kind   Kind
	inText bool // the string is in text, not canon
	i      int64
	f      float64
	off    int // the string's offset in canon (or text)
	n      int // the string's length; 0 for none
	first  int // children (object fields or array elements): nodes[first:first+count]
	count  int
}

// slot records what a declared field got from the object being coerced.
// Spans are offsets in canon: the key's quoted text starts at keyStart, its
// value runs from valStart to valEnd.
type slot struct {
	set              bool // a key for the field was seen
	exact            bool // ... and matched the name exactly
	keyStart         int
	valStart, valEnd int
	childStart       int // the extras of an object value, a span of xbuf
	childEnd         int
}

// undeclared is a key of the object being coerced that no field declares:
// `"key":value` is canon[start:end].
type undeclared struct{ start, end int }

// coercer holds the scratch memory of coercion. While it coerces a record
// it writes the record's canonical JSON text (appendCanonicalJSON's output,
// byte for byte) to canon, and string and json values are spans of that
// text where possible, or of text.
type coercer struct {
	strict bool
	ingest time.Time

	w      jsonWriter // the canonical text of the record
	text   []byte     // strings that are not in canon: unescaped, canonical IPs, "true"
	xbuf   []byte     // extras objects
	nodes  []node
	slots  []slot
	undecl []undeclared
	path   []pathElem
	root   *objSchema // of the record being coerced
	fail   failure
	// demoted counts the values of the record that did not have their
	// field's type and went to the extras instead (see object).
	demoted int
}

func (c *coercer) reset(root *objSchema, strict bool, ingest time.Time) {
	c.root, c.strict, c.ingest = root, strict, ingest
	c.w.reset()
	c.text = c.text[:0]
	c.xbuf = c.xbuf[:0]
	c.nodes = c.nodes[:0]
	c.slots = c.slots[:0]
	c.undecl = c.undecl[:0]
	c.path = c.path[:0]
	c.fail = failure{}
	c.demoted = 0
}

// allocNodes appends n zero nodes and returns the index of the first.
func (c *coercer) allocNodes(n int) int {
	start := len(c.nodes)
	c.nodes = slices.Grow(c.nodes, n)[:start+n]
	clear(c.nodes[start:])
	return start
}

func (c *coercer) allocSlots(n int) int {
	start := len(c.slots)
	c.slots = slices.Grow(c.slots, n)[:start+n]
	clear(c.slots[start:])
	return start
}

// bytesString views b as a string; b must not be modified while it is used.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// record coerces the top-level object o: nodes[0:len(s.fields)] are then
// its values, canon its canonical text, and xbuf[xs:xe] its extras
// (empty when none). On failure c.fail says why.
func (c *coercer) record(s *objSchema, o *fastjson.Object) (xs, xe int, ok bool) {
	base := c.allocNodes(len(s.fields))
	return c.object(s, o, base)
}

// object writes o to canon while coercing it into nodes[base:], and
// returns the span in xbuf of the extras of o: its undeclared keys and the
// extras of its object fields.
func (c *coercer) object(s *objSchema, o *fastjson.Object, base int) (xs, xe int, ok bool) {
	sbase := c.allocSlots(len(s.fields))
	ustart := len(c.undecl)
	c.w.byte('{')
	n := 0
	failed := false
	o.Visit(func(k []byte, v *fastjson.Value) {
		if failed {
			return
		}
		if n > 0 {
			c.w.byte(',')
		}
		n++
		keyStart := c.w.n
		c.w.key(k)
		valStart := c.w.n
		if i, exact, found := s.lookupAt(n-1, bytesString(k)); found {
			sl := c.slots[sbase+i]
			if !sl.set || exact && !sl.exact {
				if sl.set {
					// The exact key takes the field; the case-insensitive
					// one it displaces is an extra.
					if !c.addUndeclared(sl.keyStart, sl.valEnd, k) {
						failed = true
						return
					}
					c.nodes[base+i] = node{}
				}
				f := &s.fields[i]
				c.path = append(c.path, pathElem{field: i})
				nundecl, nslots := len(c.undecl), len(c.slots)
				cs, ce, ok := c.writeValue(&f.Type, s.times[i], s.sub[i], v, base+i)
				c.path = c.path[:len(c.path)-1]
				if !ok && c.fail.rank == rankCoerce && !c.strict && !f.Required && !s.keep[i] {
					// A value of the wrong type in a field that does not
					// identify the log type: the record is kept, the value
					// goes to the extras as it was written, the field is
					// null, and the record counts it.
					c.undecl, c.slots = c.undecl[:nundecl], c.slots[:nslots]
					c.w.n = valStart
					c.w.value(v)
					c.nodes[base+i] = node{}
					c.fail = failure{}
					c.demoted++
					c.undecl = append(c.undecl, undeclared{start: keyStart, end: c.w.n})
					c.slots[sbase+i] = slot{set: true, exact: exact, keyStart: keyStart, valStart: valStart, valEnd: c.w.n}
					return
				}
				if !ok {
					failed = true
					return
				}
				c.slots[sbase+i] = slot{set: true, exact: exact, keyStart: keyStart, valStart: valStart,
					valEnd: c.w.n, childStart: cs, childEnd: ce}
				return
			}
			if exact == sl.exact && bytes.Equal(c.w.arr[sl.keyStart:sl.valStart], c.w.arr[keyStart:valStart]) {
				c.w.value(v) // a repeated key: the first value stands
				return
			}
		}
		c.w.value(v)
		if v.Type() != fastjson.TypeNull && !c.addUndeclared(keyStart, c.w.n, k) {
			failed = true
		}
	})
	c.w.byte('}')
	if failed {
		return 0, 0, false
	}
	for _, i := range s.required {
		if c.nodes[base+i].kind == KindNull {
			c.fail = failure{rankRequired, fmt.Sprintf("field %s is required", c.pathText(s.fields[i].Name))}
			return 0, 0, false
		}
	}
	xs, xe = c.extrasText(sbase, len(s.fields), ustart)
	c.slots = c.slots[:sbase]
	return xs, xe, true
}

// addUndeclared keeps the entry canon[start:end] of key for the extras, or
// fails a strict log type.
func (c *coercer) addUndeclared(start, end int, key []byte) bool {
	if c.strict {
		c.fail = failure{rankCoerce, fmt.Sprintf("key %s is not declared (the log type is strict)", strconv.Quote(c.pathText(string(key))))}
		return false
	}
	c.undecl = append(c.undecl, undeclared{start: start, end: end})
	return true
}

// extrasText writes to xbuf the extras object of one object level: its
// undeclared keys (from ustart on) and the extras of its object fields
// (nslots slots from sbase), and returns its span, empty when it has none.
func (c *coercer) extrasText(sbase, nslots, ustart int) (int, int) {
	children := false
	for _, sl := range c.slots[sbase : sbase+nslots] {
		if sl.childEnd > sl.childStart {
			children = true
			break
		}
	}
	if len(c.undecl) == ustart && !children {
		return 0, 0
	}
	start := len(c.xbuf)
	c.xbuf = append(c.xbuf, '{')
	for j, u := range c.undecl[ustart:] {
		if j > 0 {
			c.xbuf = append(c.xbuf, ',')
		}
		c.xbuf = append(c.xbuf, c.w.arr[u.start:u.end]...)
	}
	n := len(c.undecl) - ustart
	for _, sl := range c.slots[sbase : sbase+nslots] {
		if sl.childEnd > sl.childStart {
			if n > 0 {
				c.xbuf = append(c.xbuf, ',')
			}
			n++
			c.xbuf = append(c.xbuf, c.w.arr[sl.keyStart:sl.valStart]...)
			c.xbuf = append(c.xbuf, c.xbuf[sl.childStart:sl.childEnd]...)
		}
	}
	c.xbuf = append(c.xbuf, '}')
	c.undecl = c.undecl[:ustart]
	return start, len(c.xbuf)
}

// writeValue writes v to canon and coerces it to t into nodes[ni]. For an
// object it returns the span of the object's extras in xbuf.
func (c *coercer) writeValue(t *Type, tf []timeFormat, sub *objSchema, v *fastjson.Value, ni int) (int, int, bool) {
	jt := v.Type()
	switch {
	case jt == fastjson.TypeNull:
		c.w.writeString("null")
		return 0, 0, true
	case t.Kind == KindObject && jt == fastjson.TypeObject:
		o, _ := v.Object()
		first := c.allocNodes(len(sub.fields))
		c.nodes[ni] = node{kind: KindObject, first: first, count: len(sub.fields)}
		return c.object(sub, o, first)
	case t.Kind == KindArray && jt == fastjson.TypeArray:
		elem := t.Elem
		if elem == nil {
			elem = &Type{Kind: KindString}
		}
		arr, _ := v.Array()
		first := c.allocNodes(len(arr))
		c.nodes[ni] = node{kind: KindArray, first: first, count: len(arr)}
		c.w.byte('[')
		for i, e := range arr {
			if i > 0 {
				c.w.byte(',')
			}
			c.path = append(c.path, pathElem{index: i, isIndex: true})
			_, _, ok := c.writeValue(elem, tf, nil, e, first+i)
			c.path = c.path[:len(c.path)-1]
			if !ok {
				return 0, 0, false
			}
		}
		c.w.byte(']')
		return 0, 0, true
	}
	start := c.w.n
	if jt == fastjson.TypeString && t.Kind == KindString {
		// the most common case, without going through value and scalar
		b, _ := v.StringBytes()
		c.w.quoted(b)
		nd := &c.nodes[ni]
		nd.kind, nd.n = KindString, len(b)
		if c.w.n-start == len(b)+2 {
			nd.off = start + 1
		} else {
			nd.inText, nd.off = true, len(c.text)
			c.text = append(c.text, b...)
		}
		return 0, 0, true
	}
	c.w.value(v)
	return 0, 0, c.scalar(t, tf, v, jt, start, ni)
}

// scalar coerces v, whose canonical text is canon[start:], to t into
// nodes[ni].
func (c *coercer) scalar(t *Type, tf []timeFormat, v *fastjson.Value, jt fastjson.Type, start, ni int) bool {
	span := c.w.arr[start:c.w.n]
	numStart, numSpan := start, span // a number's own text
	if jt == fastjson.TypeNumber && span[0] == '"' {
		numStart, numSpan = start+1, span[1:len(span)-1] // kept as a string: not JSON's syntax
	}
	nd := node{kind: t.Kind}
	switch t.Kind {
	case KindString:
		switch jt {
		case fastjson.TypeString:
			c.stringOf(v, start, &nd)
		case fastjson.TypeNumber:
			nd.off, nd.n = numStart, len(numSpan)
		case fastjson.TypeTrue, fastjson.TypeFalse:
			nd.inText, nd.off = true, len(c.text)
			c.text = append(c.text, span...)
			nd.n = len(span)
		default:
			c.failType(v, "a string")
			return false
		}
	case KindInt, KindBigint:
		text, ok := c.scalarText(v, jt, numSpan)
		if !ok {
			c.failType(v, "an integer")
			return false
		}
		i, ok := parseInteger(text)
		if !ok {
			c.failType(v, "an integer")
			return false
		}
		if t.Kind == KindInt && (i < math.MinInt32 || i > math.MaxInt32) {
			c.fail = failure{rankCoerce, fmt.Sprintf("field %s: %s is out of range for int", c.pathText(""), c.show(v))}
			return false
		}
		nd.i = i
	case KindFloat:
		text, ok := c.scalarText(v, jt, numSpan)
		if !ok {
			c.failType(v, "a number")
			return false
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			c.failType(v, "a number")
			return false
		}
		nd.f = f
	case KindBool:
		switch jt {
		case fastjson.TypeTrue:
			nd.i = 1
		case fastjson.TypeFalse:
		case fastjson.TypeString:
			b, _ := v.StringBytes()
			switch s := strings.TrimSpace(bytesString(b)); {
			case strings.EqualFold(s, "true"):
				nd.i = 1
			case strings.EqualFold(s, "false"):
			default:
				c.failType(v, "a boolean")
				return false
			}
		default:
			c.failType(v, "a boolean")
			return false
		}
	case KindTimestamp:
		var ok bool
		switch jt {
		case fastjson.TypeString:
			b, _ := v.StringBytes()
			nd.i, ok = parseTimeString(tf, bytesString(b), c.ingest)
		case fastjson.TypeNumber:
			nd.i, ok = parseTimeNumber(tf, bytesString(numSpan))
		}
		if !ok {
			c.failTime(v, tf)
			return false
		}
	case KindIP:
		if jt != fastjson.TypeString {
			c.failType(v, "an IP address")
			return false
		}
		b, _ := v.StringBytes()
		addr, err := netip.ParseAddr(strings.TrimSpace(bytesString(b)))
		if err != nil {
			c.failType(v, "an IP address")
			return false
		}
		tstart := len(c.text)
		c.text = addr.AppendTo(c.text)
		if bytes.Equal(c.text[tstart:], b) {
			c.text = c.text[:tstart] // already canonical: keep the source text
			c.stringOf(v, start, &nd)
		} else {
			nd.inText, nd.off, nd.n = true, tstart, len(c.text)-tstart
		}
	case KindJSON:
		nd.off, nd.n = start, len(span)
	case KindArray:
		// a lone scalar where a list is declared: a list of one
		elem := t.Elem
		if elem == nil {
			elem = &Type{Kind: KindString}
		}
		if elem.Kind == KindArray || jt == fastjson.TypeObject && elem.Kind != KindJSON {
			c.failType(v, "an array")
			return false
		}
		first := c.allocNodes(1)
		c.path = append(c.path, pathElem{index: 0, isIndex: true})
		if !c.scalar(elem, tf, v, jt, start, first) {
			return false
		}
		c.path = c.path[:len(c.path)-1]
		nd.first, nd.count = first, 1
	case KindObject:
		c.failType(v, "an object")
		return false
	default:
		c.fail = failure{rankCoerce, fmt.Sprintf("field %s: unsupported type %s", c.pathText(""), t)}
		return false
	}
	c.nodes[ni] = nd
	return true
}

// stringOf points nd at the content of the string value v whose canonical
// text starts at canon[start]: inside canon when nothing in it was
// escaped, else a copy of the parser's unescaped text in text.
func (c *coercer) stringOf(v *fastjson.Value, start int, nd *node) {
	b, _ := v.StringBytes()
	if c.w.n-start == len(b)+2 && c.w.arr[start] == '"' {
		nd.off, nd.n = start+1, len(b)
		return
	}
	nd.inText, nd.off, nd.n = true, len(c.text), len(b)
	c.text = append(c.text, b...)
}

// scalarText gives the text of a number (its canonical text is span) or
// string value.
func (c *coercer) scalarText(v *fastjson.Value, jt fastjson.Type, span []byte) (string, bool) {
	switch jt {
	case fastjson.TypeNumber:
		return bytesString(span), true
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return bytesString(b), true
	}
	return "", false
}

// parseInteger reads an integer, also from a decimal or exponent form
// whose value is integral ("42.0", "4.2e1").
func parseInteger(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || f < -9.223372036854775e18 || f > 9.223372036854775e18 {
		return 0, false
	}
	return int64(f), true
}

// pathText renders the current field path (plus last, if given) as
// userIdentity.sessionContext.attributes.creationDate or resources[2].
func (c *coercer) pathText(last string) string {
	var b strings.Builder
	s := c.root
	for _, p := range c.path {
		if p.isIndex {
			b.WriteString("[" + strconv.Itoa(p.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		if s == nil || p.field >= len(s.fields) {
			b.WriteString("?")
			continue
		}
		b.WriteString(s.fields[p.field].Name)
		s = s.sub[p.field]
	}
	if last != "" {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(last)
	}
	return b.String()
}

// show renders a value for an error message: strings quoted, other values
// as JSON, both cut short.
func (c *coercer) show(v *fastjson.Value) string {
	if v.Type() == fastjson.TypeString {
		b, _ := v.StringBytes()
		return excerpt(b)
	}
	text := appendCanonicalJSON(nil, v)
	if len(text) > 60 {
		return string(text[:57]) + "…"
	}
	return string(text)
}

func (c *coercer) failType(v *fastjson.Value, want string) {
	c.fail = failure{rankCoerce, fmt.Sprintf("field %s: %s is not %s", c.pathText(""), c.show(v), want)}
}

func (c *coercer) failTime(v *fastjson.Value, tf []timeFormat) {
	msg := fmt.Sprintf("field %s: %s is not a timestamp", c.pathText(""), c.show(v))
	if tf != nil {
		names := make([]string, len(tf))
		for i, f := range tf {
			names[i] = f.name()
		}
		msg += " (formats: " + strings.Join(names, ", ") + ")"
	}
	c.fail = failure{rankCoerce, msg}
}

// name is the format as written in a definition.
func (f timeFormat) name() string {
	if f.kind == tfLayout {
		return strconv.Quote(f.layout)
	}
	for n, k := range namedTimeFormats {
		if k == f.kind {
			return n
		}
	}
	return "?"
}
