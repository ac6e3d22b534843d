package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamalert/streamalert/schema"
)

// stratusExpected lists, per Stratus Red Team detonation in
// testdata/stratus, the Sigma rules (testdata/sigma/aws_cloudtrail) that
// must fire and on how many of its records. Every other rule must stay
// silent on that file. Derived by reading the rules and the events:
//
//   - aws_cloudtrail_disable_logging: eventSource cloudtrail and eventName
//     StopLogging/UpdateTrail/DeleteTrail (PutEventSelectors is not listed).
//   - aws_cloudtrail_vpc_flow_logs_deleted, aws_cloudtrail_ssm_malicious_usage:
//     the event name and errorCode missing (null matches a missing key).
//   - aws_iam_backdoor_users_keys: its filter compares userIdentity.arn with
//     the literal text "responseElements.accessKey.userName" (no fieldref),
//     so every successful CreateAccessKey fires.
//   - aws_update_login_profile: the caller (user/christophe) differs from
//     requestParameters.userName, so the fieldref filter does not hold.
//   - aws_new_lambda_layer_attached: UpdateFunctionConfiguration20150331v2
//     starts with UpdateFunctionConfiguration and requestParameters.layers
//     has an element.
//   - aws_cloudtrail_console_login_success_without_mfa: MFAUsed "No"
//     matches 'NO' case-insensitively.
//   - aws_sts_assumerole_misuse: every call made with an assumed role's
//     session (userIdentity.type AssumedRole, sessionIssuer.type Role).
//
// Not firing, on purpose: aws_ec2_startup_script_change on
// ec2-user-data (its ModifyInstanceAttribute has requestParameters.userData
// but no requestParameters.attribute), aws_cloudtrail_imds_malicious_usage
// (no role named aws:…), aws_iam_s3browser_* (no S3 Browser user agent).
var stratusExpected = map[string]map[string]int{
	"aws.credential-access.ec2-get-password-data.json":                 {"aws_sts_assumerole_misuse": 30},
	"aws.credential-access.ec2-steal-instance-credentials.json":        {"aws_cloudtrail_ssm_malicious_usage": 1, "aws_sts_assumerole_misuse": 2},
	"aws.defense-evasion.cloudtrail-delete.json":                       {"aws_cloudtrail_disable_logging": 1},
	"aws.defense-evasion.cloudtrail-stop.json":                         {"aws_cloudtrail_disable_logging": 1},
	"aws.defense-evasion.organizations-leave.json":                     {"aws_sts_assumerole_misuse": 1},
	"aws.defense-evasion.vpc-remove-flow-logs.json":                    {"aws_cloudtrail_vpc_flow_logs_deleted": 1},
	"aws.discovery.ec2-download-user-data.json":                        {"aws_sts_assumerole_misuse": 15},
	"aws.execution.ec2-launch-unusual-instances.json":                  {"aws_sts_assumerole_misuse": 1},
	"aws.execution.ssm-send-command.json":                              {"aws_cloudtrail_ssm_malicious_usage": 1},
	"aws.exfiltration.ec2-security-group-open-port-22-ingress.json":    {"aws_cloudtrail_security_group_change_ingress_egress": 1},
	"aws.exfiltration.ec2-share-ebs-snapshot.json":                     {"aws_snapshot_backup_exfiltration": 1},
	"aws.impact.bedrock-invoke-model.json":                             {"aws_sts_assumerole_misuse": 15},
	"aws.initial-access.console-login-without-mfa.json":                {"aws_cloudtrail_console_login_success_without_mfa": 1},
	"aws.lateral-movement.ec2-serial-console-send-ssh-public-key.json": {"aws_sts_assumerole_misuse": 4},
	"aws.persistence.iam-backdoor-user.json":                           {"aws_iam_backdoor_users_keys": 1},
	"aws.persistence.iam-create-admin-user.json":                       {"aws_iam_backdoor_users_keys": 1},
	"aws.persistence.lambda-layer-extension.json":                      {"aws_new_lambda_layer_attached": 1},
	"aws.privilege-escalation.iam-update-user-login-profile.json":      {"aws_update_login_profile": 1},
}

func TestSigmaCorpusLoadsUnchanged(t *testing.T) {
	set, errs := LoadDir("testdata/sigma", schema.Builtin())
	for _, e := range errs {
		t.Error(e)
	}
	files, _ := filepath.Glob("testdata/sigma/aws_cloudtrail/*.yml")
	if len(files) != 57 || set.Len() != len(files) {
		t.Fatalf("loaded %d rules from %d files, want 57", set.Len(), len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yml")
		r := set.Get(name)
		if r == nil {
			t.Errorf("%s: no rule named %s", f, name)
			continue
		}
		if r.Format != Sigma || r.ID == "" || r.Level == "" || r.Status == "" || len(r.Tags) == 0 || r.Title == "" {
			t.Errorf("%s: Sigma metadata not kept: %+v", name, r)
		}
		if got := r.LogTypeNames(); len(got) != 1 || got[0] != "cloudtrail:events" {
			t.Errorf("%s: log types %v, want [cloudtrail:events]", name, got)
		}
		if r.Severity != levelSeverity(r.Level) {
			t.Errorf("%s: severity %q from level %q", name, r.Severity, r.Level)
		}
	}
}

// stratusRecords classifies one Stratus file (a JSON array of CloudTrail
// events) with the real classifier and the built-in cloudtrail:events type.
func stratusRecords(t testing.TB, file string) []*schema.Record {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	reg := schema.Builtin()
	var out []*schema.Record
	in := schema.Input{Source: "stratus", Types: []*schema.LogType{reg.Get("cloudtrail:events")}}
	err = schema.NewClassifier(reg).Classify(data, in,
		func(r *schema.Record) { out = append(out, r) },
		func(u *schema.Unclassified) { t.Errorf("%s: unclassified record: %s", file, u.Reason) })
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSigmaCorpusOverStratus(t *testing.T) {
	set, errs := LoadDir("testdata/sigma", schema.Builtin())
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	m := NewMatcher(set)
	files, _ := filepath.Glob("testdata/stratus/*.json")
	if len(files) != 35 {
		t.Fatalf("found %d Stratus files, want 35", len(files))
	}
	for _, f := range files {
		base := filepath.Base(f)
		got := map[string]int{}
		for _, rec := range stratusRecords(t, f) {
			m.Match(rec, func(r *Rule, _ Match) { got[r.Name]++ })
		}
		want := stratusExpected[base]
		for rule, n := range want {
			if got[rule] != n {
				t.Errorf("%s: %s fired on %d records, want %d", base, rule, got[rule], n)
			}
		}
		for rule, n := range got {
			if _, ok := want[rule]; !ok {
				t.Errorf("%s: %s fired on %d records, want none", base, rule, n)
			}
		}
	}
	if e := m.Errors(); len(e) > 0 {
		t.Errorf("rule failures: %v", e)
	}
}
