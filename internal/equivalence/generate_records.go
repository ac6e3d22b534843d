package equivalence

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// GenerateRecords varies a classified record of a log type the way
// Generate varies JSON payloads, by setting declared fields' values
// directly. It serves log types whose records are not JSON (CSV, regex,
// syslog…), where a JSON payload would not classify. Values that the
// field's type cannot hold are skipped.
func GenerateRecords(r *rules.Rule, template *schema.Record, limit int) []*schema.Record {
	lt := template.LogType
	g := &generator{lt: lt, seen: map[string]bool{}}
	var out []*schema.Record
	seen := map[string]bool{}
	emit := func(rec *schema.Record, what string) {
		if seen[what] {
			return
		}
		seen[what] = true
		rec.Raw = []byte(string(template.Raw) + "\n# " + what)
		rec.ID = schema.RecordID(lt.Name, rec.Raw)
		out = append(out, rec)
	}
	leaves := rules.Leaves(r.Expr)
	seeds := make([][]any, len(leaves))
	positive := copyRecord(template)
	var desc []string
	for i, l := range leaves {
		seeds[i] = g.seeds(l)
		if ref := rules.ResolveField(lt, l.Path); ref.Where == rules.InDeclared && len(seeds[i]) > 0 {
			if setValue(positive, ref, seeds[i][0]) {
				desc = append(desc, fmt.Sprintf("%s=%v", l.Field, seeds[i][0]))
			}
		}
	}
	pdesc := strings.Join(desc, ",")
	emit(positive, pdesc)
	for i, l := range leaves {
		ref := rules.ResolveField(lt, l.Path)
		if ref.Where != rules.InDeclared {
			continue
		}
		for _, s := range seeds[i] {
			for j, v := range mutations(s) {
				rec := copyRecord(positive)
				if v == missing {
					v = nil
				}
				if setValue(rec, ref, v) {
					emit(rec, fmt.Sprintf("%s|%s=%v#%d", pdesc, l.Field, s, j))
				}
			}
		}
	}
	if limit > 0 && len(out) > limit {
		sample := make([]*schema.Record, 0, limit)
		for i := 0; i < limit; i++ {
			sample = append(sample, out[i*len(out)/limit])
		}
		out = sample
	}
	return out
}

// copyRecord copies a record deeply enough to change its values.
func copyRecord(r *schema.Record) *schema.Record {
	c := *r
	c.Values = copyValues(r.Values)
	return &c
}

func copyValues(vs []schema.Value) []schema.Value {
	out := make([]schema.Value, len(vs))
	for i, v := range vs {
		if v.L != nil {
			v.L = copyValues(v.L)
		}
		out[i] = v
	}
	return out
}

// setValue stores v at a declared field, converted to the field's type;
// it reports false when the type cannot hold v.
func setValue(rec *schema.Record, ref rules.FieldRef, v any) bool {
	val, ok := toValue(v, ref.Type)
	if !ok {
		return false
	}
	fields := rec.LogType.Fields
	for len(rec.Values) < len(fields) {
		rec.Values = append(rec.Values, schema.Value{})
	}
	vals := rec.Values
	for i, j := range ref.Fields {
		if i == len(ref.Fields)-1 {
			vals[j] = val
			return true
		}
		f := fields[j]
		if vals[j].Kind != schema.KindObject {
			vals[j] = schema.Value{Kind: schema.KindObject}
		}
		for len(vals[j].L) < len(f.Type.Fields) {
			vals[j].L = append(vals[j].L, schema.Value{})
		}
		fields, vals = f.Type.Fields, vals[j].L
	}
	return false
}

// toValue converts a generated JSON value to a value of type t.
func toValue(v any, t schema.Type) (schema.Value, bool) {
	if v == nil {
		return schema.Value{}, true
	}
	text := ""
	switch x := v.(type) {
	case string:
		text = x
	case json.Number:
		text = string(x)
	case bool:
		text = strconv.FormatBool(x)
	case []any:
		if t.Kind != schema.KindArray {
			return schema.Value{}, false
		}
		elem := schema.Type{Kind: schema.KindString}
		if t.Elem != nil {
			elem = *t.Elem
		}
		var l []schema.Value
		for _, e := range x {
			ev, ok := toValue(e, elem)
			if !ok {
				return schema.Value{}, false
			}
			l = append(l, ev)
		}
		return schema.Value{Kind: schema.KindArray, L: l}, true
	default:
		if t.Kind != schema.KindJSON {
			return schema.Value{}, false
		}
		b, err := json.Marshal(x)
		return schema.JSONText(string(b)), err == nil
	}
	switch t.Kind {
	case schema.KindString:
		return schema.Str(text), true
	case schema.KindIP:
		a, err := netip.ParseAddr(text)
		if err != nil {
			return schema.Value{}, false
		}
		return schema.Value{Kind: schema.KindIP, S: a.String()}, true
	case schema.KindInt, schema.KindBigint:
		i, err := strconv.ParseInt(text, 10, 64)
		if err != nil || t.Kind == schema.KindInt && int64(int32(i)) != i {
			return schema.Value{}, false
		}
		return schema.Value{Kind: t.Kind, I: i}, true
	case schema.KindFloat:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return schema.Value{}, false
		}
		return schema.Float(f), true
	case schema.KindBool:
		b, err := strconv.ParseBool(strings.ToLower(text))
		if err != nil {
			return schema.Value{}, false
		}
		return schema.BoolValue(b), true
	case schema.KindTimestamp:
		tm, err := time.Parse(time.RFC3339Nano, text)
		if err != nil {
			return schema.Value{}, false
		}
		return schema.Time(tm), true
	case schema.KindJSON:
		b, _ := json.Marshal(text)
		return schema.JSONText(string(b)), true
	case schema.KindArray:
		elem := schema.Type{Kind: schema.KindString}
		if t.Elem != nil {
			elem = *t.Elem
		}
		ev, ok := toValue(v, elem)
		if !ok {
			return schema.Value{}, false
		}
		return schema.Value{Kind: schema.KindArray, L: []schema.Value{ev}}, true
	}
	return schema.Value{}, false
}
