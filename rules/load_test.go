package rules

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/streamalert/streamalert/schema"
)

func TestLoadNativeRule(t *testing.T) {
	reg := testTypes(t)
	r, errs := loadRule(t, reg, `name: full_rule
title: Full
description: every key
severity: HIGH
logs: [test]
detection:
  sel:
    name: a
  condition: sel
outputs: [slack:security, pagerduty:oncall]
merge_by_keys: [user.name]
merge_window: 1h30m
dedup_period: 2w
threshold: 3
staged: true
staged_until: 2030-01-02
context: {team: sec, n: 2}
tags: [attack.t1078]
references: [https://example.com]
runbook: do things
enabled: false
tests:
  - name: one
    log_type: test:events
    record: {"name": "a", "count": 5, "user": {"name": "x"}, "flag": true, "nothing": null}
    expect: match
  - record: '{"name": "b"}'
    log_type: test:events
    expect: no match
`)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if r.Name != "full_rule" || r.Format != Native || r.Severity != "high" || r.Enabled || !r.Staged || r.Threshold != 3 {
		t.Errorf("rule = %+v", r)
	}
	if got := r.LogTypeNames(); strings.Join(got, ",") != "test:events,test:other" {
		t.Errorf("logs: prefix test resolved to %v", got)
	}
	if r.MergeWindow != 90*time.Minute || r.DedupPeriod != 14*24*time.Hour || !r.StagedUntil.Equal(time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("durations/time: %v %v %v", r.MergeWindow, r.DedupPeriod, r.StagedUntil)
	}
	if r.Context["team"] != "sec" || len(r.Outputs) != 2 || r.MergeByKeys[0] != "user.name" {
		t.Errorf("context/outputs/merge: %v %v %v", r.Context, r.Outputs, r.MergeByKeys)
	}
	if len(r.Tests) != 2 {
		t.Fatalf("tests: %+v", r.Tests)
	}
	if got := string(r.Tests[0].Record); got != `{"name":"a","count":5,"user":{"name":"x"},"flag":true,"nothing":null}` {
		t.Errorf("test record as JSON = %s", got)
	}
	if !r.Tests[0].Expect || r.Tests[1].Expect || r.Tests[1].Name != "test 2" || string(r.Tests[1].Record) != `{"name": "b"}` {
		t.Errorf("tests = %+v", r.Tests)
	}
}

