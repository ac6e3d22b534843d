package schema

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unsafe"

	"github.com/valyala/fastjson"
)

// jsonParser reads JSON units: one document (object or array) or one JSON
// line. Where the records are inside the unit is told by the options:
//
//   - json_path: candidate dotted paths to the records, tried in order. An
//     array found there holds one record per element; an object found there
//     is the record. When no path is present the unit itself is the record,
//     or, for a top-level array, each of its elements.
//   - embedded_json: the records found are strings holding JSON text, which
//     is parsed (objects found are taken as they are).
//   - envelope_keys: top-level keys of the unit copied into each record as
//     an object under the key "envelope" (replacing a key of that name).
//
// The raw bytes of a record are the unit itself when the unit is the
// record, the string's text for an embedded record, and otherwise the
// element written back as compact JSON in a canonical form (keys in
// document order, strings escaped minimally), so that a record's id does
// not depend on how its envelope was formatted.
type jsonParser struct {
	paths    [][]string
	embedded bool
	envKeys  []string

	doc   fastjson.Parser // Parse's document
	emb   fastjson.Parser // embedded records
	arena fastjson.Arena  // envelope objects and records merged with them
	raw   []byte          // canonical text of the current element
	rec   jsonRecord      // the record handed to each's fn
}

// newJSONParser builds the json parser for cfg.
func newJSONParser(cfg ParserConfig, fields []Field) (Parser, error) {
	return buildJSONParser(cfg)
}

func buildJSONParser(cfg ParserConfig) (*jsonParser, error) {
	p := &jsonParser{embedded: cfg.EmbeddedJSON}
	for _, jp := range cfg.JSONPath {
		parts := splitPath(strings.TrimSpace(jp))
		if len(parts) == 0 {
			return nil, fmt.Errorf("json_path: empty path")
		}
		for _, part := range parts {
			if part == "" {
				return nil, fmt.Errorf("json_path %q: empty path element", jp)
			}
		}
		p.paths = append(p.paths, parts)
	}
	for _, k := range cfg.EnvelopeKeys {
		if k == "" {
			return nil, fmt.Errorf("envelope_keys: empty key")
		}
		p.envKeys = append(p.envKeys, k)
	}
	return p, nil
}

// jsonRecord is one record found in a JSON unit.
type jsonRecord struct {
	obj  *fastjson.Value // the record object (merged with its envelope); nil when err is set
	base *fastjson.Value // the record object before the merge (obj when there is no envelope)
	elem *fastjson.Value // the record as it is in the document (a string when embedded)
	// raw is the unit when whole, the string's text when embedded, and
	// nil for an element of an envelope: its text is then the element's
	// canonical JSON, which the caller writes when it needs it.
	raw   []byte
	whole bool  // the record is the whole unit
	index int   // position among the unit's records
	err   error // why this element is not a record
}

// Parse implements Parser. A record that is not an object (or holds
// broken embedded JSON) is skipped and reported in the returned error;
// the others are emitted.
func (p *jsonParser) Parse(unit []byte, emit func(raw []byte, obj *fastjson.Value) error) error {
	unit = trimSpace(unit)
	doc, err := p.doc.ParseBytes(unit)
	if err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	var firstErr, emitErr error
	p.each(doc, unit, nil, func(r *jsonRecord) bool {
		if r.err != nil {
			if firstErr == nil {
				firstErr = r.err
			}
			return true
		}
		raw := r.raw
		if raw == nil {
			p.raw = appendCanonicalJSON(p.raw[:0], r.elem)
			raw = p.raw
		}
		emitErr = emit(raw, r.obj)
		return emitErr == nil
	})
	if emitErr != nil {
		return emitErr
	}
	return firstErr
}

// each finds the records of the parsed unit doc and calls fn for each,
// stopping when fn returns false. outer is an enclosing document (a
// CloudWatch Logs subscription) consulted for envelope keys the unit lacks.
// envelope reports whether the records came from an array (a json_path
// or a top-level array), in which case zero records is a valid answer.
func (p *jsonParser) each(doc *fastjson.Value, unit []byte, outer *fastjson.Value, fn func(*jsonRecord) bool) (envelope bool) {
	target := doc
	if doc.Type() == fastjson.TypeObject {
		for _, path := range p.paths {
			if v := doc.Get(path...); v != nil && v.Type() != fastjson.TypeNull {
				target = v
				break
			}
		}
	}
	p.arena.Reset()
	var env *fastjson.Value
	if len(p.envKeys) > 0 {
		env = p.arena.NewObject()
		for _, k := range p.envKeys {
			v := doc.Get(k)
			if v == nil && outer != nil {
				v = outer.Get(k)
			}
			if v != nil {
				env.Set(k, v)
			}
		}
	}
	rec := &p.rec
	if target.Type() == fastjson.TypeArray {
		arr, _ := target.Array()
		for i, e := range arr {
			p.record(rec, e, i, false, unit, env)
			if !fn(rec) {
				break
			}
		}
		return true
	}
	p.record(rec, target, 0, target == doc, unit, env)
	fn(rec)
	return false
}

