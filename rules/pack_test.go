package rules

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/streamalert/streamalert/schema"
)

// packMinRules is the size the rule pack promises.
const packMinRules = 60

// packNoTechnique lists the pack rules that need no ATT&CK technique tag:
// they forward another product's verdict (a finding or an IDS/IPS alert of
// any kind), so no one technique applies.
var packNoTechnique = map[string]bool{
	"guardduty_high_severity_finding": true,
	"security_hub_critical_finding":   true,
	"suricata_high_severity_alert":    true,
	"pan_threat_critical_or_high":     true,
}

// packExtrasFields lists fields that are deliberately read from a record's
// extras (keys the log type does not declare), per rule.
var packExtrasFields = map[string][]string{
	// GitHub writes the protection settings as top-level keys of the event.
	"github_branch_protection_weakened": {"required_status_checks_enforcement_level", "pull_request_reviews_enforcement_level", "admin_enforced"},
}

// packDemoRules are the rules `streamalert demo` tells its stories with;
// each carries the streamalert.demo tag.
var packDemoRules = []string{
	"sshd_credential_stuffing_failed_logins",
	"sshd_login_accepted_from_known_bad_ip",
	"okta_mfa_factor_deactivated",
	"cloudtrail_iam_user_created",
	"cloudtrail_iam_user_granted_admin",
	"cloudtrail_logging_stopped",
	"cloudtrail_s3_bucket_made_public",
	"vpc_flow_exfiltration_to_known_bad_ip",
}

var attackTechnique = regexp.MustCompile(`^attack\.t\d{4}(\.\d{3})?$`)

func loadPack(t *testing.T) *Set {
	t.Helper()
	set, errs := Pack(schema.Builtin())
	for _, e := range errs {
		t.Error(e)
	}
	if t.Failed() {
		t.FailNow()
	}
	return set
}

func TestPack_LoadsCompleteRules(t *testing.T) {
	set := loadPack(t)
	if set.Len() < packMinRules {
		t.Errorf("the pack has %d rules, want at least %d", set.Len(), packMinRules)
	}
	for _, r := range set.Rules() {
		if r.Format != Native {
			t.Errorf("%s: format %s, want native", r.Name, r.Format)
		}
		if r.Title == "" || r.Description == "" || r.Runbook == "" {
			t.Errorf("%s: needs a title, a description and a runbook", r.Name)
		}
		if len(r.Outputs) > 0 {
			t.Errorf("%s: names outputs %v; pack rules use the config's default outputs", r.Name, r.Outputs)
		}
		if len(r.LogTypes) == 0 {
			t.Errorf("%s: runs on no log type", r.Name)
		}
		var match, noMatch bool
		for _, tc := range r.Tests {
			match = match || tc.Expect
			noMatch = noMatch || !tc.Expect
		}
		if !match || !noMatch {
			t.Errorf("%s: needs at least one matching and one non-matching test", r.Name)
		}
		hasTechnique := false
		for _, tag := range r.Tags {
			hasTechnique = hasTechnique || attackTechnique.MatchString(tag)
		}
		if hasTechnique == packNoTechnique[r.Name] {
			if packNoTechnique[r.Name] {
				t.Errorf("%s: is exempt from an ATT&CK technique tag but has one (%v); drop the exemption", r.Name, r.Tags)
			} else {
				t.Errorf("%s: tags %v name no ATT&CK technique (attack.tNNNN)", r.Name, r.Tags)
			}
		}
	}
	for name := range packNoTechnique {
		if set.Get(name) == nil {
			t.Errorf("exemption for %s, which is not in the pack", name)
		}
	}
}

