package schema

import (
	"net/netip"
	"strings"

	"github.com/valyala/fastjson"
)

// Normalization fills Record.Normalized from the log type's normalize
// rules. A rule's path runs through declared fields; an array on the way
// yields each element, and a path that goes on inside a json field (or an
// array of json) is followed in the record's JSON. Scalars give their
// text; objects give nothing. Empty values are skipped, values are
// de-duplicated per type, and a rule with a condition only applies when the
// value at the condition's path, compared case-insensitively, satisfies it
// (a missing value satisfies only is_not, not_in and not_contains).
//
// Some types check their values: ip_address takes only IPv4 or IPv6
// addresses (dotted quads with leading zeros included), so that fields like
// CloudTrail's sourceIPAddress, which also holds service names, feed it
// only real addresses.

// normRule is a compiled NormalizeRule.
type normRule struct {
	typ  string
	path normPath
	when *normCond
}

// normPath is a compiled field path.
type normPath struct {
	steps []normStep // declared fields
	rest  []string   // inside the json field the steps end at
}

type normStep struct {
	idx  int
	name string
}

type normCond struct {
	path   normPath
	op     string
	values []string
}

// compileNormalize compiles the rules of lt; a rule whose path does not
// resolve is left out (the loader reports such rules).
func compileNormalize(lt *LogType) []normRule {
	var out []normRule
	for _, r := range lt.Normalize {
		p, ok := compileNormPath(lt.Fields, r.Path)
		if !ok {
			continue
		}
		nr := normRule{typ: r.Type, path: p}
		if r.When != nil {
			cp, ok := compileNormPath(lt.Fields, r.When.Path)
			if !ok {
				continue
			}
			nr.when = &normCond{path: cp, op: r.When.Op, values: r.When.Values}
		}
		out = append(out, nr)
	}
	return out
}

func compileNormPath(fields []Field, path []string) (normPath, bool) {
	var p normPath
	for i, name := range path {
		j := FieldIndex(fields, name)
		if j < 0 {
			return p, false
		}
		f := fields[j]
		p.steps = append(p.steps, normStep{idx: j, name: f.Name})
		if i == len(path)-1 {
			return p, true
		}
		switch {
		case f.Type.Kind == KindObject:
			fields = f.Type.Fields
		case isJSONish(f.Type):
			p.rest = path[i+1:]
			return p, true
		default:
			return p, false
		}
	}
	return p, len(p.steps) > 0
}

// isJSONish reports whether a path may go on inside values of t.
func isJSONish(t Type) bool {
	for t.Kind == KindArray && t.Elem != nil {
		t = *t.Elem
	}
	return t.Kind == KindJSON
}

// normValue is one normalized value found in a record.
type normValue struct {
	rule int // index of the rule (rules are grouped by type)
	s    string
}

// normalizer collects the normalized values of one record.
type normalizer struct {
	out []normValue
}

// run evaluates rules over a record's values (vals, aligned with fields)
// and its source object obj.
func (n *normalizer) run(rules []normRule, fields []Field, vals []Value, obj *fastjson.Value) {
	n.out = n.out[:0]
	groupStart := 0
	for ri := range rules {
		r := &rules[ri]
		if ri > 0 && rules[ri-1].typ != r.typ {
			groupStart = len(n.out)
		}
		if r.when != nil && !r.when.holds(fields, vals, obj) {
			continue
		}
		r.path.each(fields, vals, obj, func(s string) bool {
			if s == "" || !validNormalized(r.typ, s) {
				return true
			}
			for _, prev := range n.out[groupStart:] {
				if prev.s == s {
					return true
				}
			}
			n.out = append(n.out, normValue{rule: ri, s: s})
			return true
		})
	}
}

// each calls fn with the text of every scalar at p, until fn returns false.
func (p *normPath) each(fields []Field, vals []Value, obj *fastjson.Value, fn func(string) bool) {
	var v Value
	for i, st := range p.steps {
		if st.idx >= len(vals) {
			return
		}
		v = vals[st.idx]
		if i < len(p.steps)-1 {
			if v.Kind != KindObject {
				return
			}
			fields, vals = fields[st.idx].Type.Fields, v.L
		}
	}
	if v.IsNull() {
		return
	}
	if len(p.rest) == 0 && v.Kind != KindJSON && !(v.Kind == KindArray && hasJSONElems(v)) {
		eachScalar(v, fn)
		return
	}
	// Follow the path inside the JSON of the record itself.
	jv := obj
	for _, st := range p.steps {
		if jv = getKey(jv, st.name); jv == nil {
			return
		}
	}
	eachJSON(jv, p.rest, fn)
}

