package historical

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/queries"
	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// stratusLake writes the Stratus Red Team CloudTrail corpus into a lake,
// arriving over three days, and returns the records.
func stratusLake(t *testing.T, reg *schema.Registry, dir string) []*schema.Record {
	t.Helper()
	files, err := filepath.Glob("../rules/testdata/stratus/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("stratus corpus: %v", err)
	}
	sort.Strings(files)
	var payloads []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		payloads = append(payloads, string(data))
	}
	day := time.Date(2024, 8, 1, 9, 0, 0, 0, time.UTC)
	recs := classify(t, reg, "cloudtrail:events", payloads, day, day.Add(25*time.Hour), day.Add(49*time.Hour))
	writeLake(t, dir, recs)
	return recs
}

func cloudtrailRules(t *testing.T, reg *schema.Registry) []*rules.Rule {
	t.Helper()
	pack, errs := rules.Pack(reg)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	sigmaFiles, _ := filepath.Glob("../rules/testdata/sigma/aws_cloudtrail/*.yml")
	sigma, errs := rules.LoadFiles(sigmaFiles, reg)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	all, errs := rules.Merge(pack, sigma)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var out []*rules.Rule
	for _, r := range all.Rules() {
		if r.AppliesTo("cloudtrail:events") {
			c := *r
			c.Enabled = true
			out = append(out, &c)
		}
	}
	return out
}

