package alerts

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func TestPublisher_Transforms(t *testing.T) {
	tests := []struct {
		name     string
		settings map[string]string
		check    func(t *testing.T, p map[string]any)
	}{
		{"no settings is the default payload", nil, func(t *testing.T, p map[string]any) {
			if p["id"] == nil || p["record"] == nil || p["summary"] == nil {
				t.Errorf("payload %v", p)
			}
		}},
		{"fields keep only those paths", map[string]string{"fields": "id, severity, record.userIdentity.arn"}, func(t *testing.T, p map[string]any) {
			if len(p) != 3 || str(p, "record.userIdentity.arn") != "arn:aws:iam::1:user/alice" {
				t.Errorf("payload %v", p)
			}
			if _, ok := lookupPath(p, "record.eventName"); ok {
				t.Error("record.eventName kept")
			}
		}},
		{"drop removes nested paths", map[string]string{"drop": "record.sourceIPAddress,context"}, func(t *testing.T, p map[string]any) {
			if _, ok := lookupPath(p, "record.sourceIPAddress"); ok {
				t.Error("not dropped")
			}
			if str(p, "record.eventName") != "ConsoleLogin" {
				t.Error("dropped too much")
			}
		}},
		{"rename moves values", map[string]string{"rename": "record.sourceIPAddress=source_ip, rule=detection"}, func(t *testing.T, p map[string]any) {
			if p["source_ip"] != "198.51.100.7" || p["detection"] != "console_login_without_mfa" || p["rule"] != nil {
				t.Errorf("payload %v", p)
			}
		}},
		{"templates render over the full payload", map[string]string{
			"template.summary":    `{{upper .severity}}: {{.record.userIdentity.arn}} from {{get . "record.sourceIPAddress"}}{{.record.missing}}`,
			"template.slack.text": `{{truncate 10 .title}}`,
			"fields":              "summary,slack",
		}, func(t *testing.T, p map[string]any) {
			if p["summary"] != "HIGH: arn:aws:iam::1:user/alice from 198.51.100.7" || str(p, "slack.text") != "Console..." {
				t.Errorf("payload %v", p)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pub, err := NewPublisher(tt.settings)
			if err != nil {
				t.Fatal(err)
			}
			a := sampleAlert()
			before, _ := json.Marshal(a)
			p, err := pub.Publish(a)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, p)
			if after, _ := json.Marshal(a); string(after) != string(before) {
				t.Error("publishing changed the alert")
			}
		})
	}
}

func TestPublisher_BadSettingsFailAtLoad(t *testing.T) {
	for _, s := range []map[string]string{
		{"template.summary": "{{.rule"},
		{"template.": "x"},
		{"rename": "a"},
		{"template.x": "{{nosuchfunc .}}"},
	} {
		if _, err := NewPublisher(s); err == nil {
			t.Errorf("settings %v accepted", s)
		}
	}
	if _, err := NewOutput(OutputConfig{Name: "file:x", Service: "file", Settings: map[string]string{"path": "x", "colour": "red"}}, nil, OutputOptions{}); err == nil || !strings.Contains(err.Error(), `unknown setting "colour"`) {
		t.Errorf("unknown setting: %v", err)
	}
}

// TestPayload_Golden pins the default payload of a merged alert.
func TestPayload_Golden(t *testing.T) {
	a := sampleAlert()
	a.Merge = &MergeInfo{Count: 3, First: t0, Last: t0.Add(20 * 60e9), MergedBy: a.KeyValues,
		CommonKeys: map[string]any{"eventName": "ConsoleLogin"}, ValueDiffs: map[string][]any{"sourceIPAddress": {"198.51.100.7", "203.0.113.9"}}}
	got, err := json.MarshalIndent(Payload(a), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "payload_merged.golden.json")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if strings.TrimSpace(string(want)) != strings.TrimSpace(string(got)) {
		t.Errorf("payload differs from %s:\n%s", golden, got)
	}
}

func FuzzPublisher(f *testing.F) {
	f.Add("id,record.eventName", "record.x", "rule=r", "{{.rule}} {{get . \"record.a.b\"}}")
	f.Add("", "", "", "")
	f.Add(",,,", ".", "=,a=", "{{json .record}}")
	f.Fuzz(func(t *testing.T, fields, drop, rename, tmpl string) {
		pub, err := NewPublisher(map[string]string{"fields": fields, "drop": drop, "rename": rename, "template.summary": tmpl})
		if err != nil {
			return
		}
		a := sampleAlert()
		before, _ := json.Marshal(a)
		p, err := pub.Publish(a)
		if err == nil {
			if _, err := json.Marshal(p); err != nil {
				t.Errorf("payload is not JSON-able: %v", err)
			}
		}
		if after, _ := json.Marshal(a); string(after) != string(before) {
			t.Error("publishing changed the alert")
		}
	})
}

func TestSummary(t *testing.T) {
	a := sampleAlert()
	if got, want := summary(a), "Console login without MFA [high] (userIdentity.arn=arn:aws:iam::1:user/alice): cloudtrail:events record from prod-trail"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	if got := truncate("héllo", 5); got != "h..." {
		t.Errorf("truncate on a rune boundary: %q", got)
	}
}
