package alerts

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// lookup finds the value at a dotted path of a record. A key without a dot
// that is not at the top level is searched for breadth-first in nested
// objects (keys in sorted order), as StreamAlert's merger found its keys
// anywhere in the record.
func lookup(rec map[string]any, path string) (any, bool) {
	if v, ok := lookupPath(rec, path); ok {
		return v, true
	}
	if strings.Contains(path, ".") {
		return nil, false
	}
	queue := []map[string]any{rec}
	for len(queue) > 0 {
		m := queue[0]
		queue = queue[1:]
		if v, ok := m[path]; ok {
			return v, true
		}
		for _, k := range sortedKeys(m) {
			if sub, ok := m[k].(map[string]any); ok {
				queue = append(queue, sub)
			}
		}
	}
	return nil, false
}

func lookupPath(rec map[string]any, path string) (any, bool) {
	var cur any = rec
	for part := range strings.SplitSeq(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// canonical is the JSON text of a value with object keys sorted, so equal
// values give equal text.
func canonical(v any) string {
	switch x := v.(type) {
	case string:
		// Fast path for the common case; same bytes as json.Marshal for
		// strings without characters that need escaping.
		if !needsEscape(x) {
			return `"` + x + `"`
		}
	case nil:
		return "null"
	case bool:
		if x {
			return "true"
		}
		return "false"
	case json.Number:
		return string(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%q", fmt.Sprint(v))
	}
	return string(b)
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= 0x80 {
			return true
		}
	}
	return false
}

// flatten calls fn for every leaf of a record with its dotted path. Arrays
// are leaves: merging compares them whole.
func flatten(prefix string, m map[string]any, fn func(path string, v any)) {
	for k, v := range m {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
			flatten(p, sub, fn)
			continue
		}
		fn(p, v)
	}
}

// unflatten rebuilds nested objects from dotted paths.
func unflatten(flat map[string]any) map[string]any {
	out := map[string]any{}
	for _, p := range sortedKeys(flat) {
		parts := strings.Split(p, ".")
		cur := out
		for _, part := range parts[:len(parts)-1] {
			next, ok := cur[part].(map[string]any)
			if !ok {
				next = map[string]any{}
				cur[part] = next
			}
			cur = next
		}
		cur[parts[len(parts)-1]] = flat[p]
	}
	return out
}

// keyValues reads the merge keys of a record: their values, the canonical
// key text, and whether every key was present.
func keyValues(rec map[string]any, keys []string) (map[string]any, string, bool) {
	if len(keys) == 0 {
		return nil, "", true
	}
	vals := make(map[string]any, len(keys))
	var b strings.Builder
	all := true
	for i, k := range keys {
		if i > 0 {
			b.WriteString(keySep)
		}
		v, ok := lookup(rec, k)
		if !ok {
			all = false
			b.WriteString("-") // no JSON text is "-": missing differs from null
			continue
		}
		vals[k] = v
		b.WriteString(canonical(v))
	}
	return vals, b.String(), all
}

// detached returns a deep copy of a record value (maps, slices, strings)
// that shares no memory with v: what a long-lived structure keeps of a
// record must not hold the memory the record was carved from.
func detached(v any) any {
	switch x := v.(type) {
	case string:
		return strings.Clone(x)
	case map[string]any:
		if x == nil {
			return x
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[strings.Clone(k)] = detached(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = detached(e)
		}
		return out
	case []string:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = strings.Clone(e)
		}
		return out
	}
	return v
}
