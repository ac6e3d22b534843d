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
	// InText: the record text searched by keyword selections (see Leaf).
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
	isNum bool // from a declared int, bigint or float field
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
		return append(out, fieldValue{text: recordText(rec)}), true
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
		switch r.Type {
		case gjson.String:
			return append(out, fieldValue{text: r.Str}), true
		case gjson.True:
			return append(out, fieldValue{text: "true"}), true
		case gjson.False:
			return append(out, fieldValue{text: "false"}), true
		default: // numbers as written, objects as their JSON text
			return append(out, fieldValue{text: r.Raw}), true
		}
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

// TextFields lists, in order, the parts of a record of lt that make up the
// record text searched by keyword selections (Field ""): every declared
// field of kind string, ip or json, or an array of those, walking object
// fields depth-first in declaration order, and last the extras
// (Where InExtras, empty JSONPath: the sa_extras text itself). The text is
// the non-null values, array elements one by one, joined with "\n".
func TextFields(lt *schema.LogType) []FieldRef {
	var out []FieldRef
	var walk func(fields []schema.Field, idx []int, cols, path []string)
	walk = func(fields []schema.Field, idx []int, cols, path []string) {
		for i, f := range fields {
			ix := append(append([]int(nil), idx...), i)
			cs := append(append([]string(nil), cols...), f.Column)
			ps := append(append([]string(nil), path...), f.Name)
			k := f.Type.Kind
			if k == schema.KindArray && f.Type.Elem != nil {
				k = f.Type.Elem.Kind
			}
			switch {
			case f.Type.Kind == schema.KindObject:
				walk(f.Type.Fields, ix, cs, ps)
			case k == schema.KindString || k == schema.KindIP || k == schema.KindJSON:
				out = append(out, FieldRef{Path: ps, Where: InDeclared, Fields: ix, Columns: cs, Type: f.Type})
			}
		}
	}
	walk(lt.Fields, nil, nil, nil)
	return append(out, FieldRef{Where: InExtras})
}

// recordText builds the text keyword selections search: the record's
// string, ip and json values in declaration order (objects depth-first,
// arrays element by element), then the extras, joined with "\n". Null
// values are skipped; empty strings are kept (as SQL concat_ws does).
func recordText(rec *schema.Record) string {
	var t textBuilder
	t.fields(rec.LogType.Fields, rec.Values)
	if rec.Extras != "" {
		t.add(rec.Extras)
	}
	return t.b.String()
}

type textBuilder struct {
	b strings.Builder
	n int
}

func (t *textBuilder) add(s string) {
	if t.n > 0 {
		t.b.WriteByte('\n')
	}
	t.b.WriteString(s)
	t.n++
}

func (t *textBuilder) fields(fields []schema.Field, vals []schema.Value) {
	for i := range fields {
		if i >= len(vals) {
			return
		}
		t.value(fields[i].Type, vals[i])
	}
}

func (t *textBuilder) value(typ schema.Type, v schema.Value) {
	switch v.Kind {
	case schema.KindString, schema.KindIP, schema.KindJSON:
		t.add(v.S)
	case schema.KindObject:
		t.fields(typ.Fields, v.L)
	case schema.KindArray:
		var et schema.Type
		if typ.Elem != nil {
			et = *typ.Elem
		}
		for _, e := range v.L {
			t.value(et, e)
		}
	}
}