// TestLoadErrors checks that each problem is reported with its line and a
// plain sentence, and that no partial rule is returned.
func TestLoadErrors(t *testing.T) {
	reg := testTypes(t)
	head := "name: t\nlogs: [test:events]\ndetection:\n"
	cases := []struct {
		name, doc string
		line      int
		want      string
	}{
		{"unknown modifier", head + "  sel:\n    name|foo: a\n  condition: sel\n", 5, `name|foo: unknown modifier "foo"`},
		{"expand", head + "  sel:\n    name|expand: '%x%'\n  condition: sel\n", 5, "expand modifier needs placeholder values"},
		{"time part", head + "  sel:\n    when|hour: 3\n  condition: sel\n", 5, "time-part modifiers"},
		{"re not first", head + "  sel:\n    name|contains|re: a\n  condition: sel\n", 5, "re must be the first modifier"},
		{"re with contains", head + "  sel:\n    name|re|contains: a\n  condition: sel\n", 5, "contains cannot be combined with re"},
		{"flag without re", head + "  sel:\n    name|i: a\n  condition: sel\n", 5, `regex flag "i" needs the re modifier`},
		{"bad regex", head + "  sel:\n    name|re: 'a(b'\n  condition: sel\n", 5, `"a(b" is not a valid RE2 regular expression`},
		{"lookahead", head + "  sel:\n    name|re: 'a(?=b)'\n  condition: sel\n", 5, "not a valid RE2"},
		{"bad cidr", head + "  sel:\n    ip|cidr: 10.0.0.0/33\n  condition: sel\n", 5, `"10.0.0.0/33" is not an IPv4 or IPv6 network`},
		{"exists not bool", head + "  sel:\n    name|exists: yes\n  condition: sel\n", 5, "exists takes true or false"},
		{"gt not number", head + "  sel:\n    count|gt: many\n  condition: sel\n", 5, `gt needs a number, not "many"`},
		{"gt on a timestamp", head + "  sel:\n    when|gt: 1600000000000\n  condition: sel\n", 5, "when|gt: when is a timestamp in test:events"},
		{"keyword cidr", head + "  sel:\n    '|cidr': 10.0.0.0/8\n  condition: sel\n", 5, "keyword selection: cidr needs a field"},
		{"null with modifier", head + "  sel:\n    name|contains: null\n  condition: sel\n", 5, "null takes no modifiers"},
		{"base64 of wildcard", head + "  sel:\n    name|base64: 'a*'\n  condition: sel\n", 5, "cannot be base64 encoded"},
		{"encoding after contains", head + "  sel:\n    name|contains|base64: a\n  condition: sel\n", 5, "must come before contains"},
		{"map value", head + "  sel:\n    name:\n      x: y\n  condition: sel\n", 6, "must be a single value or a list of values, not a map"},
		{"no condition", head + "  sel:\n    name: a\n", 4, "no condition"},
		{"unknown selection", head + "  sel:\n    name: a\n  condition: sel and other\n", 6, `condition names "other", which is not a selection`},
		{"pattern matches nothing", head + "  sel:\n    name: a\n  condition: 1 of filter_*\n", 6, `"filter_*" matches no selection`},
		{"aggregation", head + "  sel:\n    name: a\n  condition: sel | count() > 5\n", 6, "aggregations after '|'"},
		{"unbalanced", head + "  sel:\n    name: a\n  condition: (sel\n", 6, "unclosed '('"},
		{"dangling and", head + "  sel:\n    name: a\n  condition: sel and\n", 6, "condition ends early"},
		{"2 of", head + "  sel:\n    name: a\n  condition: 2 of sel\n", 6, `"2" of is not supported`},
		{"upper-case operator", head + "  a:\n    name: a\n  b:\n    name: b\n  condition: a AND b\n", 8, `unexpected "AND" (operators are lower case`},
		{"timeframe", head + "  sel:\n    name: a\n  timeframe: 5m\n  condition: sel\n", 6, "timeframe"},
		{"empty selection", head + "  sel:\n  condition: sel\n", 4, "selection sel is empty"},
		{"bad name", "name: Bad-Name\nlogs: [test:events]\ndetection:\n  sel:\n    name: a\n  condition: sel\n", 1, "must be snake_case"},
		{"unknown log type", "name: t\nlogs: [nope:events]\ndetection:\n  sel:\n    name: a\n  condition: sel\n", 2, `"nope:events" is not a known log type`},
		{"no log types", "name: t\ndetection:\n  sel:\n    name: a\n  condition: sel\n", 1, "needs logs, logsource or datatypes"},
		{"unknown key", head + "  sel:\n    name: a\n  condition: sel\nsevrity: high\n", 7, `unknown key "sevrity"`},
		{"bad severity", head + "  sel:\n    name: a\n  condition: sel\nseverity: urgent\n", 7, "must be one of info, low, medium, high, critical"},
		{"merge keys without window", head + "  sel:\n    name: a\n  condition: sel\nmerge_by_keys: [name]\n", 7, "merge_by_keys needs a merge_window"},
		{"bad duration", head + "  sel:\n    name: a\n  condition: sel\ndedup_period: soon\n", 7, `"soon" is not a duration`},
		{"negative duration", head + "  sel:\n    name: a\n  condition: sel\ndedup_period: -1h\n", 7, "dedup_period: \"-1h\" is not a duration: a duration cannot be negative"},
		{"fractional duration", head + "  sel:\n    name: a\n  condition: sel\nmerge_by_keys: [name]\nmerge_window: 1.5h\n", 8, "numbers must be whole"},
		{"bad output", head + "  sel:\n    name: a\n  condition: sel\noutputs: [slack]\n", 7, "must look like service:descriptor"},
		{"unknown datatype", "name: t\ndatatypes: [ipaddr]\ndetection:\n  sel:\n    name: a\n  condition: sel\n", 2, `"ipaddr" is not a normalized type`},
		{"unknown normalized field", head + "  sel:\n    normalized.ipaddr: a\n  condition: sel\n", 5, `"ipaddr" is not a normalized type`},
		{"test on other log type", head + "  sel:\n    name: a\n  condition: sel\ntests:\n  - log_type: test:other\n    record: {}\n    expect: true\n", 8, `does not run on log type "test:other"`},
		{"test without expect", head + "  sel:\n    name: a\n  condition: sel\ntests:\n  - record: {}\n", 8, "no expect"},
		// a5 (line 16) stands for a million nodes, a6 for ten million.
		{"alias bomb in a test record", head + "  sel:\n    name: a\n  condition: sel\ntests:\n  - expect: true\n    log_type: test:events\n    record:\n" + aliasBomb("      ", 6), 16, "alias bomb"},
		// yaml.v3 places some syntax errors on the line where the construct began.
		{"bad YAML", "name: t\nlogs: [test:events\n", -1, "bad YAML"},
		{"native rule without name", "logs: [test:events]\ndetection:\n  sel:\n    name: a\n  condition: sel\n", 1, "the rule has logs but no name"},
		{"correlation", "title: x\ncorrelation:\n  type: event_count\n", 3, "correlation: rules is missing"},
		{"logsource without mapping", "name: t\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    name: a\n  condition: sel\n", 2, "no log type is mapped to logsource category=process_creation product=windows"},
		{"logsource mapped to missing type", "name: t\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  sel:\n    name: a\n  condition: sel\n", 2, "maps to cloudtrail:events, which is not a known log type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, errs := loadRule(t, reg, c.doc)
			if r != nil {
				t.Errorf("got a rule despite errors: %s", r.Expr)
			}
			if len(errs) == 0 {
				t.Fatal("no error")
			}
			found := false
			for _, e := range errs {
				var le *LoadError
				if errors.As(e, &le) && (le.Line == c.line || c.line < 0) && strings.Contains(le.Msg, c.want) && le.File == "test.yaml" {
					found = true
				}
			}
			if !found {
				t.Errorf("want an error at test.yaml:%d containing %q; got %v", c.line, c.want, errs)
			}
		})
	}
}

