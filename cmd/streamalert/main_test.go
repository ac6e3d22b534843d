package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// run executes the CLI in-process and returns stdout, stderr and the exit
// status main would use.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	root := newRoot()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(append([]string{"--log-format", "text"}, args...))
	err := root.Execute()
	code := 0
	var ee exitError
	switch {
	case errors.As(err, &ee):
		code = ee.code
	case err != nil:
		errb.WriteString(err.Error())
		code = 1
	}
	return out.String(), errb.String(), code
}

func TestInitThenValidate_ExitsZero(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "x")
	if _, errs, code := run(t, "init", dir); code != 0 {
		t.Fatalf("init: %d %s", code, errs)
	}
	out, errs, code := run(t, "--config", dir, "validate")
	if code != 0 || !strings.Contains(out, "ok") {
		t.Fatalf("validate of a fresh init: exit %d\n%s%s", code, out, errs)
	}
}

func TestValidate_NamesEveryProblemWithFileAndLine(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "x")
	if _, errs, code := run(t, "init", dir); code != 0 {
		t.Fatal(errs)
	}
	write := func(name, body string) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A rule sending to an output nobody configured, a source with an
	// unknown log type, and a YAML syntax error in another rule file.
	write("rules/bad_ref.yaml", "name: bad_ref\nlogs: [nginx:access]\ndetection:\n  sel: {status: 500}\n  condition: sel\noutputs: [pagerduty:nobody]\n")
	write("sources.yaml", "sources:\n  web:\n    type: http\n    token: t\n    log_types: [nginx, acme:firewall]\n")
	write("rules/broken.yaml", "name: broken\nlogs: [nginx:access\ndetection: {}\n")
	_, errs, code := run(t, "--config", dir, "validate")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, errs)
	}
	for _, want := range []string{
		dir + "/rules/bad_ref.yaml:6:",
		dir + "/sources.yaml:5:",
		dir + "/rules/broken.yaml:",
		`"pagerduty:nobody"`, `"acme:firewall"`,
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("validate output lacks %q:\n%s", want, errs)
		}
	}
}

func TestValidate_MissingConfigDirIsAProblemNotACrash(t *testing.T) {
	_, errs, code := run(t, "--config", filepath.Join(t.TempDir(), "none"), "validate")
	if code != 1 || !strings.Contains(errs, "config directory not found") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

func TestHelp_ListsOnlyWorkingCommands(t *testing.T) {
	out, _, _ := run(t, "--help")
	for _, c := range []string{"init", "validate", "version", "schemas", "classify", "rules", "serve", "ingest", "alerts", "outputs"} {
		if !strings.Contains(out, "\n  "+c+" ") {
			t.Errorf("--help does not list %s", c)
		}
	}
}

func TestClassify_CorpusAllCloudTrail(t *testing.T) {
	files, _ := filepath.Glob("../../rules/testdata/stratus/*.json")
	if len(files) == 0 {
		t.Fatal("no corpus")
	}
	out, errs, code := run(t, append([]string{"classify"}, files...)...)
	if code != 0 {
		t.Fatal(errs)
	}
	if !strings.Contains(errs, "310 records: 310 classified, 0 unclassified") {
		t.Fatalf("summary: %s", errs)
	}
	if n := strings.Count(out, `"log_type":"cloudtrail:events"`); n != 310 {
		t.Fatalf("%d cloudtrail lines", n)
	}
}

// matchSet reads JSON lines of matches into a set of "rule record_id".
func matchSet(t *testing.T, out string) map[string]bool {
	t.Helper()
	set := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var m struct {
			Rule     string `json:"rule"`
			RecordID string `json:"record_id"`
		}
		if err := json.Unmarshal([]byte(line), &m); err != nil || m.Rule == "" || m.RecordID == "" {
			t.Fatalf("bad match line %q: %v", line, err)
		}
		set[m.Rule+" "+m.RecordID] = true
	}
	return set
}

