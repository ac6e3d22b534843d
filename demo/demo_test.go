package demo

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestRun_EndToEnd runs the demo on a small day and checks what it claims:
// every story step raised its alerts, the story rules raised nothing else,
// the streaming matcher and the SQL over the lake selected the same
// records, and every generated record is accounted for.
func TestRun_EndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline and DuckDB")
	}
	dir := filepath.Join(t.TempDir(), "data")
	var out strings.Builder
	rep, err := Run(context.Background(), Options{Records: 2000, Seed: 3, Day: testDay, DataDir: dir, Out: &out})
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	report := out.String()

	// Counts add up: generated = classified + unclassified, per log type.
	want := Counts(Generate(3, 2000, testDay))
	gen, cls := 0, 0
	for _, lt := range LogTypes {
		if rep.Generated[lt] != want[lt] {
			t.Errorf("%s: report says %d generated, the generator makes %d", lt, rep.Generated[lt], want[lt])
		}
		if rep.Classified[lt] != rep.Generated[lt] {
			t.Errorf("%s: %d generated, %d classified", lt, rep.Generated[lt], rep.Classified[lt])
		}
		gen += rep.Generated[lt]
		cls += rep.Classified[lt]
	}
	if gen != 2000 || rep.Records != gen || rep.Records != cls+rep.Unclassified || rep.Unclassified != 0 {
		t.Errorf("records: %d generated, %d received, %d classified, %d unclassified", gen, rep.Records, cls, rep.Unclassified)
	}

	// Every step of the story raised each of its rules' alerts.
	for _, s := range rep.Story {
		if miss := s.Missing(); len(miss) > 0 {
			t.Errorf("story step %q: no alert from %v", s.Title, miss)
		}
	}
	// The story rules alerted on the story only.
	_, _, set := testConfig(t)
	storyRules := 0
	for _, a := range rep.Alerts {
		r := set.Get(a.Rule)
		if r != nil && slices.Contains(r.Tags, "streamalert.demo") {
			storyRules++
			if !rep.IsStoryAlert(a) {
				t.Errorf("story rule %s alerted outside the story: key %s", a.Rule, keyText(a))
			}
		}
	}
	if storyRules < 8 {
		t.Errorf("%d alerts from story rules, want one per story rule at least (8)", storyRules)
	}

	// One rule, one answer: SQL over the lake selects what streaming did.
	ag := rep.Agreement
	if ag.Differences != 0 || len(ag.Failed) > 0 {
		t.Errorf("%s; failed: %v; examples: %v", ag, ag.Failed, ag.Examples)
	}
	if ag.Streaming != rep.Matches || ag.SQL != ag.Streaming || ag.Streaming == 0 {
		t.Errorf("%s; the pipeline counted %d matches", ag, rep.Matches)
	}
	if ag.Rules != set.Len() {
		t.Errorf("agreement over %d rules, the config runs %d", ag.Rules, set.Len())
	}
	// Correlation rules too: the streaming engine's crossings are the
	// SQL's, and the story has some.
	if ag.Correlations != len(set.Correlations()) || ag.CorrStreaming != rep.Crossings || ag.CorrSQL != ag.CorrStreaming || ag.CorrStreaming == 0 {
		t.Errorf("%s; the report counted %d crossings, the config has %d correlation rules", ag, rep.Crossings, len(set.Correlations()))
	}
	if !strings.Contains(report, ag.String()) {
		t.Errorf("report lacks the agreement line %q", ag.String())
	}

	// The hunts and the ad-hoc query found the attacker.
	if len(rep.Hunts) != 3 {
		t.Fatalf("%d hunts and queries ran, want 2 hunts and 1 query", len(rep.Hunts))
	}
	for _, h := range rep.Hunts {
		if h.Rows == 0 {
			t.Errorf("%s returned no rows:\n%s", h.Name, h.SQL)
		}
	}
	for _, s := range []string{AttackerIP, ExfilIP, "streamalert alerts list --data " + dir} {
		if !strings.Contains(report, s) {
			t.Errorf("report lacks %q", s)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "alerts.db")); err != nil {
		t.Errorf("--data kept no alert store: %v", err)
	}
	if t.Failed() {
		t.Log(report)
	}
}

func TestRun_RefusesUsedDataDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Run(context.Background(), Options{Records: 100, DataDir: dir})
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("demo into a used directory: err = %v, want 'not empty'", err)
	}
}

func TestRun_TemporaryDirIsRemoved(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline and DuckDB")
	}
	rep, err := Run(context.Background(), Options{Records: 300, Day: testDay})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kept {
		t.Error("report says the temporary directory was kept")
	}
	if _, err := os.Stat(rep.DataDir); !os.IsNotExist(err) {
		t.Errorf("temporary data directory %s still there (err %v)", rep.DataDir, err)
	}
}
