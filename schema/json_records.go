package schema

import (
	"strings"

	"github.com/valyala/fastjson"
)

// A text log type with parser.json_records also reads a unit that is one
// JSON object, as log writers that offer a JSON output besides their text
// format write it (Zeek's LogAscii::use_json, its default in many
// deployments). The object's keys name the fields with '.' written '_'
// (id.orig_h is the field id_orig_h), and values are turned into what the
// text format writes for a string field: booleans T or F, arrays of
// scalars joined with ','. Other values are coerced as usual.

// jsonRecord returns obj rewritten for cd's fields, built in c.arena.
func (c *Classifier) jsonRecord(cd *candidate, obj *fastjson.Value) *fastjson.Value {
	o, err := obj.Object()
	if err != nil {
		return obj
	}
	c.arena.Reset()
	out := c.arena.NewObject()
	o.Visit(func(k []byte, v *fastjson.Value) {
		name := bytesString(k)
		if strings.IndexByte(name, '.') >= 0 {
			name = strings.ReplaceAll(name, ".", "_")
		}
		if j := FieldIndex(cd.lt.Fields, name); j >= 0 && cd.lt.Fields[j].Type.Kind == KindString {
			v = c.textValue(v)
		}
		out.Set(name, v)
	})
	return out
}

// textValue renders a boolean or an array of scalars as the text format
// writes it; other values are returned as they are.
func (c *Classifier) textValue(v *fastjson.Value) *fastjson.Value {
	switch v.Type() {
	case fastjson.TypeTrue:
		return c.arena.NewString("T")
	case fastjson.TypeFalse:
		return c.arena.NewString("F")
	case fastjson.TypeArray:
		items, _ := v.Array()
		var b strings.Builder
		for i, e := range items {
			if i > 0 {
				b.WriteByte(',')
			}
			switch e.Type() {
			case fastjson.TypeString:
				s, _ := e.StringBytes()
				b.Write(s)
			case fastjson.TypeTrue:
				b.WriteByte('T')
			case fastjson.TypeFalse:
				b.WriteByte('F')
			case fastjson.TypeNumber:
				b.Write(e.MarshalTo(nil))
			default:
				return v // not an array of scalars: coerced as it is
			}
		}
		return c.arena.NewString(b.String())
	}
	return v
}
