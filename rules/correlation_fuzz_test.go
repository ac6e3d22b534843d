package rules

import (
	"strings"
	"testing"
)

// FuzzLoadCorrelation: any correlation document loads or is refused with
// errors that name the file; never a panic.
func FuzzLoadCorrelation(f *testing.F) {
	base := "name: a\nlogs: [test:events]\ndetection: {sel: {name: a}, condition: sel}\n---\n"
	for _, s := range []string{
		"name: c\ncorrelation: {type: event_count, rules: [a], group-by: [ip], timespan: 5m, condition: {gte: 2}}\n",
		"name: c\ncorrelation: {type: value_count, rules: [a], group-by: [user.name], timespan: 1h, condition: {field: ip, gt: 1, lte: 9}}\n",
		"title: t\ncorrelation: {type: temporal_ordered, rules: [a, a], group-by: [x], timespan: 1d, aliases: {x: {a: ip}}}\n",
		"correlation: {type: temporal, rules: a, timespan: 0, condition: a and a}\n",
		"correlation: [1, 2]\n",
	} {
		f.Add(s)
	}
	reg := testTypes(f)
	f.Fuzz(func(t *testing.T, doc string) {
		l := &Loader{LogTypes: reg}
		rs, errs := l.LoadBytes("f.yaml", []byte(base+doc), false)
		set, more := NewSet(rs...)
		for _, e := range append(errs, more...) {
			if !strings.HasPrefix(e.Error(), "f.yaml") {
				t.Errorf("error without the file: %v", e)
			}
		}
		for _, r := range set.Correlations() {
			c := r.Correlation
			if len(c.Bases) != len(c.Refs) || c.Timespan <= 0 || c.Condition.IsZero() {
				t.Errorf("loaded a bad correlation: %+v", c)
			}
			_ = c.String()
		}
	})
}
