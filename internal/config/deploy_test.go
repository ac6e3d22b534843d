package config

import (
	"strings"
	"testing"
	"testing/fstest"
)

func deployConfig(t testing.TB, deployYAML string) *Config {
	t.Helper()
	fsys := fstest.MapFS{
		"global.yaml": {Data: []byte("prefix: x\n")},
		"sources.yaml": {Data: []byte(`sources:
  k: {type: kinesis, stream: s, log_types: [cloudtrail]}
  q: {type: sqs, queue: q, log_types: [okta]}
  f: {type: file, log_types: [osquery]}
  h: {type: http, token: t, log_types: [github]}
`)},
	}
	if deployYAML != "" {
		fsys["deploy.yaml"] = &fstest.MapFile{Data: []byte(deployYAML)}
	}
	c, ps := Load(fsys, "")
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	return c
}

func TestDeploy_DefaultsWithoutTheFile(t *testing.T) {
	d, ps := deployConfig(t, "").Deploy()
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	if d.Architecture != "arm64" || d.Functions["classifier"].MemoryMB != 1024 || d.Functions["alerts"].TimeoutSeconds != 120 ||
		d.LogRetentionDays != 365 || d.DispatchSchedule != "rate(1 minute)" {
		t.Errorf("defaults %+v", d)
	}
}

func TestDeploy_OverridesKeepOtherDefaults(t *testing.T) {
	d, ps := deployConfig(t, "functions:\n  classifier:\n    memory_mb: 2048\nsources:\n  k:\n    shards: 2\n").Deploy()
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	if d.Functions["classifier"].MemoryMB != 2048 || d.Functions["classifier"].TimeoutSeconds != 300 || d.Functions["alerts"].MemoryMB != 512 {
		t.Errorf("functions %+v", d.Functions)
	}
	if d.Sources["k"].Shards != 2 {
		t.Errorf("sources %+v", d.Sources)
	}
}

func TestDeploy_ProblemsNameTheLine(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"architecture: x86\n", `deploy.yaml:1: architecture "x86" must be arm64 or amd64`},
		{"\nfunctions:\n  scanner: {memory_mb: 256}\n", `deploy.yaml:3: functions: "scanner" is not a function (classifier, alerts, hunts)`},
		{"functions:\n  alerts:\n    memory_mb: 64\n", "deploy.yaml:2: functions.alerts.memory_mb 64 must be between 128 and 10240"},
		{"log_retention_days: 2\n", "deploy.yaml:1: log_retention_days 2 is not a value"},
		{"transition_ia_days: 10\n", "deploy.yaml:1: transition_ia_days 10 must be 0 (never) or at least 30"},
		{"expire_days: 20\n", "deploy.yaml:1: expire_days 20 must be 0 (never) or more than transition_ia_days"},
		{"dispatch_schedule: every minute\n", `deploy.yaml:1: dispatch_schedule "every minute" must be rate(N minutes) or cron(…)`},
		{"sources:\n  nope: {}\n", `deploy.yaml:2: sources: "nope" is not a source of sources.yaml`},
		{"sources:\n  f:\n    shards: 1\n", "deploy.yaml:2: sources.f: a file source has no AWS trigger"},
		{"sources:\n  q:\n    batch_size: 100\n", "deploy.yaml:3: sources.q: batch_size above 10 needs batch_window_seconds"},
		{"sources:\n  h:\n    endpoint: alb\n", `deploy.yaml:3: sources.h: endpoint "alb" must be function_url or api_gateway`},
		{"sources:\n  k:\n    retention_hours: 2\n", "deploy.yaml:3: sources.k: retention_hours 2 must be between 24 and 8760"},
		{"colour: blue\n", `deploy.yaml:1: unknown setting "colour"`},
		{"architecture: [a\n", "deploy.yaml:1: bad YAML"},
	} {
		_, ps := deployConfig(t, c.yaml).Deploy()
		if got := ps.Err(); got == nil || !strings.Contains(got.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.yaml, got, c.want)
		}
	}
}

func FuzzDeploy(f *testing.F) {
	f.Add("architecture: arm64\nsources:\n  k: {shards: 3}\n")
	f.Add("functions: {classifier: {memory_mb: 99999}}\n")
	f.Add("sources: [1, 2]\n")
	f.Fuzz(func(t *testing.T, yaml string) {
		c := deployConfig(t, "")
		c.FS.(fstest.MapFS)["deploy.yaml"] = &fstest.MapFile{Data: []byte(yaml)}
		d, ps := c.Deploy()
		for _, p := range ps {
			if p.File != "deploy.yaml" || p.Msg == "" {
				t.Fatalf("problem without its place: %+v", p)
			}
		}
		if len(ps) == 0 && (d.Functions["classifier"].MemoryMB < 128 || d.LogRetentionDays == 0) {
			t.Fatalf("accepted %+v", d)
		}
	})
}