// TestBacktest_StratusMatchesStreaming is the acceptance check of
// back-tests: over a lake made from the Stratus corpus, every CloudTrail
// rule selects in the back-test exactly the records the streaming matcher
// selects from the same records.
func TestBacktest_StratusMatchesStreaming(t *testing.T) {
	reg := testRegistry(t)
	dir := t.TempDir()
	recs := stratusLake(t, reg, dir)
	rs := cloudtrailRules(t, reg)

	set, errs := rules.NewSet(rs...)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := map[string]map[string]bool{}
	m := rules.NewMatcher(set)
	for _, rec := range recs {
		m.Match(rec, func(r *rules.Rule, _ rules.Match) {
			if want[r.Name] == nil {
				want[r.Name] = map[string]bool{}
			}
			want[r.Name][rec.ID] = true
		})
	}

	e := openEngine(t, dir, reg)
	rng := queries.TimeRange{From: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	results, err := e.Backtest(context.Background(), rs, rng, BacktestOptions{Samples: 2})
	if err != nil {
		t.Fatal(err)
	}
	total, ruleHits := 0, 0
	for _, res := range results {
		if res.Err != nil {
			t.Errorf("%s: %v", res.Rule, res.Err)
			continue
		}
		got := map[string]bool{}
		for _, m := range res.Records {
			got[m.RecordID] = true
			if m.Rule != res.Rule || m.LogType != "cloudtrail:events" {
				t.Errorf("%s: match %+v", res.Rule, m)
			}
		}
		if fmt.Sprint(sortedKeys(got)) != fmt.Sprint(sortedKeys(want[res.Rule])) {
			t.Errorf("%s: back-test selects %v, streaming %v", res.Rule, sortedKeys(got), sortedKeys(want[res.Rule]))
		}
		var perDay int64
		for _, d := range res.PerDay {
			perDay += d.Matches
		}
		if res.Matches != int64(len(res.Records)) || perDay != res.Matches {
			t.Errorf("%s: %d matches, %d records, %d per day", res.Rule, res.Matches, len(res.Records), perDay)
		}
		if len(res.Samples) != min(2, len(res.Records)) {
			t.Errorf("%s: %d samples of %d matches", res.Rule, len(res.Samples), res.Matches)
		}
		for i, s := range res.Samples {
			if s[queries.ColRecordID] != res.Records[i].RecordID {
				t.Errorf("%s: sample %d is %v, want the match %s", res.Rule, i, s[queries.ColRecordID], res.Records[i].RecordID)
			}
		}
		if res.BytesScanned <= 0 || res.Files != 3 || res.CostUSD < AthenaCostUSD(0) {
			t.Errorf("%s: scanned %d files, %d bytes, $%g", res.Rule, res.Files, res.BytesScanned, res.CostUSD)
		}
		total += int(res.Matches)
		if res.Matches > 0 {
			ruleHits++
		}
	}
	if len(results) != len(rs) || ruleHits < 10 {
		t.Errorf("%d results for %d rules, %d rules matched", len(results), len(rs), ruleHits)
	}
	t.Logf("%d rules, %d matched something, %d matches in all", len(rs), ruleHits, total)
}

// TestBacktest_TimeRangeAndRecords checks the event-time range, partition
// pruning, OnMatch and whole records.
func TestBacktest_TimeRangeAndRecords(t *testing.T) {
	reg := testRegistry(t)
	dir := t.TempDir()
	var payloads []string
	for d := 1; d <= 4; d++ {
		payloads = append(payloads, fmt.Sprintf(`{"name":"hit","when":"2024-05-0%dT12:00:00Z","user":{"name":"u%d"}}`, d, d),
			fmt.Sprintf(`{"name":"miss","when":"2024-05-0%dT12:00:00Z"}`, d))
	}
	var arrivals []time.Time
	for d := 1; d <= 4; d++ {
		at := time.Date(2024, 5, d, 12, 30, 0, 0, time.UTC)
		arrivals = append(arrivals, at, at)
	}
	writeLake(t, dir, classify(t, reg, "sqltest:events", payloads, arrivals...))
	r := loadTestRule(t, reg, "name: bt\nlogs: [sqltest:events]\ndetection:\n  sel:\n    name: hit\n  condition: sel\nmerge_by_keys: [user.name]\nmerge_window: 1h\n")
	e := openEngine(t, dir, reg)
	rng := queries.TimeRange{From: time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 5, 4, 0, 0, 0, 0, time.UTC), Late: time.Hour}
	var got []Match
	res, err := e.Backtest(context.Background(), []*rules.Rule{r}, rng, BacktestOptions{Records: true, OnMatch: func(m Match) error {
		got = append(got, m)
		return nil
	}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("%v %v", err, res[0].Err)
	}
	if len(got) != 2 || len(res[0].Records) != 0 {
		t.Fatalf("got %d matches (%d kept), want 2 through OnMatch", len(got), len(res[0].Records))
	}
	for i, m := range got {
		day := fmt.Sprintf("2024-05-0%d", i+2)
		if m.EventTime.Format("2006-01-02") != day || m.Fields["user.name"] != fmt.Sprintf("u%d", i+2) || m.Record["name"] != "hit" {
			t.Errorf("match %d: %+v", i, m)
		}
	}
	if fmt.Sprint(res[0].PerDay) != "[{2024-05-02 1} {2024-05-03 1}]" {
		t.Errorf("per day: %v", res[0].PerDay)
	}
	// Partitions 2024-05-01-23 … 2024-05-04-01: the days 2 and 3.
	if res[0].Files != 2 {
		t.Errorf("read %d files, want 2", res[0].Files)
	}
}

func loadTestRule(t *testing.T, reg rules.LogTypes, doc string) *rules.Rule {
	t.Helper()
	rs, errs := (&rules.Loader{LogTypes: reg}).LoadBytes("test.yaml", []byte(doc), false)
	if len(errs) > 0 || len(rs) != 1 {
		t.Fatalf("load rule: %v", errs)
	}
	return rs[0]
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestBacktestOn_AgreesWithBacktest: the engine-generic back-test (the one
// Athena runs) selects what Engine.Backtest selects, on DuckDB.
func TestBacktestOn_AgreesWithBacktest(t *testing.T) {
	reg := testRegistry(t)
	dir := t.TempDir()
	stratusLake(t, reg, dir)
	e := openEngine(t, dir, reg)
	rs := cloudtrailRules(t, reg)
	rng := queries.TimeRange{From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	want, err := e.Backtest(context.Background(), rs, rng, BacktestOptions{Samples: -1})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	got, err := BacktestOn(context.Background(), e, rs, rng, reg, func(m Match) error {
		ids = append(ids, m.Rule+"/"+m.RecordID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var wantIDs []string
	total := int64(0)
	for i := range want {
		if got[i].Matches != want[i].Matches || fmt.Sprint(got[i].PerDay) != fmt.Sprint(want[i].PerDay) || (got[i].Err == nil) != (want[i].Err == nil) {
			t.Errorf("%s: %d matches %v, Backtest %d %v", want[i].Rule, got[i].Matches, got[i].PerDay, want[i].Matches, want[i].PerDay)
		}
		for _, m := range want[i].Records {
			wantIDs = append(wantIDs, m.Rule+"/"+m.RecordID)
		}
		total += want[i].Matches
	}
	if total == 0 || strings.Join(ids, ",") != strings.Join(wantIDs, ",") {
		t.Errorf("%d matches; ids differ: %v vs %v", total, ids, wantIDs)
	}
}
