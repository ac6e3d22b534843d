package rules

import (
	"strconv"
	"strings"

	"github.com/streamalert/streamalert/schema"
	"github.com/tidwall/gjson"
)

// FieldWhere says where a rule's field path leads in a record of a log type.
type FieldWhere uint8

const (
	// InDeclared: a declared field, possibly nested in object fields.
	InDeclared FieldWhere = iota + 1
	// InJSON: inside a declared json field (or inside each element of an
	// array<json> field), at FieldRef.JSONPath (empty: the whole JSON).
	InJSON
	// InExtras: inside the record's extras (the JSON object of undeclared
	// keys, column sa_extras) at FieldRef.JSONPath.
	InExtras
	// InNormalized: the record's values of normalized type
	// FieldRef.Normalized (our extension: `normalized.<type>`).
	InNormalized
	// InText: the record's values searched by keyword selections (see Leaf).
	InText
	// InNowhere: the path continues below a scalar field, so no record of
	// the log type has a value there; leaves on it see a missing field.
	InNowhere
)

func (w FieldWhere) String() string {
	return [...]string{"", "declared", "json", "extras", "normalized", "text", "nowhere"}[w]
}

// FieldRef is where a rule's field path leads in records of one log type.
//
// JSON paths (InJSON, InExtras) are exact, case-sensitive keys. Arrays met
// along the way are walked element by element, and an array at the end
// yields its elements, so a path matches when any element does. A JSON
// object at the end yields its JSON text; JSON null counts as missing.
type FieldRef struct {
	Path  []string
	Where FieldWhere
	// Fields are the positions of the declared fields along the path: in
	// LogType.Fields, then in each object's Type.Fields. Columns are their
	// lake column (struct field) names. Type is the last one's type.
	Fields  []int
	Columns []string
	Type    schema.Type
	// JSONPath is the rest of the path inside the JSON text.
	JSONPath []string
	// Normalized is the normalized type for InNormalized.
	Normalized string
}

// key identifies the value source, so that rules share one lookup.
func (f FieldRef) key() string {
	var b strings.Builder
	b.WriteString(f.Where.String())
	for _, i := range f.Fields {
		b.WriteByte('/')
		b.WriteString(strconv.Itoa(i))
	}
	for _, p := range f.JSONPath {
		b.WriteByte('\x00')
		b.WriteString(p)
	}
	if f.Normalized != "" {
		b.WriteByte('\x01')
		b.WriteString(f.Normalized)
	}
	return b.String()
}

// ResolveField finds where a dotted field path (split at dots) leads in
// records of lt. Declared fields are matched exactly, then
// case-insensitively; a first segment that is not declared leads into the
// extras (so does an undeclared key inside a declared object: the extras
// mirror the record's nesting). `normalized.<type>` names normalized values unless lt declares a
// field called normalized.
func ResolveField(lt *schema.LogType, path []string) FieldRef {
	ref := FieldRef{Path: path}
	if len(path) == 0 {
		ref.Where = InText
		return ref
	}
	if t, ok := normalizedPath(path); ok && schema.FieldIndex(lt.Fields, "normalized") < 0 {
		ref.Where, ref.Normalized = InNormalized, t
		return ref
	}
	fields := lt.Fields
	for i, seg := range path {
		j := schema.FieldIndex(fields, seg)
		if j < 0 {
			// Undeclared keys, also those inside declared objects, are
			// kept in the extras, which mirror the record's nesting.
			return FieldRef{Path: path, Where: InExtras, JSONPath: path}
		}
		f := fields[j]
		ref.Fields = append(ref.Fields, j)
		ref.Columns = append(ref.Columns, f.Column)
		ref.Type = f.Type
		last := i == len(path)-1
		switch {
		case f.Type.Kind == schema.KindJSON || (f.Type.Kind == schema.KindArray && f.Type.Elem != nil && f.Type.Elem.Kind == schema.KindJSON):
			ref.Where, ref.JSONPath = InJSON, path[i+1:]
			return ref
		case last:
			ref.Where = InDeclared
			return ref
		case f.Type.Kind == schema.KindObject:
			fields = f.Type.Fields
		default:
			ref.Where = InNowhere
			return ref
		}
	}
	ref.Where = InNowhere
	return ref
}

// fieldValue is one value of a field in a record, as leaves see it.
type fieldValue struct {
	text  string
	num   float64
	isNum bool // a number: from a declared int, bigint or float field, or a JSON number
}

// accessor reads one FieldRef from records.
type accessor struct {
	ref      FieldRef
	jsonPath []string // gjson-escaped JSONPath
	numeric  bool     // declared int/bigint/float (OpEq compares numbers)
}

func newAccessor(ref FieldRef) *accessor {
	a := &accessor{ref: ref}
	for _, p := range ref.JSONPath {
		a.jsonPath = append(a.jsonPath, gjson.Escape(p))
	}
	if ref.Where == InDeclared {
		k := ref.Type.Kind
		if k == schema.KindArray && ref.Type.Elem != nil {
			k = ref.Type.Elem.Kind
		}
		a.numeric = k == schema.KindInt || k == schema.KindBigint || k == schema.KindFloat
	}
	return a
}

