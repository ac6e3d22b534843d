package rules

import (
	"os"
	"strings"
	"testing"
	"time"
)

func correlationLoader(t testing.TB) *Loader {
	return &Loader{LogTypes: testTypes(t), LogSources: []LogSourceMapping{{Product: "test", LogTypes: []string{"test:events"}}}}
}

// loadSet loads one file's documents as a set.
func loadSet(t testing.TB, file string, sigma bool, doc string) (*Set, []error) {
	t.Helper()
	rs, errs := correlationLoader(t).LoadBytes(file, []byte(doc), sigma)
	set, more := NewSet(rs...)
	return set, append(errs, more...)
}

func TestLoadCorrelation_SpecificationExample(t *testing.T) {
	data, err := os.ReadFile("testdata/correlation/mr_failed_then_success.yml")
	if err != nil {
		t.Fatal(err)
	}
	set, errs := loadSet(t, "sigma/mr_failed_then_success.yml", true, string(data))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	// The base rules only feed correlations: no rule of their own.
	var names []string
	for _, r := range set.Correlations() {
		names = append(names, r.Name)
	}
	if set.Len() != 0 || strings.Join(names, ",") != "mr_failed_then_success,mr_failed_then_success_2" {
		t.Fatalf("rules %d, correlations %v", set.Len(), names)
	}
	c := set.Get("mr_failed_then_success_2").Correlation
	if c.Type != EventCount || c.Timespan != 10*time.Minute || *c.Condition.Gte != 10 || len(c.Bases) != 1 ||
		c.Bases[0].SigmaName != "failed_login" || strings.Join(c.GroupBy, ",") != "user.name" {
		t.Errorf("event_count = %+v", c)
	}
	r := set.Get("mr_failed_then_success")
	if r.Severity != "high" || r.Format != Sigma || r.ID != "b180ead8-d58f-40b2-ae54-c8940995b9b6" ||
		strings.Join(r.LogTypeNames(), ",") != "test:events" {
		t.Errorf("temporal_ordered rule = %+v", r)
	}
	if c := r.Correlation; c.Type != TemporalOrdered || *c.Condition.Gte != 2 || c.Bases[1].SigmaName != "successful_login" {
		t.Errorf("temporal_ordered = %+v", c)
	}
}

func TestLoadCorrelation_Generate(t *testing.T) {
	doc := `name: fail
logs: [test:events]
detection: {sel: {name: fail}, condition: sel}
---
name: other_rule
logs: [test:events]
detection: {sel: {name: x}, condition: sel}
---
name: many_fails
correlation: {type: event_count, rules: [fail], group-by: [user.name], timespan: 1h, condition: {gt: 3}}
generate: %s
`
	for _, gen := range []string{"true", "false"} {
		set, errs := loadSet(t, "rules/a.yaml", false, strings.Replace(doc, "%s", gen, 1))
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		if got := set.Get("fail") != nil; got != (gen == "true") {
			t.Errorf("generate: %s: base rule in the set = %v", gen, got)
		}
		if set.Get("other_rule") == nil || set.Get("many_fails") == nil || len(set.Correlations()) != 1 {
			t.Errorf("generate: %s: set = %v %v", gen, set.Rules(), set.Correlations())
		}
	}
}

func TestLoadCorrelation_AllTypes(t *testing.T) {
	base := `name: a
logs: [test:events]
detection: {sel: {name: a}, condition: sel}
---
name: b
logs: [test:events]
detection: {sel: {name: b}, condition: sel}
---
`
	for _, tc := range []struct {
		corr string
		want func(c *Correlation) bool
	}{
		{`{type: value_count, rules: [a], group-by: [ip], timespan: 5m, condition: {field: user.name, gte: 3}}`,
			func(c *Correlation) bool {
				return c.Type == ValueCount && c.Field == "user.name" && *c.Condition.Gte == 3
			}},
		{`{type: value_sum, rules: [a, b], group-by: [ip], timespan: 1d, condition: {field: count, gt: 100, lte: 200}}`,
			func(c *Correlation) bool {
				return c.Type == ValueSum && *c.Condition.Gt == 100 && *c.Condition.Lte == 200
			}},
		{`{type: value_avg, rules: [a], group-by: [ip], timespan: 90s, condition: {field: count, eq: 2.5}}`,
			func(c *Correlation) bool {
				return c.Type == ValueAvg && *c.Condition.Eq == 2.5 && c.Timespan == 90*time.Second
			}},
		{`{type: temporal, rules: [a, b], group-by: [user.name], timespan: 1h}`,
			func(c *Correlation) bool { return c.Type == Temporal && *c.Condition.Gte == 2 }},
		{`{type: temporal, rules: [a, b], group-by: [user.name], timespan: 1h, condition: {gte: 1}}`,
			func(c *Correlation) bool { return *c.Condition.Gte == 1 }},
		{`{type: temporal_ordered, rules: [a, b], group-by: [user.name], timespan: 1h, condition: a and b}`,
			func(c *Correlation) bool { return c.Type == TemporalOrdered && *c.Condition.Gte == 2 }},
		{`{type: temporal, rules: [a, b], group-by: [who], timespan: 1h, aliases: {who: {a: user.name, b: other}}}`,
			func(c *Correlation) bool {
				return c.GroupField(0, "who") == "user.name" && c.GroupField(1, "who") == "other"
			}},
	} {
		set, errs := loadSet(t, "rules/c.yaml", false, base+"name: c\ncorrelation: "+tc.corr+"\n")
		if len(errs) > 0 {
			t.Errorf("%s: %v", tc.corr, errs)
			continue
		}
		if r := set.Get("c"); r == nil || !tc.want(r.Correlation) {
			t.Errorf("%s: got %+v", tc.corr, r)
		}
	}
}