// record fills r for element e.
func (p *jsonParser) record(r *jsonRecord, e *fastjson.Value, index int, whole bool, unit []byte, env *fastjson.Value) {
	*r = jsonRecord{elem: e, index: index, whole: whole}
	obj := e
	switch t := e.Type(); {
	case t == fastjson.TypeString && p.embedded:
		text, _ := e.StringBytes()
		r.raw = text
		v, err := p.emb.ParseBytes(text)
		if err != nil {
			r.err = fmt.Errorf("record %d: embedded JSON: %v", index, err)
			return
		}
		obj = v
		if obj.Type() != fastjson.TypeObject {
			r.err = fmt.Errorf("record %d: embedded JSON is %s, not an object", index, article(obj.Type()))
			return
		}
	case whole:
		r.raw = unit
	}
	if obj.Type() != fastjson.TypeObject {
		r.err = fmt.Errorf("record %d is %s, not an object", index, article(obj.Type()))
		return
	}
	r.base = obj
	if env != nil {
		merged := p.arena.NewObject()
		o, _ := obj.Object()
		o.Visit(func(k []byte, v *fastjson.Value) {
			merged.Set(unsafe.String(unsafe.SliceData(k), len(k)), v)
		})
		merged.Set("envelope", env)
		obj = merged
	}
	r.obj = obj
}

// article names a JSON type with its article: "an object", "a number".
func article(t fastjson.Type) string {
	switch t {
	case fastjson.TypeObject:
		return "an object"
	case fastjson.TypeArray:
		return "an array"
	case fastjson.TypeString:
		return "a string"
	case fastjson.TypeNumber:
		return "a number"
	case fastjson.TypeTrue, fastjson.TypeFalse:
		return "a boolean"
	}
	return "null"
}

// appendCanonicalJSON writes v as compact JSON with keys in document
// order and strings escaped only where JSON requires it. The output does
// not depend on how v was written, nor on which of its strings fastjson
// has already unescaped, so it is a stable identity for v.
func appendCanonicalJSON(dst []byte, v *fastjson.Value) []byte {
	w := jsonWriter{arr: dst[:cap(dst)], n: len(dst)}
	w.value(v)
	return w.bytes()
}

// jsonWriter appends JSON text to arr[:n]. It writes into its array by
// index and stores a new array only when it grows, which keeps the hot
// path free of the garbage collector's write barriers that appending to a
// slice field (and storing the slice back) costs.
type jsonWriter struct {
	arr []byte
	n   int
}

func (w *jsonWriter) bytes() []byte { return w.arr[:w.n] }
func (w *jsonWriter) reset()        { w.n = 0 }

// grow makes room for k more bytes.
func (w *jsonWriter) grow(k int) {
	if w.n+k <= len(w.arr) {
		return
	}
	a := make([]byte, max(2*len(w.arr), w.n+k, 1024))
	copy(a, w.arr[:w.n])
	w.arr = a
}

func (w *jsonWriter) byte(c byte) {
	if w.n >= len(w.arr) {
		w.grow(1)
	}
	w.arr[w.n] = c
	w.n++
}

func (w *jsonWriter) write(s []byte) {
	if w.n+len(s) > len(w.arr) {
		w.grow(len(s))
	}
	w.n += copy(w.arr[w.n:], s)
}

func (w *jsonWriter) writeString(s string) {
	if w.n+len(s) > len(w.arr) {
		w.grow(len(s))
	}
	w.n += copy(w.arr[w.n:], s)
}

