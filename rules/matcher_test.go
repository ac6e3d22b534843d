package rules

import (
	"bytes"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/streamalert/streamalert/schema"
)

func sigmaCorpus(t testing.TB) *Set {
	t.Helper()
	set, errs := LoadDir("testdata/sigma", schema.Builtin())
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return set
}

// TestMatcherIndex checks which rules are indexed under which field: a
// rule is only evaluated when the record has a value it requires.
func TestMatcherIndex(t *testing.T) {
	m := NewMatcher(sigmaCorpus(t))
	tm := m.byType["cloudtrail:events"]
	if tm == nil || len(tm.rules) != 57 {
		t.Fatalf("cloudtrail matcher has %v rules", tm)
	}
	indexedBy := map[string]string{}
	for _, ix := range tm.index {
		field := strings.Join(tm.slots[ix.slot].ref.Path, ".")
		for _, rs := range ix.m {
			for _, r := range rs {
				indexedBy[tm.rules[r].rule.Name] = field
			}
		}
	}
	var always []string
	for _, r := range tm.always {
		always = append(always, tm.rules[r].rule.Name)
	}
	sort.Strings(always)
	// Only the rule with nothing but a regex on userIdentity.arn must be
	// evaluated for every record.
	if strings.Join(always, ",") != "aws_cloudtrail_imds_malicious_usage" {
		t.Errorf("always evaluated: %v", always)
	}
	for rule, field := range map[string]string{
		"aws_cloudtrail_disable_logging":         "eventName",
		"aws_root_account_usage":                 "userIdentity.type",
		"aws_sts_assumerole_misuse":              "userIdentity.type",
		"aws_cloudtrail_pua_trufflehog":          "userAgent",
		"aws_susp_saml_activity":                 "eventName",
		"aws_new_lambda_layer_attached":          "eventSource",
		"aws_sso_idp_change":                     "eventName",
		"aws_cloudtrail_bucket_deleted":          "eventName",
		"aws_rds_change_master_password":         "eventName",
		"aws_console_getsignintoken":             "eventName",
		"aws_update_login_profile":               "eventName",
		"aws_ec2_vm_export_failure":              "eventName",
		"aws_cloudtrail_new_route_added":         "eventName",
		"aws_iam_backdoor_users_keys":            "eventName",
		"aws_disable_bucket_versioning":          "eventName",
		"aws_elasticache_security_group_created": "eventName",
	} {
		if indexedBy[rule] != field {
			t.Errorf("%s indexed by %q, want %q", rule, indexedBy[rule], field)
		}
	}
}

// countingNode counts evaluations of the rule it wraps.
type countingNode struct {
	node
	n *int
}

func (c countingNode) eval(s *state) bool { *c.n++; return c.node.eval(s) }

func TestMatcherEvaluatesOnlyCandidates(t *testing.T) {
	m := NewMatcher(sigmaCorpus(t))
	tm := m.byType["cloudtrail:events"]
	evals := map[string]*int{}
	for _, cr := range tm.rules {
		n := 0
		evals[cr.rule.Name] = &n
		cr.root = countingNode{cr.root, &n}
	}
	rec := stratusRecords(t, "testdata/stratus/aws.defense-evasion.cloudtrail-stop.json")[0]
	var fired []string
	m.Match(rec, func(r *Rule, _ Match) { fired = append(fired, r.Name) })
	var evaluated []string
	for name, n := range evals {
		if *n > 0 {
			evaluated = append(evaluated, name)
		}
	}
	sort.Strings(evaluated)
	want := "aws_cloudtrail_disable_logging,aws_cloudtrail_imds_malicious_usage"
	if strings.Join(evaluated, ",") != want {
		t.Errorf("evaluated %v, want %s", evaluated, want)
	}
	if strings.Join(fired, ",") != "aws_cloudtrail_disable_logging" {
		t.Errorf("fired %v", fired)
	}
}