func TestLoadCorrelation_Errors(t *testing.T) {
	base := `name: a
logs: [test:events]
detection: {sel: {name: a}, condition: sel}
---
`
	for _, tc := range []struct{ doc, want string }{
		{"name: c\ncorrelation: {type: event_count, rules: [a], group-by: [ip], timespan: 5m}\n",
			"test.yaml:10: rule c: correlation: a event_count correlation needs a condition"},
		{"name: c\ncorrelation: {type: counting, rules: [a], group-by: [ip], timespan: 5m}\n",
			`test.yaml:10: rule c: correlation: type: "counting" is not a correlation type`},
		{"name: c\ncorrelation:\n  type: event_count\n  rules: [nope]\n  group-by: [ip]\n  timespan: 5m\n  condition: {gte: 2}\n",
			"test.yaml:12: rule c: correlation: rules: no rule is named nope"},
		{"name: c\ncorrelation:\n  type: event_count\n  rules: [a]\n  group-by: [ip]\n  timespan: 5 minutes\n  condition: {gte: 2}\n",
			`test.yaml:14: rule c: correlation: timespan: "5 minutes" is not a duration`},
		{"name: c\ncorrelation:\n  type: event_count\n  rules: [a]\n  group-by: [ip]\n  timespan: 1500ms\n  condition: {gte: 2}\n",
			"test.yaml:14: rule c: correlation: timespan: 1500ms: must be whole seconds"},
		{"name: c\ncorrelation:\n  type: event_count\n  rules: [a]\n  group-by: [ip]\n  timespan: 1m\n  condition: {gte: ten}\n",
			`test.yaml:15: rule c: correlation: condition: gte: "ten" is not a number`},
		{"name: c\ncorrelation:\n  type: value_count\n  rules: [a]\n  group-by: [ip]\n  timespan: 1m\n  condition: {gte: 2}\n",
			"test.yaml:15: rule c: correlation: condition: a value_count correlation needs field"},
		{"name: c\ncorrelation:\n  type: event_count\n  rules: [a]\n  group-by: [name.deeper]\n  timespan: 1m\n  condition: {gte: 2}\n",
			"test.yaml:13: rule c: correlation: group-by: base rule a, log type test:events: field name.deeper leads below a field that is not an object"},
		{"name: c\ncorrelation:\n  type: event_count\n  rules: [a]\n  group-by: [ratio]\n  timespan: 1m\n  condition: {gte: 2}\n",
			"test.yaml:13: rule c: correlation: group-by: base rule a, log type test:events: field ratio is a float field"},
		{"name: c\ncorrelation:\n  type: temporal\n  rules: [a]\n  group-by: [ip]\n  timespan: 1m\n",
			"rule c: correlation: a temporal correlation needs at least two rules"},
		{"name: c\ncorrelation:\n  type: temporal\n  rules: [a, a2]\n  group-by: [ip]\n  timespan: 1m\n  condition: a or a2\n",
			"only a condition that joins every rule with and is supported"},
		{"name: c\ncorrelation:\n  type: event_count\n  rules: [a]\n  group-by: [ip]\n  timespan: 1m\n  condition: {gte: 2}\n  window: 3\n",
			"test.yaml:16: rule c: correlation: window: unknown key"},
		{"name: c\ncolor: red\ncorrelation: {type: event_count, rules: [a], group-by: [ip], timespan: 1m, condition: {gte: 2}}\n",
			`test.yaml:10: rule c: unknown key "color" in a correlation rule`},
		{"name: c\ncorrelation: {type: event_count, rules: [a], group-by: [ip], timespan: 1m, condition: {gte: 2}}\n---\nname: d\ncorrelation: {type: temporal, rules: [a, c], group-by: [ip], timespan: 1m}\n",
			"rule d: correlation: rules: c is a correlation rule; correlations of correlations are not supported yet"},
		{"name: c\ncorrelation: {type: temporal, rules: [a, a2], group-by: [w], timespan: 1m, aliases: {w: {zz: ip}}}\n",
			"test.yaml:10: rule c: correlation: aliases: w names rule zz, which is not in rules"},
	} {
		doc := base + "name: a2\nlogs: [test:events]\ndetection: {sel: {name: a}, condition: sel}\n---\n" + tc.doc
		_, errs := loadSet(t, "test.yaml", false, doc)
		var all []string
		for _, e := range errs {
			all = append(all, e.Error())
		}
		if !strings.Contains(strings.Join(all, "\n"), tc.want) {
			t.Errorf("%q:\n got %v\nwant %s", tc.doc, all, tc.want)
		}
	}
}

func TestLoadCorrelation_AcrossFiles(t *testing.T) {
	l := correlationLoader(t)
	a, errs := l.LoadBytes("rules/base.yaml", []byte("name: fail\nid: 11111111-2222-3333-4444-555555555555\nlogs: [test:events]\ndetection: {sel: {name: fail}, condition: sel}\n"), false)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	b, errs := l.LoadBytes("rules/corr.yaml", []byte("title: by id\ncorrelation: {type: event_count, rules: [11111111-2222-3333-4444-555555555555], group-by: [ip], timespan: 1m, condition: {gte: 2}}\n"), false)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	set, errs := NewSet(append(a, b...)...)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	r := set.Get("corr")
	if r == nil || r.Correlation.Bases[0].Name != "fail" || set.Get("fail") != nil {
		t.Fatalf("set: %v / %v", set.Rules(), set.Correlations())
	}
	// Merging a linked set keeps it linked; Filter keeps correlations.
	m, errs := Merge(set)
	if len(errs) > 0 || m.Get("corr") == nil || len(m.Filter(func(*Rule) bool { return true }).Correlations()) != 1 {
		t.Fatalf("merge: %v %v", m.Correlations(), errs)
	}
}