func TestLoadErrorFormat(t *testing.T) {
	e := &LoadError{File: "conf/rules/x.yaml", Line: 7, Rule: "x", Msg: "detection: name|foo: unknown modifier \"foo\""}
	if got := e.Error(); got != `conf/rules/x.yaml:7: rule x: detection: name|foo: unknown modifier "foo"` {
		t.Errorf("Error() = %s", got)
	}
	if f, l := e.Location(); f != "conf/rules/x.yaml" || l != 7 {
		t.Errorf("Location() = %s, %d", f, l)
	}
}

func TestLoadFSNamesAndDuplicates(t *testing.T) {
	reg := testTypes(t)
	sigmaRule := "title: T\nid: 1234\nstatus: test\nlevel: high\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  sel:\n    name: a\n  condition: sel\n"
	native := "name: dup\nlogs: [test:events]\ndetection:\n  sel:\n    name: a\n  condition: sel\n"
	fsys := fstest.MapFS{
		"a.yaml":                    {Data: []byte(native)},
		"sub/b.yaml":                {Data: []byte(native)},
		"tests/event.yaml":          {Data: []byte("not: a rule")},
		".hidden/x.yaml":            {Data: []byte("broken: [")},
		"notes.txt":                 {Data: []byte("ignored")},
		"sigma/My Rule-Name.v2.yml": {Data: []byte(strings.ReplaceAll(sigmaRule, "product: aws\n  service: cloudtrail", "product: test"))},
	}
	// Map the test log types for the Sigma rule.
	l := &Loader{LogTypes: reg, LogSources: []LogSourceMapping{{Product: "test", LogTypes: []string{"test:events"}}}}
	var rules []*Rule
	var errs []error
	for _, p := range []string{"a.yaml", "sub/b.yaml", "sigma/My Rule-Name.v2.yml"} {
		rs, es := l.LoadBytes("conf/rules/"+p, fsys[p].Data, inSigmaDir(p))
		rules, errs = append(rules, rs...), append(errs, es...)
	}
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	set, dup := NewSet(rules...)
	if len(dup) != 1 || !strings.Contains(dup[0].Error(), "conf/rules/sub/b.yaml:1: rule dup: rule name dup is already used by conf/rules/a.yaml:1") {
		t.Errorf("duplicates: %v", dup)
	}
	if r := set.Get("my_rule_name_v2"); r == nil || r.Format != Sigma || r.Severity != "high" {
		t.Errorf("Sigma rule name from file: %v", set.Rules())
	}

	// LoadFS skips tests/, hidden entries and other files.
	_, errs = LoadFS(fstest.MapFS{"tests/e.yaml": fsys["tests/event.yaml"], ".hidden/x.yaml": fsys[".hidden/x.yaml"], "a.yaml": fsys["a.yaml"], "notes.txt": fsys["notes.txt"]}, "conf/rules", reg)
	if len(errs) > 0 {
		t.Errorf("LoadFS: %v", errs)
	}
}

