package schema

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/valyala/fastjson"
)

// The reason of a record no candidate accepted names the candidates that
// came closest and why each refused it. Closeness is first how many of a
// candidate's identifying keys the record has (its log_patterns keys with
// a matching value, and its required fields present), then the failure
// rank (a coercion failure is closer than a missing required field, …),
// then the order the candidates were tried in.

// maxClosest is how many candidates a reason names.
const maxClosest = 3

// tried is one candidate's failure on a unit, kept until the unit is
// settled.
type tried struct {
	cd   *candidate
	rank int
	msg  string
	elem *fastjson.Value // the record the candidate saw, when JSON
	keys int             // identifying keys present (set by closestReason)
}

// identKey is one identifying key of a candidate: a log_patterns entry or
// a required field.
type identKey struct {
	path []string
	pat  *pattern // nil: a required field, counted when present
}

// identKeys returns the candidate's identifying keys (computed once).
func (cd *candidate) identKeys() []identKey {
	if cd.ident != nil {
		return cd.ident
	}
	keys := []identKey{}
	for i := range cd.pats {
		keys = append(keys, identKey{path: cd.pats[i].path, pat: &cd.pats[i]})
	}
	var walk func(fields []Field, prefix []string)
	walk = func(fields []Field, prefix []string) {
		for _, f := range fields {
			p := append(append([]string(nil), prefix...), f.Name)
			if f.Required && !slices.ContainsFunc(keys, func(k identKey) bool { return slices.Equal(k.path, p) }) {
				keys = append(keys, identKey{path: p})
			}
			if f.Type.Kind == KindObject && f.Required {
				walk(f.Type.Fields, p)
			}
		}
	}
	walk(cd.lt.Fields, nil)
	cd.ident = keys
	return keys
}

// presentKeys counts the identifying keys of cd that obj has.
func (c *Classifier) presentKeys(cd *candidate, obj *fastjson.Value) int {
	if obj == nil || obj.Type() != fastjson.TypeObject {
		return 0
	}
	n := 0
	for _, k := range cd.identKeys() {
		if k.pat != nil {
			if _, ok := k.pat.check(obj, &c.num); ok {
				n++
			}
			continue
		}
		if v := obj.Get(k.path...); v != nil && v.Type() != fastjson.TypeNull {
			n++
		}
	}
	return n
}

// closestReason describes why no candidate accepted a unit's one record:
// the closest candidates first, each with its refusal and, for JSON
// records, how many of its identifying keys the record has.
func (c *Classifier) closestReason(ts []tried) string {
	if len(ts) == 1 {
		return ts[0].cd.lt.Name + ": " + ts[0].msg
	}
	isJSON := false
	best := 0
	for i := range ts {
		if ts[i].elem != nil && ts[i].elem.Type() == fastjson.TypeObject {
			isJSON = true
			ts[i].keys = c.presentKeys(ts[i].cd, ts[i].elem)
			best = max(best, ts[i].keys)
		}
	}
	slices.SortStableFunc(ts, func(a, b tried) int {
		if d := cmp.Compare(b.keys, a.keys); d != 0 {
			return d
		}
		return cmp.Compare(b.rank, a.rank)
	})
	var b strings.Builder
	if isJSON && best == 0 {
		fmt.Fprintf(&b, "none of the %d log types tried finds its identifying keys in it; nearest: ", len(ts))
	}
	n := 0
	for i := range ts {
		t := &ts[i]
		if n == maxClosest || (n > 0 && (t.rank <= rankNotJSON || best > 0 && t.keys == 0)) {
			break
		}
		if n == 1 {
			b.WriteString("; also close: ")
		} else if n > 1 {
			b.WriteString("; ")
		}
		b.WriteString(t.cd.lt.Name + ": " + t.msg)
		if isJSON && best > 0 {
			fmt.Fprintf(&b, " (%d of %d identifying keys)", t.keys, len(t.cd.identKeys()))
		}
		n++
	}
	return b.String()
}
