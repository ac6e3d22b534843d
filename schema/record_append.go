package schema

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// RecordWriter writes records as JSON straight from their typed values:
// the bytes encoding/json writes for Map() (keys sorted, json fields and
// extras decoded and re-encoded as encoding/json would, HTML characters
// not escaped), without building the map. It keeps scratch memory between
// calls and is not safe for concurrent use.
type RecordWriter struct {
	extras fastjson.Parser // the record's extras
	field  fastjson.Parser // the json field being written
	keys   [][]kv          // scratch per object depth
	num    []byte
}

type kv struct {
	key string
	val *fastjson.Value // an extra or a json member
	idx int             // a declared field's index, or -1
}

// AppendFields appends the record's fields as one JSON object.
func (w *RecordWriter) AppendFields(dst []byte, r *Record) []byte {
	var extras *fastjson.Object
	if r.Extras != "" {
		// Map drops extras that do not decode; encoding/json accepts what
		// fastjson does except numbers out of float64's range.
		if v, err := w.extras.Parse(r.Extras); err == nil && w.validNumbers(v) {
			extras, _ = v.Object()
		}
	}
	return w.appendObject(dst, r.LogType.Fields, r.Values, extras, 0)
}

// appendObject writes declared fields (and, at the top, the extras whose
// keys no declared field has) in key order.
func (w *RecordWriter) appendObject(dst []byte, fields []Field, vals []Value, extras *fastjson.Object, depth int) []byte {
	keys := w.scratch(depth)
	for _, i := range sortedFields(fields) {
		if i < len(vals) && !vals[i].IsNull() {
			keys = append(keys, kv{key: fields[i].Name, idx: i})
		}
	}
	if extras != nil {
		declared := len(keys)
		extras.Visit(func(k []byte, v *fastjson.Value) {
			key := decodedString(k)
			if declaredNonNull(fields, vals, key) {
				return
			}
			keys = append(keys, kv{key: key, val: v, idx: -1})
		})
		if len(keys) > declared {
			keys = lastOfEachKey(keys)
		}
	}
	w.keys[depth] = keys
	dst = append(dst, '{')
	for n, k := range keys {
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = AppendJSONString(dst, k.key)
		dst = append(dst, ':')
		if k.idx < 0 {
			dst = w.appendJSONValue(dst, k.val, depth+1)
			continue
		}
		dst = w.appendValue(dst, fields[k.idx].Type, vals[k.idx], depth+1)
	}
	return append(dst, '}')
}

// declaredNonNull reports whether a declared field is named exactly key
// and has a value (Map merges an extra only where no such field is).
func declaredNonNull(fields []Field, vals []Value, key string) bool {
	for i := range fields {
		if fields[i].Name == key {
			return i < len(vals) && !vals[i].IsNull()
		}
	}
	return false
}

func (w *RecordWriter) scratch(depth int) []kv {
	for len(w.keys) <= depth {
		w.keys = append(w.keys, nil)
	}
	return w.keys[depth][:0]
}

// lastOfEachKey sorts keys and keeps, of keys that repeat, the last (a
// map decoded by encoding/json keeps a repeated key's last value).
func lastOfEachKey(keys []kv) []kv {
	slices.SortStableFunc(keys, func(a, b kv) int { return strings.Compare(a.key, b.key) })
	out := keys[:0]
	for i, k := range keys {
		if i+1 < len(keys) && keys[i+1].key == k.key {
			continue
		}
		out = append(out, k)
	}
	return out
}

func (w *RecordWriter) appendValue(dst []byte, t Type, v Value, depth int) []byte {
	switch v.Kind {
	case KindString, KindIP:
		return AppendJSONString(dst, v.S)
	case KindJSON:
		// A json field decodes into its value; text that does not decode
		// stays a string, as in Map.
		doc, err := w.field.Parse(v.S)
		if err != nil || !w.validNumbers(doc) {
			return AppendJSONString(dst, v.S)
		}
		return w.appendJSONValue(dst, doc, depth)
	case KindInt, KindBigint:
		return strconv.AppendInt(dst, v.I, 10)
	case KindFloat:
		return appendJSONFloat(dst, v.Float())
	case KindBool:
		return strconv.AppendBool(dst, v.I != 0)
	case KindTimestamp:
		dst = append(dst, '"')
		dst = v.Time().AppendFormat(dst, time.RFC3339Nano)
		return append(dst, '"')
	case KindArray:
		elem := Type{Kind: KindString}
		if t.Elem != nil {
			elem = *t.Elem
		}
		dst = append(dst, '[')
		for i, e := range v.L {
			if i > 0 {
				dst = append(dst, ',')
			}
			if e.IsNull() {
				dst = append(dst, "null"...)
				continue
			}
			dst = w.appendValue(dst, elem, e, depth)
		}
		return append(dst, ']')
	case KindObject:
		return w.appendObject(dst, t.Fields, v.L, nil, depth)
	}
	return append(dst, "null"...)
}

