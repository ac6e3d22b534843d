package config

import (
	"strings"
	"testing"
)

// TestValidate_ChecksDeployYAML: `streamalert validate` reports
// deploy.yaml's problems with file:line, next to the other files'.
func TestValidate_ChecksDeployYAML(t *testing.T) {
	tests := []struct {
		name   string
		deploy string // "" leaves the file out
		want   []Problem
	}{
		{name: "no deploy.yaml"},
		{name: "good deploy.yaml", deploy: "architecture: amd64\nfunctions:\n  alerts:\n    memory_mb: 256\nsources:\n  http:\n    endpoint: function_url\n"},
		{name: "problems", deploy: "# AWS settings\narchitecture: sparc\nfunctions:\n  classifier:\n    timeout_seconds: 1000\nsources:\n  syslog:\n    shards: 2\n  nowhere: {}\n",
			want: []Problem{
				{File: "deploy.yaml", Line: 2, Msg: `architecture "sparc" must be arm64 or amd64`},
				{File: "deploy.yaml", Line: 4, Msg: "functions.classifier.timeout_seconds 1000 must be between 1 and 900"},
				{File: "deploy.yaml", Line: 7, Msg: "sources.syslog: a syslog source has no AWS trigger"},
				{File: "deploy.yaml", Line: 9, Msg: `sources: "nowhere" is not a source of sources.yaml`},
			}},
		{name: "unknown setting", deploy: "architecture: arm64\nlog_retension_days: 30\n",
			want: []Problem{{File: "deploy.yaml", Line: 2, Msg: `unknown setting "log_retension_days"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{}
			if tt.deploy != "" {
				files["deploy.yaml"] = tt.deploy
			}
			cfg, ps := LoadDir(writeConfig(t, files))
			got := Validate(cfg, ps)
			if len(got) != len(tt.want) {
				t.Fatalf("%d problems, want %d:\n%v", len(got), len(tt.want), got.Err())
			}
			for i, w := range tt.want {
				p := got[i]
				if p.File != w.File || p.Line != w.Line || !strings.Contains(p.Msg, w.Msg) {
					t.Errorf("problem %d: %s, want %s:%d: %s…", i, p, w.File, w.Line, w.Msg)
				}
			}
		})
	}
}