func TestSigmaMultiDocument(t *testing.T) {
	reg := schema.Builtin()
	doc := `action: global
title: Base
logsource:
  product: aws
  service: cloudtrail
detection:
  condition: sel
level: low
---
detection:
  sel:
    eventName: StopLogging
---
detection:
  sel:
    eventName: DeleteTrail
level: high
---
action: reset
---
title: Standalone
logsource:
  product: aws
  service: cloudtrail
detection:
  sel:
    eventName: CreateUser
  condition: sel
`
	l := &Loader{LogTypes: reg}
	rs, errs := l.LoadBytes("sigma/trail_rules.yml", []byte(doc), true)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(rs) != 3 {
		t.Fatalf("got %d rules, want 3", len(rs))
	}
	want := []struct{ name, expr, level string }{
		{"trail_rules", `eventName|eq "stoplogging"`, "low"},
		{"trail_rules_2", `eventName|eq "deletetrail"`, "high"},
		{"trail_rules_3", `eventName|eq "createuser"`, ""},
	}
	for i, w := range want {
		if rs[i].Name != w.name || rs[i].Expr.String() != w.expr || rs[i].Level != w.level {
			t.Errorf("rule %d = %s %s %q, want %+v", i, rs[i].Name, rs[i].Expr, rs[i].Level, w)
		}
	}
}

func TestLogSourceMapping(t *testing.T) {
	reg := schema.Builtin()
	cases := []struct {
		ls   LogSource
		want string
	}{
		{LogSource{Product: "aws", Service: "cloudtrail"}, "cloudtrail:events"},
		{LogSource{Product: "okta", Service: "okta"}, "okta:system"},
		{LogSource{Product: "linux", Service: "auditd"}, "auditd:log"},
		{LogSource{Product: "linux", Service: "sshd"}, "linux:auth"},
		{LogSource{Category: "webserver"}, "apache:access nginx:access"},
		{LogSource{Service: "nginx"}, "nginx:access"},
		{LogSource{Product: "gcp", Service: "gcp.audit"}, "gcp:audit"},
		{LogSource{Product: "github", Service: "audit"}, "github:audit"},
		{LogSource{Product: "m365", Service: "exchange"}, "m365:audit"},
		{LogSource{Product: "azure", Service: "activitylogs"}, "azure:activity"},
		{LogSource{Product: "zeek", Service: "dns"}, "zeek:dns"},
		{LogSource{Category: "dns"}, "packetbeat:dns zeek:dns"},
		{LogSource{Product: "AWS", Service: "CloudTrail"}, "cloudtrail:events"},
	}
	for _, c := range cases {
		got, _, err := mapLogSource(DefaultLogSources, c.ls, reg)
		if err != nil || strings.Join(got, " ") != c.want {
			t.Errorf("%s: got %v, %v; want %s", c.ls, got, err, c.want)
		}
	}
	if _, _, err := mapLogSource(DefaultLogSources, LogSource{Product: "windows", Category: "process_creation"}, reg); err == nil {
		t.Error("windows process_creation mapped to something")
	}
}

func TestSigmaFieldMapping(t *testing.T) {
	reg := schema.Builtin()
	l := &Loader{LogTypes: reg}
	rs, errs := l.LoadBytes("sigma/gcp.yml", []byte(`title: GCP
logsource:
  product: gcp
  service: gcp.audit
detection:
  sel:
    gcp.audit.method_name: v1.compute.instances.delete
  condition: sel
`), true)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if got := rs[0].Expr.String(); got != `protoPayload.methodName|eq "v1.compute.instances.delete"` {
		t.Errorf("mapped expr = %s", got)
	}
}

