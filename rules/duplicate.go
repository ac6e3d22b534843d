package rules

import (
	"slices"
	"strings"
)

// Duplicate is a rule that selects exactly what an earlier one selects.
type Duplicate struct {
	Rule, Of *Rule
}

// Duplicates finds rules with the same log types and the same detection
// as another rule of the set: both raise an alert for every record one of
// them matches. Detections are compared in a canonical form (the children
// of and/or in sorted order), so the order selections are written in does
// not hide a copy. Each duplicate names the first rule (by file and line)
// it repeats.
func Duplicates(set *Set) []Duplicate {
	first := map[string]*Rule{}
	var out []Duplicate
	rs := slices.Clone(set.Rules())
	slices.SortStableFunc(rs, func(a, b *Rule) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		return a.Line - b.Line
	})
	for _, r := range rs {
		if r.Expr == nil {
			continue
		}
		key := strings.Join(r.LogTypeNames(), ",") + "\x00" + canonicalExpr(r.Expr)
		if f, ok := first[key]; ok {
			out = append(out, Duplicate{Rule: r, Of: f})
			continue
		}
		first[key] = r
	}
	return out
}

// canonicalExpr writes x with the children of every and/or sorted, so
// that two detections that differ only in order write the same text.
func canonicalExpr(x Expr) string {
	switch e := x.(type) {
	case And:
		return "and(" + canonicalChildren(e) + ")"
	case Or:
		return "or(" + canonicalChildren(e) + ")"
	case Not:
		return "not(" + canonicalExpr(e.X) + ")"
	}
	return x.String()
}

func canonicalChildren(xs []Expr) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = canonicalExpr(x)
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}