// TestPack_FieldsExist checks that every field a pack rule tests, and every
// merge key, is declared by at least one of the rule's log types (or lies
// inside one of its json fields, or is a normalized type). Typos would
// otherwise fall silently into the extras and never match.
func TestPack_FieldsExist(t *testing.T) {
	set := loadPack(t)
	for _, r := range set.Rules() {
		allowed := map[string]bool{}
		for _, f := range packExtrasFields[r.Name] {
			allowed[f] = true
		}
		check := func(field string, path []string) {
			if allowed[field] {
				return
			}
			var where []string
			for _, lt := range r.LogTypes {
				ref := ResolveField(lt, path)
				switch ref.Where {
				case InDeclared, InJSON, InNormalized:
					return
				}
				where = append(where, lt.Name+": "+ref.Where.String())
			}
			t.Errorf("%s: field %s is not declared by its log types (%s)", r.Name, field, strings.Join(where, ", "))
		}
		for _, lf := range Leaves(r.Expr) {
			if lf.Field != "" {
				check(lf.Field, lf.Path)
			}
		}
		for _, k := range r.MergeByKeys {
			check(k, strings.Split(k, "."))
		}
	}
	for name := range packExtrasFields {
		if set.Get(name) == nil {
			t.Errorf("extras allowance for %s, which is not in the pack", name)
		}
	}
}

func TestPack_InlineTests(t *testing.T) {
	set := loadPack(t)
	tr := &Tester{Set: set, Registry: schema.Builtin()}
	res := tr.Run(nil)
	ran := map[string]int{}
	passed := 0
	for _, r := range res {
		ran[r.Rule]++
		if r.Pass {
			passed++
			continue
		}
		t.Errorf("%s: %s (%s:%d): %s", r.Rule, r.Name, r.File, r.Line, r.Diff)
	}
	for _, r := range set.Rules() {
		if ran[r.Name] != len(r.Tests) {
			t.Errorf("%s: %d of its %d inline tests ran", r.Name, ran[r.Name], len(r.Tests))
		}
	}
	t.Logf("%d rules, %d inline tests, %d passed", set.Len(), len(res), passed)
}

// TestPack_TestEvents runs the pack's test-event files (rules/pack/tests):
// records that must fire exactly the listed pack rules.
func TestPack_TestEvents(t *testing.T) {
	set := loadPack(t)
	events, errs := PackTestEvents()
	for _, e := range errs {
		t.Error(e)
	}
	if len(events) == 0 {
		t.Fatal("the pack has no test events")
	}
	tr := &Tester{Set: set, Registry: schema.Builtin()}
	for _, r := range tr.Run(events) {
		if r.Rule == "" && !r.Pass {
			t.Errorf("%s (%s:%d): %s", r.Name, r.File, r.Line, r.Diff)
		}
	}
}

func TestPack_DemoRules(t *testing.T) {
	set := loadPack(t)
	for _, name := range packDemoRules {
		r := set.Get(name)
		if r == nil {
			t.Errorf("demo rule %s is not in the pack", name)
			continue
		}
		if !containsString(r.Tags, "streamalert.demo") {
			t.Errorf("demo rule %s lacks the streamalert.demo tag", name)
		}
	}
	for _, r := range set.Rules() {
		if containsString(r.Tags, "streamalert.demo") && !containsString(packDemoRules, r.Name) {
			t.Errorf("%s is tagged streamalert.demo but not listed as a demo rule", r.Name)
		}
	}
}