// read appends the field's values in rec to out and reports whether the
// field is present (not missing, not null; an empty array is present).
func (a *accessor) read(rec *schema.Record, out []fieldValue) ([]fieldValue, bool) {
	switch a.ref.Where {
	case InNormalized:
		vals := rec.Normalized[a.ref.Normalized]
		for _, v := range vals {
			out = append(out, fieldValue{text: v})
		}
		return out, len(vals) > 0
	case InExtras:
		if rec.Extras == "" {
			return out, false
		}
		return walkJSON(gjson.Parse(rec.Extras), a.jsonPath, out)
	case InText:
		return recordValues(rec, out), true
	case InNowhere:
		return out, false
	}
	// Declared (and json inside declared).
	fields, vals := rec.LogType.Fields, rec.Values
	var v schema.Value
	var f schema.Field
	for i, j := range a.ref.Fields {
		if j >= len(vals) || j >= len(fields) {
			return out, false
		}
		v, f = vals[j], fields[j]
		if i < len(a.ref.Fields)-1 {
			if v.Kind != schema.KindObject {
				return out, false
			}
			fields, vals = f.Type.Fields, v.L
		}
	}
	if v.IsNull() {
		return out, false
	}
	if a.ref.Where == InJSON {
		if v.Kind == schema.KindArray {
			present := false
			for _, e := range v.L {
				if e.Kind != schema.KindJSON {
					continue
				}
				var ok bool
				out, ok = walkJSON(gjson.Parse(e.S), a.jsonPath, out)
				present = present || ok
			}
			return out, present || len(a.jsonPath) == 0
		}
		if v.Kind != schema.KindJSON && v.Kind != schema.KindString {
			return out, false
		}
		return walkJSON(gjson.Parse(v.S), a.jsonPath, out)
	}
	return appendValue(out, v, f.Type), true
}

// appendValue adds the values of a declared value: a scalar is one value,
// an array its elements, an object its JSON text.
func appendValue(out []fieldValue, v schema.Value, t schema.Type) []fieldValue {
	switch v.Kind {
	case schema.KindNull:
		return out
	case schema.KindArray:
		var et schema.Type
		if t.Elem != nil {
			et = *t.Elem
		}
		for _, e := range v.L {
			if e.Kind == schema.KindJSON {
				out, _ = walkJSON(gjson.Parse(e.S), nil, out)
				continue
			}
			out = appendValue(out, e, et)
		}
		return out
	case schema.KindObject:
		var b strings.Builder
		writeObjectJSON(&b, v, t)
		return append(out, fieldValue{text: b.String()})
	case schema.KindJSON:
		out, _ = walkJSON(gjson.Parse(v.S), nil, out)
		return out
	case schema.KindInt, schema.KindBigint:
		return append(out, fieldValue{text: v.Text(), num: float64(v.I), isNum: true})
	case schema.KindFloat:
		return append(out, fieldValue{text: v.Text(), num: v.Float(), isNum: true})
	}
	return append(out, fieldValue{text: v.Text()})
}

// walkJSON follows path (gjson-escaped keys) from r, walking arrays element
// by element, and appends the values found.
func walkJSON(r gjson.Result, path []string, out []fieldValue) ([]fieldValue, bool) {
	if !r.Exists() || r.Type == gjson.Null {
		return out, false
	}
	if r.IsArray() {
		present := len(path) == 0
		r.ForEach(func(_, e gjson.Result) bool {
			var ok bool
			out, ok = walkJSON(e, path, out)
			present = present || ok
			return true
		})
		return out, present
	}
	if len(path) == 0 {
		// scalars as jsonScalar gives them, objects as their JSON text
		return append(out, jsonScalar(r)), true
	}
	if !r.IsObject() {
		return out, false
	}
	return walkJSON(r.Get(path[0]), path[1:], out)
}

// writeObjectJSON renders a declared object value as compact JSON with the
// lake's (lower-case) column names as keys, in declaration order, nulls
// included.
func writeObjectJSON(b *strings.Builder, v schema.Value, t schema.Type) {
	b.WriteByte('{')
	for i, f := range t.Fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(f.Column))
		b.WriteByte(':')
		var e schema.Value
		if i < len(v.L) {
			e = v.L[i]
		}
		writeValueJSON(b, e, f.Type)
	}
	b.WriteByte('}')
}