// appendJSONValue re-encodes decoded JSON as encoding/json writes what it
// decodes into an any: objects with sorted keys, numbers as float64.
func (w *RecordWriter) appendJSONValue(dst []byte, v *fastjson.Value, depth int) []byte {
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		keys := w.scratch(depth)
		o.Visit(func(k []byte, v *fastjson.Value) { keys = append(keys, kv{key: decodedString(k), val: v, idx: -1}) })
		keys = lastOfEachKey(keys)
		w.keys[depth] = keys
		dst = append(dst, '{')
		for n, k := range keys {
			if n > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSONString(dst, k.key)
			dst = append(dst, ':')
			dst = w.appendJSONValue(dst, k.val, depth+1)
		}
		return append(dst, '}')
	case fastjson.TypeArray:
		a, _ := v.Array()
		dst = append(dst, '[')
		for i, e := range a {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = w.appendJSONValue(dst, e, depth)
		}
		return append(dst, ']')
	case fastjson.TypeString:
		return AppendJSONString(dst, decodedString(v.GetStringBytes()))
	case fastjson.TypeNumber:
		w.num = v.MarshalTo(w.num[:0])
		f, _ := strconv.ParseFloat(bytesString(w.num), 64)
		return appendJSONFloat(dst, f)
	case fastjson.TypeTrue:
		return append(dst, "true"...)
	case fastjson.TypeFalse:
		return append(dst, "false"...)
	}
	return append(dst, "null"...)
}

// validNumbers reports whether every number in v fits a float64, as
// encoding/json requires to decode it into an any.
func (w *RecordWriter) validNumbers(v *fastjson.Value) bool {
	switch v.Type() {
	case fastjson.TypeNumber:
		w.num = v.MarshalTo(w.num[:0])
		_, err := strconv.ParseFloat(bytesString(w.num), 64)
		return err == nil
	case fastjson.TypeObject:
		ok := true
		o, _ := v.Object()
		o.Visit(func(_ []byte, e *fastjson.Value) { ok = ok && w.validNumbers(e) })
		return ok
	case fastjson.TypeArray:
		a, _ := v.Array()
		for _, e := range a {
			if !w.validNumbers(e) {
				return false
			}
		}
	}
	return true
}

// decodedString is a string as encoding/json decodes it: each byte of
// invalid UTF-8 becomes U+FFFD.
func decodedString(b []byte) string {
	if utf8.Valid(b) {
		return bytesString(b)
	}
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			out = append(out, "\uFFFD"...)
		} else {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return string(out)
}

// appendJSONFloat writes f as encoding/json writes a float64 (ES6 number
// formatting); NaN and infinities, which it refuses, as null.
func appendJSONFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	n := len(dst)
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if m := len(dst) - n; m >= 4 && dst[len(dst)-4] == 'e' && dst[len(dst)-3] == '-' && dst[len(dst)-2] == '0' {
			dst[len(dst)-2] = dst[len(dst)-1]
			dst = dst[:len(dst)-1]
		}
	}
	return dst
}

// AppendJSONString appends s as a JSON string the way encoding/json writes
// it with HTML escaping off: quote, backslash and control characters
// escaped (\b \f \n \r \t, others as \u00XX), U+2028 and U+2029 escaped,
// invalid UTF-8 as \ufffd.
func AppendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// sortedFields returns the indexes of fields in name order, computed once
// per field list.
func sortedFields(fields []Field) []int {
	if len(fields) == 0 {
		return nil
	}
	key := &fields[0]
	if v, ok := fieldOrder.Load(key); ok {
		if o := v.([]int); len(o) == len(fields) {
			return o
		}
	}
	o := make([]int, len(fields))
	for i := range o {
		o[i] = i
	}
	slices.SortStableFunc(o, func(a, b int) int { return strings.Compare(fields[a].Name, fields[b].Name) })
	fieldOrder.Store(key, o)
	return o
}

// fieldOrder caches sortedFields by the address of a field list's first
// field: log types and their object types are built once and not changed.
var fieldOrder sync.Map