// packStratusExpected lists, per Stratus Red Team detonation in
// testdata/stratus, the pack rules that must fire and on how many records;
// every other pack rule must stay silent on that file. Notes:
//
//   - ec2-get-password-data, ec2-download-user-data and
//     ec2-launch-unusual-instances are denied calls: each counts toward
//     cloudtrail_access_denied_burst (its threshold applies later, in the
//     alert processor).
//   - organizations-leave is denied too, but leaving is reported even when
//     denied.
//   - iam-backdoor-user and iam-create-admin-user create keys for another
//     user; iam-create-admin-user's user is new and made an administrator.
//   - iam-create-backdoor-role attaches AdministratorAccess to a role.
//   - The AMI, EBS and RDS shares go to one account, not to "all", so the
//     public-exposure rules stay silent.
var packStratusExpected = map[string]map[string]int{
	"aws.credential-access.ec2-get-password-data.json":              {"cloudtrail_access_denied_burst": 32},
	"aws.defense-evasion.cloudtrail-delete.json":                    {"cloudtrail_logging_stopped": 1},
	"aws.defense-evasion.cloudtrail-event-selectors.json":           {"cloudtrail_logging_stopped": 1},
	"aws.defense-evasion.cloudtrail-stop.json":                      {"cloudtrail_logging_stopped": 1},
	"aws.defense-evasion.dns-delete-logs.json":                      {"cloudtrail_vpc_flow_logs_deleted": 1},
	"aws.defense-evasion.organizations-leave.json":                  {"cloudtrail_organizations_leave": 1, "cloudtrail_access_denied_burst": 1},
	"aws.defense-evasion.vpc-remove-flow-logs.json":                 {"cloudtrail_vpc_flow_logs_deleted": 1},
	"aws.discovery.ec2-download-user-data.json":                     {"cloudtrail_access_denied_burst": 17},
	"aws.execution.ec2-launch-unusual-instances.json":               {"cloudtrail_access_denied_burst": 1},
	"aws.exfiltration.ec2-security-group-open-port-22-ingress.json": {"cloudtrail_security_group_ingress_open_to_world": 1},
	"aws.initial-access.console-login-without-mfa.json":             {"cloudtrail_console_login_without_mfa": 1},
	"aws.persistence.iam-backdoor-user.json":                        {"cloudtrail_iam_access_key_created": 1, "cloudtrail_access_key_created_for_other_user": 1},
	"aws.persistence.iam-create-admin-user.json": {
		"cloudtrail_iam_user_created": 1, "cloudtrail_iam_user_granted_admin": 1,
		"cloudtrail_iam_access_key_created": 1, "cloudtrail_access_key_created_for_other_user": 1,
	},
	"aws.persistence.iam-create-backdoor-role.json":               {"cloudtrail_admin_policy_attached_to_role_or_group": 1},
	"aws.persistence.iam-create-user-login-profile.json":          {"cloudtrail_login_profile_changed_for_other_user": 1},
	"aws.privilege-escalation.iam-update-user-login-profile.json": {"cloudtrail_login_profile_changed_for_other_user": 1},
}

// TestPack_OverStratus runs the whole pack over real CloudTrail records of
// Stratus Red Team detonations and checks which rules fire.
func TestPack_OverStratus(t *testing.T) {
	set := loadPack(t)
	m := NewMatcher(set)
	files, _ := filepath.Glob("testdata/stratus/*.json")
	if len(files) == 0 {
		t.Fatal("no Stratus files in testdata/stratus")
	}
	for f := range packStratusExpected {
		if !containsString(files, filepath.Join("testdata/stratus", f)) {
			t.Errorf("expectation for %s, which is not in testdata/stratus", f)
		}
	}
	for _, f := range files {
		base := filepath.Base(f)
		got := map[string]int{}
		for _, rec := range stratusRecords(t, f) {
			m.Match(rec, func(r *Rule, _ Match) { got[r.Name]++ })
		}
		want := packStratusExpected[base]
		var problems []string
		for rule, n := range want {
			if got[rule] != n {
				problems = append(problems, fmt.Sprintf("%s fired on %d records, want %d", rule, got[rule], n))
			}
		}
		for rule, n := range got {
			if _, ok := want[rule]; !ok {
				problems = append(problems, fmt.Sprintf("%s fired on %d records, want none", rule, n))
			}
		}
		sort.Strings(problems)
		for _, p := range problems {
			t.Errorf("%s: %s", base, p)
		}
	}
	if e := m.Errors(); len(e) > 0 {
		t.Errorf("rule failures: %v", e)
	}
}

// BenchmarkPack_Match measures the whole pack's matcher over the records of
// the pack's inline tests (all log types, classified once beforehand).
func BenchmarkPack_Match(b *testing.B) {
	reg := schema.Builtin()
	set, errs := Pack(reg)
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	cls := schema.NewClassifier(reg)
	var recs []*schema.Record
	for _, r := range set.Rules() {
		for _, tc := range r.Tests {
			got, _, err := classify(cls, tc.Record, schema.Input{Source: "bench", Types: []*schema.LogType{reg.Get(tc.LogType)}})
			if err != nil {
				b.Fatal(err)
			}
			recs = append(recs, got...)
		}
	}
	m := NewMatcher(set)
	matches := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Match(recs[i%len(recs)], func(*Rule, Match) { matches++ })
	}
	b.ReportMetric(float64(len(recs)), "records")
}