func TestMatchFields(t *testing.T) {
	reg := testTypes(t)
	r, errs := loadRule(t, reg, detectionRule(`sel:
  name: a
  cmd|contains: ev
alt:
  - other: x
  - ip|cidr: 10.0.0.0/8
kw:
  - needle
filter:
  count: 1
condition: sel and alt and kw and not filter`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	set, _ := NewSet(r)
	var got []MatchedField
	NewMatcher(set).Match(buildRecord(t, reg.Get("test:events"), `{"name":"A","cmd":"EVIL","ip":"10.1.1.1","other":"haystack with NEEDLE","count":2}`),
		func(_ *Rule, m Match) { got = m.Fields })
	want := `[{name A} {cmd EVIL} {ip 10.1.1.1} { needle}]`
	if fmt.Sprint(got) != want {
		t.Errorf("fields = %v, want %s", got, want)
	}
}

func TestMatcherLogTypesAndEnabled(t *testing.T) {
	reg := testTypes(t)
	on, _ := loadRule(t, reg, "name: on\nlogs: [test:events]\ndetection:\n  sel:\n    name: a\n  condition: sel\n")
	off, _ := loadRule(t, reg, "name: off\nenabled: false\nlogs: [test:events]\ndetection:\n  sel:\n    name: a\n  condition: sel\n")
	other, _ := loadRule(t, reg, "name: other\nlogs: [test:other]\ndetection:\n  sel:\n    name: a\n  condition: sel\n")
	set, errs := NewSet(on, off, other)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	m := NewMatcher(set)
	for lt, want := range map[string]string{"test:events": "on", "test:other": "other"} {
		var fired []string
		m.Match(buildRecord(t, reg.Get(lt), `{"name":"a"}`), func(r *Rule, _ Match) { fired = append(fired, r.Name) })
		if strings.Join(fired, ",") != want {
			t.Errorf("%s: fired %v, want %s", lt, fired, want)
		}
	}
	if got := strings.Join(m.LogTypes(), ","); got != "test:events,test:other" {
		t.Errorf("LogTypes = %s", got)
	}
	// A record of a type no rule runs on, and a nil record.
	m.Match(&schema.Record{LogType: &schema.LogType{Name: "x:y"}}, func(*Rule, Match) { t.Error("matched x:y") })
	m.Match(nil, func(*Rule, Match) { t.Error("matched nil") })
}

// panicNode stands for a rule that fails at run time.
type panicNode struct{}

func (panicNode) eval(*state) bool { panic("boom") }
func (panicNode) cost() int        { return 1 }

func TestMatcherRuleFailureIsIsolated(t *testing.T) {
	reg := testTypes(t)
	a, _ := loadRule(t, reg, "name: a_broken\nlogs: [test:events]\ndetection:\n  sel:\n    name: a\n  condition: sel\n")
	b, _ := loadRule(t, reg, "name: b_fine\nlogs: [test:events]\ndetection:\n  sel:\n    name: a\n  condition: sel\n")
	set, _ := NewSet(a, b)
	m := NewMatcher(set)
	var logs bytes.Buffer
	m.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	m.byType["test:events"].rules[0].root = panicNode{}
	var fired []string
	for i := 0; i < 3; i++ {
		m.Match(buildRecord(t, reg.Get("test:events"), `{"name":"a"}`), func(r *Rule, _ Match) { fired = append(fired, r.Name) })
	}
	if strings.Join(fired, ",") != "b_fine,b_fine,b_fine" {
		t.Errorf("fired %v", fired)
	}
	if e := m.Errors(); e["a_broken"] != 3 || len(e) != 1 {
		t.Errorf("Errors() = %v", e)
	}
	if !strings.Contains(logs.String(), "rule=a_broken") || !strings.Contains(logs.String(), "error=boom") {
		t.Errorf("log = %s", logs.String())
	}
}

func TestMatcherConcurrent(t *testing.T) {
	m := NewMatcher(sigmaCorpus(t))
	recs := stratusRecords(t, "testdata/stratus/aws.credential-access.ec2-steal-instance-credentials.json")
	want := 0
	for _, rec := range recs {
		m.Match(rec, func(*Rule, Match) { want++ })
	}
	var wg sync.WaitGroup
	counts := make([]int, 4)
	for g := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				for _, rec := range recs {
					m.Match(rec, func(*Rule, Match) { counts[g]++ })
				}
			}
		}()
	}
	wg.Wait()
	for g, n := range counts {
		if n != 20*want {
			t.Errorf("goroutine %d: %d matches, want %d", g, n, 20*want)
		}
	}
}

// TestMatcherSharedLookups checks that rules share one slot per field.
func TestMatcherSharedLookups(t *testing.T) {
	tm := NewMatcher(sigmaCorpus(t)).byType["cloudtrail:events"]
	seen := map[string]bool{}
	for _, a := range tm.slots {
		k := a.ref.key()
		if seen[k] {
			t.Errorf("slot %v appears twice", a.ref.Path)
		}
		seen[k] = true
	}
	// 57 rules but only the distinct fields they use.
	if len(tm.slots) > 25 {
		t.Errorf("%d slots for 57 rules", len(tm.slots))
	}
}

// TestMatcherOtherDefinitionOfSameType: a record whose log type has the
// rule's type name but another definition (a reloaded registry with the
// fields in another order) is matched by its own layout.
func TestMatcherOtherDefinitionOfSameType(t *testing.T) {
	reg := testTypes(t)
	r, errs := loadRule(t, reg, "name: t\nlogs: [test:other]\ndetection:\n  sel:\n    name: a\n  condition: sel\n")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	lts, perrs := schema.ParseDefinitions("other.yaml", []byte("name: test:other\nparser: {type: json}\nfields:\n  - name: src\n    type: ip\n  - name: name\n"))
	if len(perrs) > 0 {
		t.Fatal(perrs)
	}
	set, _ := NewSet(r)
	m := NewMatcher(set)
	for js, want := range map[string]bool{`{"name":"a","src":"10.0.0.1"}`: true, `{"name":"b","src":"10.0.0.1"}`: false} {
		for i := 0; i < 2; i++ { // the second time uses the cached compilation
			got := false
			m.Match(buildRecord(t, lts[0], js), func(*Rule, Match) { got = true })
			if got != want {
				t.Errorf("%s: %v, want %v", js, got, want)
			}
		}
	}
}
