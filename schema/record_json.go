package schema

import (
	"encoding/json"
	"time"
)

// Map renders the record's values as plain Go values keyed by the source's
// field names: objects as maps, arrays as slices, json fields decoded,
// timestamps as RFC 3339 strings. Undeclared keys (extras) are merged back
// in at the top level, so the map reads like the original record. Null and
// missing fields are left out.
func (r *Record) Map() map[string]any {
	m := valuesMap(r.LogType.Fields, r.Values)
	if r.Extras != "" {
		var extras map[string]any
		if json.Unmarshal([]byte(r.Extras), &extras) == nil {
			for k, v := range extras {
				if _, taken := m[k]; !taken {
					m[k] = v
				}
			}
		}
	}
	return m
}

func valuesMap(fields []Field, vals []Value) map[string]any {
	m := make(map[string]any, len(fields))
	for i, f := range fields {
		if i >= len(vals) || vals[i].IsNull() {
			continue
		}
		m[f.Name] = plain(f.Type, vals[i])
	}
	return m
}

// plain converts one value to a JSON-able Go value.
func plain(t Type, v Value) any {
	switch v.Kind {
	case KindNull:
		return nil
	case KindString, KindIP:
		return v.S
	case KindJSON:
		var x any
		if json.Unmarshal([]byte(v.S), &x) != nil {
			return v.S
		}
		return x
	case KindInt, KindBigint:
		return v.I
	case KindFloat:
		return v.Float()
	case KindBool:
		return v.I != 0
	case KindTimestamp:
		return v.Time().Format(time.RFC3339Nano)
	case KindArray:
		elem := Type{Kind: KindString}
		if t.Elem != nil {
			elem = *t.Elem
		}
		out := make([]any, len(v.L))
		for i, e := range v.L {
			out[i] = plain(elem, e)
		}
		return out
	case KindObject:
		return valuesMap(t.Fields, v.L)
	}
	return nil
}