// value writes v in canonical form (see appendCanonicalJSON).
func (w *jsonWriter) value(v *fastjson.Value) {
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		w.byte('{')
		first := true
		o.Visit(func(k []byte, x *fastjson.Value) {
			if !first {
				w.byte(',')
			}
			first = false
			w.quoted(k)
			w.byte(':')
			w.value(x)
		})
		w.byte('}')
	case fastjson.TypeArray:
		arr, _ := v.Array()
		w.byte('[')
		for i, x := range arr {
			if i > 0 {
				w.byte(',')
			}
			w.value(x)
		}
		w.byte(']')
	case fastjson.TypeString:
		s, _ := v.StringBytes()
		w.quoted(s)
	case fastjson.TypeNumber:
		w.grow(32)
		start := w.n
		if out := v.MarshalTo(w.arr[start:start]); len(out) <= len(w.arr)-start && (len(out) == 0 || &out[0] == &w.arr[start]) {
			w.n += len(out) // written in place
		} else {
			w.write(out)
		}
		if !isJSONNumber(w.arr[start:w.n]) {
			// fastjson takes 00, 1., +1, NaN and Inf; JSON does not. Such
			// a number is kept as a string so the text stays JSON.
			num := string(w.arr[start:w.n])
			w.n = start
			w.quoted([]byte(num))
		}
	case fastjson.TypeTrue:
		w.writeString("true")
	case fastjson.TypeFalse:
		w.writeString("false")
	default:
		w.writeString("null")
	}
}

// isJSONNumber reports whether b is a number as JSON writes them:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i == len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i == len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	return i == len(b)
}

// appendJSONQuoted appends s as a JSON string, escaping only what JSON
// requires: '"', '\\' and control bytes (\n, \r and \t by name, the others
// as \u00XX). Other bytes, invalid UTF-8 included, are copied as they are.
func appendJSONQuoted(dst, s []byte) []byte {
	w := jsonWriter{arr: dst[:cap(dst)], n: len(dst)}
	w.quoted(s)
	return w.bytes()
}

// quoted writes s as a JSON string (see appendJSONQuoted). It looks at
// eight bytes at a time, since most strings need no escape.
func (w *jsonWriter) quoted(s []byte) {
	const hexDigits = "0123456789abcdef"
	w.grow(len(s) + 2)
	if !needsEscape(s) {
		a := w.arr[w.n : w.n+len(s)+2]
		a[0] = '"'
		copy(a[1:], s)
		a[len(a)-1] = '"'
		w.n += len(a)
		return
	}
	w.arr[w.n] = '"'
	w.n++
	start, i := 0, 0
	for i < len(s) {
		if i+8 <= len(s) && !wordNeedsEscape(binary.LittleEndian.Uint64(s[i:])) {
			i += 8
			continue
		}
		for end := min(i+8, len(s)); i < end; i++ {
			c := s[i]
			if c >= 0x20 && c != '"' && c != '\\' {
				continue
			}
			w.write(s[start:i])
			switch c {
			case '"', '\\':
				w.write([]byte{'\\', c})
			case '\n':
				w.writeString(`\n`)
			case '\r':
				w.writeString(`\r`)
			case '\t':
				w.writeString(`\t`)
			default:
				w.write([]byte{'\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf]})
			}
			start = i + 1
		}
	}
	w.write(s[start:])
	w.byte('"')
}

// key writes s as a JSON string followed by ':'.
func (w *jsonWriter) key(s []byte) {
	if len(s) < 8 || needsEscape(s) {
		w.quoted(s)
		w.byte(':')
		return
	}
	w.grow(len(s) + 3)
	a := w.arr[w.n : w.n+len(s)+3]
	a[0] = '"'
	copy(a[1:], s)
	a[len(a)-2] = '"'
	a[len(a)-1] = ':'
	w.n += len(a)
}

// needsEscape reports whether a byte of s must be escaped in a JSON
// string.
func needsEscape(s []byte) bool {
	n := len(s)
	if n < 8 {
		for _, c := range s {
			if escapeByte[c] {
				return true
			}
		}
		return false
	}
	for i := 0; i+8 <= n; i += 8 {
		if wordNeedsEscape(binary.LittleEndian.Uint64(s[i:])) {
			return true
		}
	}
	return wordNeedsEscape(binary.LittleEndian.Uint64(s[n-8:])) // the tail, overlapping
}

// escapeByte marks the bytes JSON strings must escape.
var escapeByte = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// wordNeedsEscape reports whether one of the eight bytes of x is below
// 0x20, '"' or '\\'. (Borrows may flag neighbours of such a byte, never a
// word without one.)
func wordNeedsEscape(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	ctl := (x - 0x20*ones) &^ x
	q := x ^ '"'*ones
	bs := x ^ '\\'*ones
	return (ctl|(q-ones)&^q|(bs-ones)&^bs)&highs != 0
}

// trimSpace drops JSON white space (and a UTF-8 byte order mark) around b.
func trimSpace(b []byte) []byte {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		b = b[3:]
	}
	for len(b) > 0 && isJSONSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isJSONSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }
