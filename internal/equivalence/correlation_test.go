package equivalence

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/correlation"
	"github.com/streamalert/streamalert/historical"
	"github.com/streamalert/streamalert/queries"
	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

var plantStart = time.Date(2024, 8, 1, 10, 0, 0, 0, time.UTC)

// plantPack plants scenarios for the pack's correlation rules and those of
// testdata/correlation_rules.yaml (the types the pack does not use).
func plantPack(t *testing.T) ([]*rules.Rule, *Planted) {
	t.Helper()
	pack, errs := rules.Pack(schema.Builtin())
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	tmpl, err := LoadTemplates("testdata/correlation_templates.yaml")
	if err != nil {
		t.Fatal(err)
	}
	extra, errs := rules.LoadFiles([]string{"testdata/correlation_rules.yaml"}, schema.Builtin())
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	corrs := append(append([]*rules.Rule(nil), pack.Correlations()...), extra.Correlations()...)
	p, err := tmpl.Plant(corrs, schema.Builtin(), plantStart, 7)
	if err != nil {
		t.Fatal(err)
	}
	return corrs, p
}

// TestEquivalence_CorrelationStreamingMatchesDuckDB is the correlation
// part of "one rule, one answer": over planted bursts, sequences and near
// misses, arriving out of order within the lateness, the streaming engine
// and the SQL raise the same alerts (rule, group, crossing record), and
// every planted scenario fires exactly as often as planned.
func TestEquivalence_CorrelationStreamingMatchesDuckDB(t *testing.T) {
	corrs, p := plantPack(t)
	rep, err := RunCorrelation(context.Background(), t.TempDir(), corrs, p.Records,
		correlation.Options{Lateness: p.MaxDelay + time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(rep.String())
	if !rep.OK() {
		t.Fatal(rep.String())
	}
	fired := map[string]int{}
	for k := range rep.Streaming {
		fired[k[:strings.LastIndexByte(k, 0)]]++
	}
	perRule := map[string]int{}
	kinds := map[string]bool{}
	for _, s := range p.Scenarios {
		kinds[s.Kind] = true
		if got := fired[s.Key()]; got != s.Fires {
			t.Errorf("%s: scenario %s (group %v): %d alerts, want %d", s.Rule, s.Kind, s.Group, got, s.Fires)
		}
		perRule[s.Rule] += fired[s.Key()]
	}
	for _, r := range corrs {
		if perRule[r.Name] == 0 {
			t.Errorf("%s: no alert at all", r.Name)
		}
	}
	for _, st := range rep.Stats {
		if st.Late != 0 || st.Evicted != 0 || st.NoGroup != 0 {
			t.Errorf("%s: stats %+v", st.Rule, st)
		}
	}
	for _, k := range []string{"hit", "repeat", "ties", "late", "short", "spread", "disorder"} {
		if !kinds[k] {
			t.Errorf("no %s scenario was planted", k)
		}
	}
	t.Logf("%d scenarios over %d correlation rules", len(p.Scenarios), len(corrs))
}

// TestEquivalence_CorrelationHarnessNoticesLateness: with no allowed
// lateness the out-of-order scenarios are evaluated too late, and the
// comparison must report it.
func TestEquivalence_CorrelationHarnessNoticesLateness(t *testing.T) {
	corrs, p := plantPack(t)
	rep, err := RunCorrelation(context.Background(), t.TempDir(), corrs, p.Records, correlation.Options{Lateness: -1})
	if err != nil {
		t.Fatal(err)
	}
	late := int64(0)
	for _, st := range rep.Stats {
		late += st.Late
	}
	if rep.OK() || late == 0 {
		t.Fatalf("without lateness: %d late events and no difference reported: %s", late, rep)
	}
}

// TestEquivalence_CorrelationBacktest: historical.Backtest (what `backtest
// NAME` runs) reports a correlation rule's crossings — the same rule,
// group and record as the streaming engine's alerts.
func TestEquivalence_CorrelationBacktest(t *testing.T) {
	ctx := context.Background()
	corrs, p := plantPack(t)
	e, err := correlation.New(corrs, correlation.Options{Lateness: p.MaxDelay + time.Second})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, r := range p.Records {
		for _, a := range e.Observe(r) {
			want[a.Rule.Name+"\x00"+strings.Join(a.Group, "\x00")+"\x00"+a.RecordID] = true
		}
	}
	for _, a := range e.Flush() {
		want[a.Rule.Name+"\x00"+strings.Join(a.Group, "\x00")+"\x00"+a.RecordID] = true
	}
	dir := t.TempDir()
	if err := writeLake(ctx, dir, dedupe(p.Records)); err != nil {
		t.Fatal(err)
	}
	var types []*schema.LogType
	seen := map[string]bool{}
	for _, r := range corrs {
		for _, lt := range r.LogTypes {
			if !seen[lt.Name] {
				seen[lt.Name] = true
				types = append(types, lt)
			}
		}
	}
	db, err := historical.Open(ctx, dir, types, historical.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Backtest(ctx, corrs, queries.TimeRange{}, historical.BacktestOptions{Samples: -1})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for i, rr := range res {
		if rr.Err != nil {
			t.Fatalf("%s: %v", rr.Rule, rr.Err)
		}
		for _, m := range rr.Records {
			vals := make([]string, len(corrs[i].Correlation.GroupBy))
			for j, g := range corrs[i].Correlation.GroupBy {
				vals[j] = m.Fields[g]
			}
			got[m.Rule+"\x00"+strings.Join(vals, "\x00")+"\x00"+m.RecordID] = true
		}
	}
	if len(got) != len(want) || len(want) == 0 {
		t.Fatalf("backtest: %d crossings, streaming: %d alerts", len(got), len(want))
	}
	for k := range want {
		if !got[k] {
			t.Errorf("backtest misses %q", k)
		}
	}
}