func TestBacktest_AgreesWithRulesRunOnTheStratusCorpus(t *testing.T) {
	files, _ := filepath.Glob("../../rules/testdata/stratus/*.json")
	data := t.TempDir()
	if _, errs, code := run(t, append([]string{"ingest", "--data", data}, files...)...); code != 0 {
		t.Fatalf("ingest: %s", errs)
	}
	streamOut, errs, code := run(t, append([]string{"rules", "run", "--format", "json"}, files...)...)
	if code != 0 {
		t.Fatal(errs)
	}
	sqlOut, errs, code := run(t, "backtest", "--all", "--data", data, "--since", "10000d", "--format", "json")
	if code != 0 {
		t.Fatal(errs)
	}
	stream, sql := matchSet(t, streamOut), matchSet(t, sqlOut)
	if len(stream) == 0 {
		t.Fatal("no streaming matches: the comparison would prove nothing")
	}
	// Correlation rules: the backtest's crossings (rule, crossing record)
	// are the correlation alerts ingest stored.
	corrSQL, corrStream := map[string]bool{}, correlationCrossings(t, data)
	for k := range sql {
		rule, _, _ := strings.Cut(k, " ")
		if isCorrelationRule(t, rule) {
			corrSQL[k] = true
			delete(sql, k)
		}
	}
	if len(corrSQL) == 0 || fmt.Sprint(corrSQL) != fmt.Sprint(corrStream) {
		t.Errorf("correlation crossings: backtest %v, stored alerts %v", corrSQL, corrStream)
	}
	for k := range stream {
		if !sql[k] {
			t.Errorf("streaming match %s missing from the backtest", k)
		}
	}
	for k := range sql {
		if !stream[k] {
			t.Errorf("backtest match %s not found by streaming", k)
		}
	}
	t.Logf("%d matches agree", len(stream))

	// The alerts the back-test says the matches would have made (after the
	// rule's threshold and merging) are the alerts streaming made.
	for _, rule := range []string{"cloudtrail_access_denied_burst", "cloudtrail_logging_stopped"} {
		out, errs, code := run(t, "alerts", "list", "--data", data, "--rule", rule, "--status", "pending,delivered,failed,staged", "--format", "json")
		if code != 0 {
			t.Fatal(errs)
		}
		streamed := len(strings.Split(strings.TrimSpace(out), "\n"))
		if strings.TrimSpace(out) == "" {
			streamed = 0
		}
		table, errs, code := run(t, "backtest", rule, "--data", data, "--since", "10000d")
		if code != 0 {
			t.Fatal(errs)
		}
		var matches, would int
		for _, line := range strings.Split(table, "\n") {
			if f := strings.Fields(line); len(f) > 2 && f[0] == rule {
				fmt.Sscan(f[1], &matches)
				fmt.Sscan(f[2], &would)
			}
		}
		if matches == 0 || would != streamed {
			t.Errorf("%s: backtest says %d matches would make %d alerts; streaming made %d", rule, matches, would, streamed)
		}
	}
}

var correlationRules struct {
	once  sync.Once
	names map[string]bool
}

// isCorrelationRule reports whether `rules list` shows rule as a
// correlation rule.
func isCorrelationRule(t *testing.T, rule string) bool {
	correlationRules.once.Do(func() {
		correlationRules.names = map[string]bool{}
		out, errs, code := run(t, "rules", "list")
		if code != 0 {
			t.Fatal(errs)
		}
		for _, line := range strings.Split(out, "\n") {
			if f := strings.Fields(line); len(f) > 0 && strings.Contains(line, "(correlation: ") {
				correlationRules.names[f[0]] = true
			}
		}
	})
	if len(correlationRules.names) == 0 {
		t.Fatal("rules list shows no correlation rules")
	}
	return correlationRules.names[rule]
}

// correlationCrossings lists the correlation alerts of the data directory's
// store as "rule crossing-record-id".
func correlationCrossings(t *testing.T, data string) map[string]bool {
	t.Helper()
	out, errs, code := run(t, "alerts", "list", "--data", data, "--status", "suppressed,merging,merged,staged,pending,delivered,failed", "--format", "json")
	if code != 0 {
		t.Fatal(errs)
	}
	set := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var a struct {
			Rule   string         `json:"rule"`
			Source string         `json:"source"`
			Record map[string]any `json:"record"`
		}
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("bad alert line %q: %v", line, err)
		}
		if a.Source == "correlation" {
			set[fmt.Sprintf("%s %v", a.Rule, a.Record["record_id"])] = true
		}
	}
	return set
}
