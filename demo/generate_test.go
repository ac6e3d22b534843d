package demo

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var testDay = time.Date(2024, 3, 3, 0, 0, 0, 0, time.UTC)

// testConfig is the embedded default config's registry and rules, as the
// demo runs them.
func testConfig(t testing.TB) (*config.Config, *schema.Registry, *rules.Set) {
	t.Helper()
	cfg, ps := config.Load(config.Example(), "")
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	r, err := config.Resolve(cfg, config.Parts{Rules: true})
	if err != nil {
		t.Fatal(err)
	}
	return cfg, r.Registry, r.Rules
}

func TestGenerate_SameSeedSameBytes(t *testing.T) {
	a := Generate(42, 3000, testDay)
	b := Generate(42, 3000, testDay)
	if len(a) != len(b) {
		t.Fatalf("same seed: %d batches, then %d", len(a), len(b))
	}
	for i := range a {
		if a[i].LogType != b[i].LogType || a[i].Source != b[i].Source || !a[i].Hour.Equal(b[i].Hour) ||
			a[i].Records != b[i].Records || !bytes.Equal(a[i].Payload, b[i].Payload) {
			t.Fatalf("same seed: batch %d (%s %s) differs", i, a[i].LogType, a[i].Hour.Format("15:04"))
		}
	}
	c := Generate(43, 3000, testDay)
	if digest(a) == digest(c) {
		t.Fatal("seeds 42 and 43 gave the same day")
	}
	// The story does not depend on the seed: both days hold its records.
	for _, lt := range LogTypes {
		for _, e := range storyEvents(testDay).byType[lt] {
			if !bytes.Contains(join(c, lt), e.line) {
				t.Errorf("seed 43: %s story record missing: %s", lt, e.line)
			}
		}
	}
}

// TestGenerate_Golden pins the bytes of a small day: a change to the
// generator shows here (go test ./demo -run Golden -update accepts it).
func TestGenerate_Golden(t *testing.T) {
	bs := Generate(7, 1500, testDay)
	var b strings.Builder
	for _, x := range bs {
		fmt.Fprintf(&b, "%s %-20s %-6s %4d %x\n", x.Hour.Format("15:04"), x.LogType, x.Source, x.Records, sha256.Sum256(x.Payload))
	}
	got := b.String()
	path := filepath.Join("testdata", "generate_seed7_1500.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("generated day differs from %s (run with -update if the change is meant):\n%s", path, diffLines(string(want), got))
	}
}

func TestGenerate_Sizes(t *testing.T) {
	story := storyEvents(testDay).total()
	for _, n := range []int{0, 10, story, 600, 2000, 20000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			counts := Counts(Generate(1, n, testDay))
			total := 0
			for _, lt := range LogTypes {
				if counts[lt] < len(storyEvents(testDay).byType[lt]) {
					t.Errorf("%s: %d records, fewer than the story's %d", lt, counts[lt], len(storyEvents(testDay).byType[lt]))
				}
				total += counts[lt]
			}
			if want := max(n, story); total != want {
				t.Errorf("%d records in all, want %d", total, want)
			}
		})
	}
}

// TestGenerate_Classifies: every record classifies as the log type it was
// written as, through the source it is sent on, and no two records of a
// log type are the same record (their ids are distinct).
func TestGenerate_Classifies(t *testing.T) {
	cfg, reg, _ := testConfig(t)
	cls := schema.NewClassifier(reg)
	for _, seed := range []int64{1, 2, 3} {
		bs := Generate(seed, 6000, testDay)
		ids := map[string]bool{}
		got := map[string]int{}
		for _, b := range bs {
			src, ok := cfg.Source(b.Source)
			if !ok {
				t.Fatalf("batch source %q is not in the example sources.yaml", b.Source)
			}
			types, err := reg.Select(src.LogTypes)
			if err != nil {
				t.Fatal(err)
			}
			err = cls.Classify(b.Payload, schema.Input{Source: b.Source, Types: types, IngestTime: testDay.Add(25 * time.Hour)},
				func(r *schema.Record) {
					if r.LogType.Name != b.LogType {
						t.Errorf("seed %d: a %s record classified as %s: %s", seed, b.LogType, r.LogType.Name, r.Raw)
					}
					if ids[r.ID] {
						t.Errorf("seed %d: record %s twice: %s", seed, r.ID, r.Raw)
					}
					ids[r.ID] = true
					if !r.EventTime.After(testDay.Add(-time.Second)) || !r.EventTime.Before(testDay.Add(24*time.Hour)) {
						t.Errorf("seed %d: event time %s outside the day: %s", seed, r.EventTime, r.Raw)
					}
					got[r.LogType.Name]++
				},
				func(u *schema.Unclassified) {
					t.Errorf("seed %d: %s record unclassified (%s): %s", seed, b.LogType, u.Reason, u.Raw)
				})
			if err != nil {
				t.Fatal(err)
			}
		}
		want := Counts(bs)
		for _, lt := range LogTypes {
			if got[lt] != want[lt] {
				t.Errorf("seed %d: %s: %d records classified, %d generated", seed, lt, got[lt], want[lt])
			}
		}
	}
}