func hasJSONElems(v Value) bool {
	for _, e := range v.L {
		if e.Kind == KindJSON {
			return true
		}
	}
	return false
}

func eachScalar(v Value, fn func(string) bool) bool {
	switch v.Kind {
	case KindNull, KindObject, KindJSON:
		return true
	case KindArray:
		for _, e := range v.L {
			if !eachScalar(e, fn) {
				return false
			}
		}
		return true
	}
	return fn(v.Text())
}

// eachJSON calls fn for the scalars at path inside v; arrays on the way
// yield each element.
func eachJSON(v *fastjson.Value, path []string, fn func(string) bool) bool {
	switch v.Type() {
	case fastjson.TypeArray:
		arr, _ := v.Array()
		for _, e := range arr {
			if !eachJSON(e, path, fn) {
				return false
			}
		}
		return true
	case fastjson.TypeObject:
		if len(path) == 0 {
			return true
		}
		if x := getKey(v, path[0]); x != nil {
			return eachJSON(x, path[1:], fn)
		}
		return true
	case fastjson.TypeString:
		if len(path) > 0 {
			return true
		}
		b, _ := v.StringBytes()
		return fn(bytesString(b))
	case fastjson.TypeNumber, fastjson.TypeTrue, fastjson.TypeFalse:
		if len(path) > 0 {
			return true
		}
		return fn(v.String())
	}
	return true
}

// getKey returns the value of key in object v: the exact key, else one
// that matches case-insensitively, as coercion matches fields.
func getKey(v *fastjson.Value, key string) *fastjson.Value {
	if v == nil || v.Type() != fastjson.TypeObject {
		return nil
	}
	if x := v.Get(key); x != nil {
		return x
	}
	var found *fastjson.Value
	o, _ := v.Object()
	o.Visit(func(k []byte, x *fastjson.Value) {
		if found == nil && strings.EqualFold(bytesString(k), key) {
			found = x
		}
	})
	return found
}

// holds evaluates the condition on a record.
func (c *normCond) holds(fields []Field, vals []Value, obj *fastjson.Value) bool {
	var val string
	found := false
	c.path.each(fields, vals, obj, func(s string) bool {
		val, found = s, true
		return false
	})
	switch c.op {
	case "is":
		return found && strings.EqualFold(val, c.values[0])
	case "is_not":
		return !found || !strings.EqualFold(val, c.values[0])
	case "in", "not_in":
		in := false
		if found {
			for _, w := range c.values {
				if strings.EqualFold(val, w) {
					in = true
					break
				}
			}
		}
		return in == (c.op == "in")
	case "contains":
		return found && strings.Contains(strings.ToLower(val), c.values[0])
	case "not_contains":
		return !found || !strings.Contains(strings.ToLower(val), c.values[0])
	}
	return false
}

// validNormalized checks a value of the normalized types that have a
// syntax worth enforcing.
func validNormalized(typ, s string) bool {
	if typ == "ip_address" {
		return looksLikeIP(s)
	}
	return true
}

// looksLikeIP accepts IPv4 and IPv6 addresses, and dotted quads whose
// parts have leading zeros (which netip refuses but logs contain).
func looksLikeIP(s string) bool {
	if strings.IndexByte(s, ':') >= 0 {
		_, err := netip.ParseAddr(s)
		return err == nil
	}
	parts := 0
	for len(s) > 0 {
		i := strings.IndexByte(s, '.')
		part := s
		if i >= 0 {
			part, s = s[:i], s[i+1:]
			if s == "" {
				return false
			}
		} else {
			s = ""
		}
		n, ok := atoiN(part)
		if !ok || part == "" || len(part) > 3 || n > 255 {
			return false
		}
		parts++
	}
	return parts == 4
}
