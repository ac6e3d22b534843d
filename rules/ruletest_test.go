package rules

import (
	"strings"
	"testing"

	"github.com/streamalert/streamalert/schema"
)

func packTester(t *testing.T) *Tester {
	t.Helper()
	reg := schema.Builtin()
	set, errs := Pack(reg)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return &Tester{Set: set, Registry: reg, SourceTypes: func(s string) ([]*schema.LogType, bool) {
		if s == "cloudtrail-bucket" {
			types, err := reg.Select([]string{"cloudtrail"})
			return types, err == nil
		}
		return nil, false
	}}
}

func TestPackInlineTestsPass(t *testing.T) {
	tr := packTester(t)
	res := tr.Run(nil)
	if len(res) == 0 {
		t.Fatal("no results")
	}
	for _, r := range res {
		if !r.Pass {
			t.Errorf("%s: %s (%s:%d): %s", r.Rule, r.Name, r.File, r.Line, r.Diff)
		}
	}
}

func TestInlineTestFailureDiff(t *testing.T) {
	reg := schema.Builtin()
	l := &Loader{LogTypes: reg}
	rs, errs := l.LoadBytes("x.yaml", []byte(`name: wrong_tests
logs: [cloudtrail:events]
enabled: false
detection:
  sel:
    eventName: StopLogging
  condition: sel
tests:
  - name: claims no match
    record: {"eventVersion": "1.1", "eventTime": "2024-01-01T00:00:00Z", "eventSource": "x", "eventName": "StopLogging", "awsRegion": "r"}
    expect: false
  - name: claims a match
    record: {"eventVersion": "1.1", "eventTime": "2024-01-01T00:00:00Z", "eventSource": "x", "eventName": "Other", "awsRegion": "r"}
    expect: true
  - name: not cloudtrail
    record: 'hello'
    expect: false
`), false)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	set, _ := NewSet(rs...)
	res := (&Tester{Set: set, Registry: reg}).Run(nil)
	want := []string{
		`expected no match, but it matched on eventName="StopLogging"`,
		"expected a match, got none",
		"the record did not classify as cloudtrail:events",
	}
	if len(res) != len(want) {
		t.Fatalf("got %d results: %+v", len(res), res)
	}
	for i, w := range want {
		if res[i].Pass || !strings.Contains(res[i].Diff, w) || res[i].Rule != "wrong_tests" || res[i].Line == 0 {
			t.Errorf("result %d = %+v, want failure %q", i, res[i], w)
		}
	}
}

func TestTestEvents(t *testing.T) {
	events, errs := LoadTestEventsDir("testdata/events")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(events) != 7 {
		t.Fatalf("loaded %d events, want 7", len(events))
	}
	tr := packTester(t)
	byName := map[string]TestResult{}
	for _, r := range tr.Run(events) {
		if r.Rule == "" {
			byName[r.Name] = r
		}
	}
	cases := []struct {
		name string
		pass bool
		diff string
	}{
		{"StopLogging fires the pack rule", true, ""},
		{"root StopLogging fires two rules, via a source", true, ""},
		{"benign call fires nothing", true, ""},
		{"classify only", true, ""},
		{"wrong expectation: root usage is missing, logging stop is unexpected", false,
			"expected to fire but did not: cloudtrail_root_account_usage; fired but not expected: cloudtrail_logging_stopped"},
		{"not a CloudTrail record", false, "the record did not classify as cloudtrail:events"},
		{"unknown source", false, `unknown source "nowhere"`},
	}
	for _, c := range cases {
		r, ok := byName[c.name]
		if !ok {
			t.Errorf("no result for %q", c.name)
			continue
		}
		if r.Pass != c.pass || !strings.Contains(r.Diff, c.diff) {
			t.Errorf("%s: pass=%v diff=%q, want pass=%v diff containing %q", c.name, r.Pass, r.Diff, c.pass, c.diff)
		}
	}

	// --rule limits the run to one rule's tests and the events naming it.
	tr.Rule = "cloudtrail_root_account_usage"
	for _, r := range tr.Run(events) {
		if r.Rule != "" && r.Rule != tr.Rule {
			t.Errorf("ran a test of %s", r.Rule)
		}
		if r.Rule == "" && r.Name == "wrong expectation: root usage is missing, logging stop is unexpected" && r.Diff != "expected to fire but did not: cloudtrail_root_account_usage" {
			t.Errorf("with --rule, diff = %q", r.Diff)
		}
	}
}

func TestParseTestEventsErrors(t *testing.T) {
	_, errs := ParseTestEvents("e.yaml", []byte("- description: x\n  record: {}\n- log_type: a:b\n  bogus: 1\n  record: {}\n"))
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	got := strings.Join(msgs, "\n")
	for _, w := range []string{"e.yaml:1: test event needs a log_type or a source", `e.yaml:4: bogus: unknown key`} {
		if !strings.Contains(got, w) {
			t.Errorf("errors %q lack %q", got, w)
		}
	}
}