// TestGenerate_BenignDoesNotTellTheStory: the everyday records never make
// a story rule (the pack's streamalert.demo rules) alert. Rules without a
// threshold must not match them at all; rules with one may, but never
// threshold times per merge key within the rule's window.
func TestGenerate_BenignDoesNotTellTheStory(t *testing.T) {
	_, reg, set := testConfig(t)
	var story []*rules.Rule
	for _, r := range set.Rules() {
		if slices.Contains(r.Tags, "streamalert.demo") {
			story = append(story, r)
		}
	}
	if len(story) < 8 {
		t.Fatalf("%d rules tagged streamalert.demo, want at least 8", len(story))
	}
	m := rules.NewMatcher(set.Filter(func(r *rules.Rule) bool { return slices.Contains(story, r) }))
	cls := schema.NewClassifier(reg)
	storyRaw := map[string]bool{}
	for _, evs := range storyEvents(testDay).byType {
		for _, e := range evs {
			storyRaw[string(e.line)] = true
		}
	}
	for _, seed := range []int64{1, 2, 3, 4, 5} {
		// key → event times of benign matches, per rule
		hits := map[*rules.Rule]map[string][]time.Time{}
		for _, b := range Generate(seed, 20000, testDay) {
			err := cls.Classify(b.Payload, schema.Input{Source: b.Source}, func(rec *schema.Record) {
				if storyRaw[string(bytes.TrimSpace(rec.Raw))] || storyRaw[string(rec.Raw)] {
					return
				}
				m.Match(rec, func(r *rules.Rule, _ rules.Match) {
					if r.Threshold <= 1 {
						t.Errorf("seed %d: benign record matches story rule %s: %s", seed, r.Name, rec.Raw)
						return
					}
					var key []string
					for _, k := range r.MergeByKeys {
						key = append(key, rec.Get(strings.Split(k, ".")...).S)
					}
					if hits[r] == nil {
						hits[r] = map[string][]time.Time{}
					}
					k := strings.Join(key, "\x00")
					hits[r][k] = append(hits[r][k], rec.EventTime)
				})
			}, func(*schema.Unclassified) {})
			if err != nil {
				t.Fatal(err)
			}
		}
		for r, byKey := range hits {
			for k, ts := range byKey {
				slices.SortFunc(ts, time.Time.Compare)
				for i := 0; i+r.Threshold-1 < len(ts); i++ {
					if ts[i+r.Threshold-1].Sub(ts[i]) < r.MergeWindow {
						t.Errorf("seed %d: %d benign matches of %s for key %q within %s", seed, r.Threshold, r.Name, k, r.MergeWindow)
						break
					}
				}
			}
		}
	}
}

func TestStory_StepsInOrder(t *testing.T) {
	steps := Story(testDay.Add(13 * time.Hour))
	for i, s := range steps {
		if !s.Time.After(testDay) || !s.Time.Before(testDay.Add(24*time.Hour)) {
			t.Errorf("step %d %q at %s: outside the day", i, s.Title, s.Time)
		}
		if i > 0 && s.Time.Before(steps[i-1].Time) {
			t.Errorf("step %d %q at %s: before the step before it", i, s.Title, s.Time)
		}
		if len(s.Rules) == 0 || s.Mark == "" {
			t.Errorf("step %d %q: no rules or no mark", i, s.Title)
		}
	}
	_, _, set := testConfig(t)
	for _, s := range steps {
		for _, r := range s.Rules {
			if set.Get(r) == nil {
				t.Errorf("step %q names rule %s, which the default config does not run", s.Title, r)
			}
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Generate(1, DefaultRecords, testDay)
	}
}

func digest(bs []Batch) string {
	h := sha256.New()
	for _, b := range bs {
		h.Write(b.Payload)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func join(bs []Batch, logType string) []byte {
	var out []byte
	for _, b := range bs {
		if b.LogType == logType {
			out = append(out, b.Payload...)
		}
	}
	return out
}

// diffLines lists the lines of got that want does not have, and back.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for _, l := range w {
		if !slices.Contains(g, l) {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	for _, l := range g {
		if !slices.Contains(w, l) {
			fmt.Fprintf(&b, "+ %s\n", l)
		}
	}
	return b.String()
}

// TestGenerate_CloudTrailGap: while the trail is stopped, CloudTrail
// records nothing.
func TestGenerate_CloudTrailGap(t *testing.T) {
	_, reg, _ := testConfig(t)
	cls := schema.NewClassifier(reg)
	from, to := cloudTrailGap(testDay)
	n := 0
	for _, b := range Generate(1, 20000, testDay) {
		if b.LogType != CloudTrail {
			continue
		}
		err := cls.Classify(b.Payload, schema.Input{Source: b.Source}, func(r *schema.Record) {
			n++
			if r.EventTime.After(from) && r.EventTime.Before(to) {
				t.Errorf("CloudTrail event at %s, while the trail is stopped (%s to %s)", r.EventTime.Format("15:04:05"), from.Format("15:04:05"), to.Format("15:04:05"))
			}
		}, func(u *schema.Unclassified) { t.Errorf("unclassified: %s", u.Raw) })
		if err != nil {
			t.Fatal(err)
		}
	}
	if n < 1000 {
		t.Errorf("%d CloudTrail events in the day, want the default day's ~3,000", n)
	}
}
