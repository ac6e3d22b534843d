package alerts

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestServices_CatalogueListsEveryOutput(t *testing.T) {
	want := []string{"email", "file", "firehose", "github", "jira", "lambda", "opsgenie", "pagerduty", "s3", "slack", "sns", "sqs", "teams", "webhook"}
	var got []string
	for _, s := range Services() {
		got = append(got, s.Name)
		if s.Description == "" {
			t.Errorf("%s has no description", s.Name)
		}
		for _, sec := range s.Secrets {
			if slices.ContainsFunc(s.Settings, func(x Setting) bool { return x.Name == sec.Name && sec.Name != "url" }) {
				t.Errorf("%s: %s is both a setting and a secret", s.Name, sec.Name)
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("services %v, want %v", got, want)
	}
	if _, ok := LookupService("slack"); !ok {
		t.Error("LookupService(slack) failed")
	}
}

func TestNewOutput_ChecksSettings(t *testing.T) {
	tests := []struct {
		name    string
		cfg     OutputConfig
		secrets map[string]string
		wantErr string
	}{
		{"unknown service", OutputConfig{Name: "x:y", Service: "x"}, nil, "unknown service"},
		{"missing required setting", OutputConfig{Name: "github:x", Service: "github"}, map[string]string{"token": "t"}, "setting repository is required"},
		{"missing secret", OutputConfig{Name: "slack:x", Service: "slack"}, nil, "streamalert outputs set slack:x"},
		{"bad timeout", OutputConfig{Name: "file:x", Service: "file", Settings: map[string]string{"path": "p", "timeout": "soon"}}, nil, "timeout"},
		{"bad template", OutputConfig{Name: "file:x", Service: "file", Settings: map[string]string{"path": "p", "template.summary": "{{"}}, nil, "template.summary"},
		{"webhook needs a url", OutputConfig{Name: "webhook:x", Service: "webhook"}, map[string]string{"signing_key": "k"}, "url"},
		{"jira api version", OutputConfig{Name: "jira:x", Service: "jira", Settings: map[string]string{"url": "https://j", "project_key": "P", "api_version": "4"}}, map[string]string{"email": "e", "api_token": "t"}, "api_version"},
		{"email without TLS refuses a password", OutputConfig{Name: "email:x", Service: "email", Settings: map[string]string{"host": "h", "from": "a@b", "to": "c@d", "tls": "none"}}, map[string]string{"username": "u", "password": "p"}, "without TLS"},
		{"sns topic must be an ARN", OutputConfig{Name: "sns:x", Service: "sns", Settings: map[string]string{"topic_arn": "alerts"}}, nil, "not an ARN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewOutput(tt.cfg, tt.secrets, OutputOptions{AWSConfig: testAWS})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestTestAlert_GoesThroughAnOutput(t *testing.T) {
	srv := newStub(t, status(200, "ok"))
	o := mustOutput(t, "slack", nil, map[string]string{"webhook_url": srv.URL + "/hook"})
	d, _ := NewDispatcher(DispatcherConfig{Store: NewMemoryStore(), Outputs: map[string]Output{o.Name(): o}})
	if err := d.SendNow(context.Background(), o.Name(), TestAlert(time.Now(), o.Name()), 3); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(srv.last(t).body), "streamalert test alert") {
		t.Errorf("body %s", srv.last(t).body)
	}
}