func TestDatatypesRule(t *testing.T) {
	reg := testTypes(t)
	r, errs := loadRule(t, reg, "name: t\ndatatypes: [ip_address]\ndetection:\n  sel:\n    normalized.ip_address|cidr: 10.0.0.0/8\n  condition: sel\n")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if got := strings.Join(r.LogTypeNames(), " "); got != "test:events test:other" {
		t.Fatalf("datatypes rule runs on %s", got)
	}
	set, _ := NewSet(r)
	m := NewMatcher(set)
	for _, c := range []struct {
		lt, js string
		want   bool
	}{
		{"test:events", `{"ip":"10.1.1.1"}`, true},
		{"test:other", `{"src":"10.2.2.2"}`, true},
		{"test:other", `{"src":"8.8.8.8"}`, false},
	} {
		got := false
		m.Match(buildRecord(t, reg.Get(c.lt), c.js), func(*Rule, Match) { got = true })
		if got != c.want {
			t.Errorf("%s %s: %v, want %v", c.lt, c.js, got, c.want)
		}
	}
	// Restricted to given logs.
	r, errs = loadRule(t, reg, "name: t\nlogs: [test:other]\ndatatypes: [username]\ndetection:\n  sel:\n    name: a\n  condition: sel\n")
	if len(errs) == 0 || r != nil {
		t.Errorf("datatypes username on test:other (which does not yield it) loaded: %v", errs)
	}
}

func TestPackLoads(t *testing.T) {
	set, errs := Pack(schema.Builtin())
	for _, e := range errs {
		t.Error(e)
	}
	if set.Len() == 0 {
		t.Fatal("empty pack")
	}
	for _, r := range set.Rules() {
		if !strings.HasPrefix(r.File, "pack/") || strings.HasPrefix(r.File, "pack/pack/") {
			t.Errorf("%s: file %s", r.Name, r.File)
		}
		var match, noMatch bool
		for _, tc := range r.Tests {
			match = match || tc.Expect
			noMatch = noMatch || !tc.Expect
		}
		if !match || !noMatch {
			t.Errorf("%s: needs at least one matching and one non-matching test", r.Name)
		}
	}
	if r := set.Get("cloudtrail_logging_stopped"); r == nil || r.File != "pack/cloudtrail_logging_stopped.yaml" {
		t.Errorf("pack rule file name: %+v", r)
	}
	if _, errs := PackTestEvents(); len(errs) > 0 {
		t.Errorf("pack test events: %v", errs)
	}
}

func TestSnakeName(t *testing.T) {
	for in, want := range map[string]string{
		"aws_cloudtrail_disable_logging": "aws_cloudtrail_disable_logging",
		"My Rule-Name.v2":                "my_rule_name_v2",
		"__x__":                          "x",
		"Ärger":                          "rger",
		"---":                            "",
	} {
		if got := snakeName(in); got != want {
			t.Errorf("snakeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLoadFilesAndDir(t *testing.T) {
	reg := schema.Builtin()
	set, errs := LoadFiles([]string{"testdata/sigma/aws_cloudtrail/aws_root_account_usage.yml", "pack/cloudtrail_root_account_usage.yaml"}, reg)
	if len(errs) > 0 || set.Len() != 2 || set.Get("aws_root_account_usage") == nil || set.Get("cloudtrail_root_account_usage") == nil {
		t.Errorf("LoadFiles: %v %v", set.Rules(), errs)
	}
	if _, errs := LoadFiles([]string{"testdata/nope.yaml"}, reg); len(errs) != 1 || !strings.Contains(errs[0].Error(), "nope.yaml") {
		t.Errorf("missing file: %v", errs)
	}
	if _, errs := LoadDir("testdata/nope", reg); len(errs) != 1 || !strings.Contains(errs[0].Error(), "testdata/nope") {
		t.Errorf("missing dir: %v", errs)
	}
	set, errs = LoadDir("testdata/sigma", reg)
	if r := set.Get("aws_enum_buckets"); len(errs) > 0 || r == nil || r.File != "testdata/sigma/aws_cloudtrail/aws_enum_buckets.yml" || r.Line != 1 {
		t.Errorf("LoadDir file names: %+v %v", r, errs)
	}
}

// aliasBomb is a YAML mapping, each line indented by indent, whose last
// key stands for 10^(levels+1) scalars.
func aliasBomb(indent string, levels int) string {
	var b strings.Builder
	b.WriteString(indent + "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= levels; i++ {
		p := fmt.Sprintf("*a%d", i-1)
		fmt.Fprintf(&b, "%sa%d: &a%d [%s]\n", indent, i, i, strings.Repeat(p+", ", 9)+p)
	}
	return b.String()
}
