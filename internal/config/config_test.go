package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestInit_WritesConfigThatValidates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "conf")
	if err := Init(dir); err != nil {
		t.Fatal(err)
	}
	cfg, ps := LoadDir(dir)
	if ps := Validate(cfg, ps); len(ps) > 0 {
		t.Fatalf("example config has problems:\n%v", ps.Err())
	}
	src, ok := cfg.Source("http")
	if !ok || !strings.HasPrefix(src.Token, "sa_") || len(src.Token) != 51 {
		t.Fatalf("http source token = %q, want a generated sa_ token", src.Token)
	}
	if st, _ := os.Stat(filepath.Join(dir, "sources.yaml")); st.Mode().Perm() != 0o600 {
		t.Errorf("sources.yaml mode = %v, want 0600 (it holds a token)", st.Mode().Perm())
	}
	if err := Init(dir); err == nil {
		t.Error("second init overwrote the config")
	}
}

func TestExample_TokensDifferPerCall(t *testing.T) {
	a, _ := Load(Example(), "")
	b, _ := Load(Example(), "")
	sa, _ := a.Source("http")
	sb, _ := b.Source("http")
	if sa.Token == sb.Token {
		t.Fatal("two example configs share a token")
	}
}

// writeConfig makes a config directory from the example with files replaced.
func writeConfig(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "conf")
	if err := Init(dir); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestValidate_ReportsEveryProblemWithFileAndLine(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"sources.yaml": `sources:
  web:
    type: http
    token: x
    log_types: [nginx, not_a_vendor:logs]
`,
		"rules/bad_output.yaml": `name: bad_output
logs: [nginx:access]
detection:
  sel: {status: 500}
  condition: sel
outputs:
  - file:alerts
  - slack:nowhere
`,
		"global.yaml":                 "prefix: acme\nlake: file://./lake\n  buffer: {}\n",
		"rules/unknown_modifier.yaml": "name: unknown_modifier\nlogs: [nginx:access]\ndetection:\n  sel:\n    request|sounds_like: admin\n  condition: sel\n",
	})
	cfg, ps := LoadDir(dir)
	got := Validate(cfg, ps)
	want := []Problem{
		{File: "global.yaml", Line: 3},
		{File: "rules/bad_output.yaml", Line: 8},
		{File: "sources.yaml", Line: 5},
		{File: "rules/unknown_modifier.yaml", Line: 5},
	}
	text := got.Err()
	for _, w := range want {
		found := false
		for _, p := range got {
			if p.File == w.File && p.Line == w.Line {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem reported at %s:%d; got:\n%v", w.File, w.Line, text)
		}
	}
	for _, frag := range []string{"bad YAML", `"slack:nowhere"`, `"not_a_vendor:logs"`, "sounds_like"} {
		if !strings.Contains(text.Error(), frag) {
			t.Errorf("problems do not mention %s:\n%v", frag, text)
		}
	}
}

func TestLoad_SettingsErrors(t *testing.T) {
	cases := []struct {
		name, file, body, want string
		line                   int
	}{
		{"unknown global key", "global.yaml", "prefix: x\nlake: file://./l\nbuffr: {}\n", `unknown setting "buffr"`, 3},
		{"bad lake", "global.yaml", "prefix: x\nlake: /tmp/lake\n", "must start with file:// or s3://", 2},
		{"buffer over firehose max", "global.yaml", "prefix: x\nlake: file://l\nbuffer:\n  size_mib: 500\n", "between 1 and 128", 3},
		{"bad parquet compression", "global.yaml", "prefix: x\nlake: file://l\nparquet_compression: lz4\n", `parquet_compression "lz4" must be auto, zstd or snappy`, 3},
		{"max payload too small", "global.yaml", "prefix: x\nlake: file://l\nmax_payload_bytes: 999\n", `max_payload_bytes 999 must be between 1 MiB (1048576) and 4 GiB`, 3},
		{"bad token digest", "sources.yaml", "sources:\n  h:\n    type: http\n    log_types: [cloudtrail]\n    token: sha256:abc\n", "must be sha256: and 64 hex digits", 5},
		{"bad duration", "global.yaml", "prefix: x\nlake: file://l\nalerts:\n  staging_period: soon\n", "not a duration", 4},
		{"negative duration", "global.yaml", "prefix: x\nlake: file://l\nalerts:\n  staging_period: -1s\n", "cannot be negative (write off", 4},
		{"unknown source type", "sources.yaml", "sources:\n  a:\n    type: carrier_pigeon\n    log_types: [nginx]\n", "carrier_pigeon", 3},
		{"syslog without listen", "sources.yaml", "sources:\n  s:\n    type: syslog\n    log_types: [syslog]\n", "needs listen", 2},
		{"secret in outputs", "outputs.yaml", "slack:sec:\n  webhook_url: https://hooks.example/x\n", "looks like a secret", 2},
		{"output without descriptor", "outputs.yaml", "slack: {}\n", "service:descriptor", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeConfig(t, map[string]string{c.file: c.body})
			_, ps := LoadDir(dir)
			for _, p := range ps {
				if p.File == c.file && p.Line == c.line && strings.Contains(p.Msg, c.want) {
					return
				}
			}
			t.Fatalf("want %s:%d containing %q, got:\n%v", c.file, c.line, c.want, ps.Err())
		})
	}
}

func TestLoad_StagingPeriod(t *testing.T) {
	for in, want := range map[string]Duration{
		"48h":   Duration(48 * time.Hour),
		"2w":    Duration(14 * 24 * time.Hour),
		"1d12h": Duration(36 * time.Hour),
		"0s":    0,
		"off":   Off,
	} {
		dir := writeConfig(t, map[string]string{"global.yaml": "prefix: x\nlake: file://l\nalerts:\n  staging_period: " + in + "\n"})
		cfg, ps := LoadDir(dir)
		if err := ps.Err(); err != nil {
			t.Errorf("staging_period: %s: %v", in, err)
			continue
		}
		if got := cfg.Global.Alerts.StagingPeriod; got != want {
			t.Errorf("staging_period: %s = %v, want %v", in, time.Duration(got), time.Duration(want))
		}
	}
}

func TestValidate_Outputs(t *testing.T) {
	cases := []struct{ body, want string }{
		{"file:alerts:\n  path: a.jsonl\ncarrier:pigeon: {}\n", `unknown service "carrier"`},
		{"file:alerts:\n  path: a.jsonl\n  colour: blue\n", `takes no setting "colour"`},
	}
	for _, c := range cases {
		dir := writeConfig(t, map[string]string{"outputs.yaml": c.body})
		cfg, ps := LoadDir(dir)
		got := Validate(cfg, ps)
		if err := got.Err(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("outputs.yaml %q: want a problem containing %s, got %v", c.body, c.want, err)
		}
	}
}