func writeValueJSON(b *strings.Builder, v schema.Value, t schema.Type) {
	switch v.Kind {
	case schema.KindNull:
		b.WriteString("null")
	case schema.KindObject:
		writeObjectJSON(b, v, t)
	case schema.KindArray:
		b.WriteByte('[')
		var et schema.Type
		if t.Elem != nil {
			et = *t.Elem
		}
		for i, e := range v.L {
			if i > 0 {
				b.WriteByte(',')
			}
			writeValueJSON(b, e, et)
		}
		b.WriteByte(']')
	case schema.KindJSON:
		b.WriteString(v.S)
	case schema.KindInt, schema.KindBigint, schema.KindFloat, schema.KindBool:
		b.WriteString(v.Text())
	default:
		b.WriteString(strconv.Quote(v.Text()))
	}
}

// recordValues appends the values keyword selections search (Field "",
// see Leaf): every non-null scalar of the record, each one a value, in
// declaration order (objects field by field, arrays element by element),
// then the scalars inside json fields and the extras. Declared numbers,
// booleans and timestamps are their Value.Text; inside JSON, strings are
// their unescaped value, numbers their canonical text (jsonNumber) and
// booleans true/false; keys, nulls and the JSON punctuation are not
// searched.
func recordValues(rec *schema.Record, out []fieldValue) []fieldValue {
	out = fieldsValues(rec.LogType.Fields, rec.Values, out)
	if rec.Extras != "" {
		out = jsonScalars(gjson.Parse(rec.Extras), out)
	}
	return out
}

func fieldsValues(fields []schema.Field, vals []schema.Value, out []fieldValue) []fieldValue {
	for i := range fields {
		if i >= len(vals) {
			break
		}
		out = keywordValues(fields[i].Type, vals[i], out)
	}
	return out
}

func keywordValues(t schema.Type, v schema.Value, out []fieldValue) []fieldValue {
	switch v.Kind {
	case schema.KindNull:
		return out
	case schema.KindObject:
		return fieldsValues(t.Fields, v.L, out)
	case schema.KindArray:
		var et schema.Type
		if t.Elem != nil {
			et = *t.Elem
		}
		for _, e := range v.L {
			out = keywordValues(et, e, out)
		}
		return out
	case schema.KindJSON:
		return jsonScalars(gjson.Parse(v.S), out)
	}
	return append(out, fieldValue{text: v.Text()})
}

// jsonScalars appends every scalar inside r (at any depth), nulls left out.
func jsonScalars(r gjson.Result, out []fieldValue) []fieldValue {
	switch {
	case r.IsObject() || r.IsArray():
		r.ForEach(func(_, e gjson.Result) bool {
			out = jsonScalars(e, out)
			return true
		})
		return out
	case !r.Exists() || r.Type == gjson.Null:
		return out
	}
	return append(out, jsonScalar(r))
}

// jsonScalar is the value of a JSON string, number or boolean.
func jsonScalar(r gjson.Result) fieldValue {
	switch r.Type {
	case gjson.String:
		return fieldValue{text: r.Str}
	case gjson.True:
		return fieldValue{text: "true"}
	case gjson.False:
		return fieldValue{text: "false"}
	case gjson.Number:
		text, num := jsonNumber(r.Raw)
		return fieldValue{text: text, num: num, isNum: true}
	}
	return fieldValue{text: r.Raw}
}

// jsonNumber returns the canonical text and the value of a JSON number as
// written (raw). A number written without fraction or exponent that fits
// a 64-bit integer (signed, or unsigned when positive) is that integer in
// decimal (-0 is 0); any other number is the nearest float64 in Go's
// shortest form (strconv 'g'): 1.50 is 1.5, 1.10 is 1.1, 1e3 is 1000,
// -0.0 is -0, 1e400 is +Inf. These are the texts DuckDB gives (its
// BIGINT/UBIGINT JSON numbers, and sa_float_text of its DOUBLE ones).
func jsonNumber(raw string) (string, float64) {
	if !strings.ContainsAny(raw, ".eE") {
		if i, err := strconv.ParseInt(raw, 10, 64); err == nil {
			return strconv.FormatInt(i, 10), float64(i)
		}
		if u, err := strconv.ParseUint(raw, 10, 64); err == nil {
			return strconv.FormatUint(u, 10), float64(u)
		}
	}
	f, _ := strconv.ParseFloat(raw, 64) // ±Inf when out of range
	return strconv.FormatFloat(f, 'g', -1, 64), f
}

// comparedTimestamp returns the first log type in which a numeric
// comparison leaf (gt, gte, lt, lte) names a declared timestamp field:
// normalization turned the number into a time (GitHub's epoch-ms
// created_at), so the comparison could never match.
func comparedTimestamp(l *Leaf, lts []*schema.LogType) *schema.LogType {
	switch l.Op {
	case OpGT, OpGTE, OpLT, OpLTE:
	default:
		return nil
	}
	for _, lt := range lts {
		ref := ResolveField(lt, l.Path)
		k := ref.Type.Kind
		if k == schema.KindArray && ref.Type.Elem != nil {
			k = ref.Type.Elem.Kind
		}
		if ref.Where == InDeclared && k == schema.KindTimestamp {
			return lt
		}
	}
	return nil
}
