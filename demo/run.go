package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/historical"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/queries"
	"github.com/streamalert/streamalert/realtime"
	"github.com/streamalert/streamalert/realtime/serve"
	"github.com/streamalert/streamalert/rules"
)

// Options configure Run. The zero value runs the default demo.
type Options struct {
	// Records is the size of the day (DefaultRecords when 0).
	Records int
	// Seed picks the benign records; the story is always the same.
	Seed int64
	// Day is the day the logs are of; zero means yesterday (UTC).
	Day time.Time
	// DataDir keeps the result there (it must be new or empty); "" runs in
	// a temporary directory removed at the end.
	DataDir string
	// Out receives the report (io.Discard when nil).
	Out io.Writer
	// Progress, if set, is told how far the ingest is, in bytes of the
	// day's logs (done of total), from time to time.
	Progress func(done, total int64)
	// Logger receives the pipeline's logs (warnings and errors only when nil).
	Logger *slog.Logger
}

// Report is what a demo run found.
type Report struct {
	DataDir string
	Kept    bool
	Day     time.Time
	// Generated and Classified count records per log type; Records is
	// every record the pipeline received.
	Generated    map[string]int
	Classified   map[string]int
	Records      int
	Unclassified int
	// Matches is the rule matches the pipeline counted; Crossings the
	// correlation rules' alerts (one per group and window crossing).
	Matches   int
	Crossings int
	// Alerts are the alerts as an analyst sees them: merged alerts and
	// alerts that stand alone, not the suppressed ones nor the members of
	// a merge.
	Alerts     []*alerts.Alert
	Suppressed int
	Story      []StepResult
	Agreement  Agreement
	Hunts      []QueryResult
	Timings    Timings
}

// StepResult is a story step and the alerts that tell it.
type StepResult struct {
	Step
	// Alerts holds the step's alerts by rule.
	Alerts map[string][]*alerts.Alert
}

// Missing lists the step's rules that raised no alert.
func (s StepResult) Missing() []string {
	var out []string
	for _, r := range s.Rules {
		if len(s.Alerts[r]) == 0 {
			out = append(out, r)
		}
	}
	return out
}

// Agreement compares the streaming matches with the same rules run as SQL
// over the lake: both are sets of (rule, record id). Correlation rules are
// compared by their crossings: (rule, group, crossing record id).
type Agreement struct {
	Rules     int
	Streaming int
	SQL       int
	// Correlations is the number of correlation rules; CorrStreaming and
	// CorrSQL their crossings on each side.
	Correlations  int
	CorrStreaming int
	CorrSQL       int
	// Differences counts both kinds.
	Differences int
	// Failed names rules whose SQL could not run, with why.
	Failed []string
	// Examples show a few differences.
	Examples []string
}

// String is the agreement line the demo prints.
func (a Agreement) String() string {
	return fmt.Sprintf("rules: %d, streaming matches: %d, SQL matches: %d; correlation rules: %d, streaming windows: %d, SQL windows: %d; differences: %d",
		a.Rules, a.Streaming, a.SQL, a.Correlations, a.CorrStreaming, a.CorrSQL, a.Differences)
}

// QueryResult is a hunt or query the demo ran.
type QueryResult struct {
	Name string
	SQL  string
	Rows int
}

// Timings are the phases of a run.
type Timings struct {
	Generate, Ingest, Backtest, Queries, Total time.Duration
}

// Run runs the demo: a fresh data directory and the embedded default
// config, the generated day sent through the pipeline, then the report.
func Run(ctx context.Context, opts Options) (*Report, error) {
	start := time.Now()
	out := opts.Out
	if out == nil {
		out = io.Discard
	}
	if opts.Records <= 0 {
		opts.Records = DefaultRecords
	}
	if opts.Day.IsZero() {
		opts.Day = time.Now().UTC().AddDate(0, 0, -1)
	}
	day := time.Date(opts.Day.Year(), opts.Day.Month(), opts.Day.Day(), 0, 0, 0, 0, time.UTC)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	rep := &Report{Day: day}

	dir, kept, err := dataDir(opts.DataDir)
	if err != nil {
		return nil, err
	}
	rep.DataDir, rep.Kept = dir, kept
	if !kept {
		defer os.RemoveAll(dir)
	}
	cfg, ps := config.Load(config.Example(), "")
	if len(ps) > 0 {
		return nil, fmt.Errorf("demo: embedded config: %w", ps.Err())
	}

	t0 := time.Now()
	batches := Generate(opts.Seed, opts.Records, day)
	rep.Generated = Counts(batches)
	rep.Timings.Generate = time.Since(t0)
	total := 0
	for _, n := range rep.Generated {
		total += n
	}
	fmt.Fprintf(out, "streamalert demo: a day at Example Corp (%s UTC, %s records, seed %d)\n", day.Format("2006-01-02"), thousands(total), opts.Seed)
	fmt.Fprintf(out, "50 people, 7 servers, one AWS account; an attack is hidden in the day.\n")
	if kept {
		fmt.Fprintf(out, "data directory: %s\n", dir)
	}
	fmt.Fprintln(out)

	// Ingest: the batches go in as the sources would send them.
	t0 = time.Now()
	app, err := serve.OpenApp(ctx, cfg, dir, serve.AppOptions{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if err := ingest(ctx, app, batches, opts.Progress); err != nil {
		app.Close(ctx)
		return nil, err
	}
	m := app.Metrics
	ruleList := app.Rules.Rules()
	corrList := app.Rules.Correlations()
	lakeRoot := app.LakeRoot
	registry := app.Registry
	if err := app.Finish(ctx); err != nil {
		return nil, fmt.Errorf("demo: finish: %w", err)
	}
	rep.Timings.Ingest = time.Since(t0)
	rep.Records = int(m.Sum("streamalert_records_in_total"))
	rep.Unclassified = int(m.Sum("streamalert_records_unclassified_total"))
	rep.Matches = int(m.Sum("streamalert_rule_matches_total"))
	rep.Classified = map[string]int{}
	for _, lt := range LogTypes {
		for _, src := range []string{"http", "syslog"} {
			rep.Classified[lt] += int(m.Value(fmt.Sprintf(`streamalert_records_classified_total{source=%q,log_type=%q}`, src, lt)))
		}
	}
	all, err := storedAlerts(ctx, dir)
	if err != nil {
		return nil, err
	}
	streaming, windows := map[string]bool{}, map[string]bool{}
	for _, a := range all {
		// Every match is stored as an alert (also those a threshold held
		// back); merged alerts stand for others and have no record.
		switch {
		case a.Source == realtime.CorrelationSource:
			windows[crossingKey(app.Rules.Get(a.Rule), a)] = true
		case a.RecordID != "":
			streaming[a.Rule+"\x00"+a.RecordID] = true
		}
		switch a.Status {
		case alerts.StatusSuppressed:
			rep.Suppressed++
		case alerts.StatusMerged:
		default:
			rep.Alerts = append(rep.Alerts, a)
		}
	}
	rep.Crossings = len(windows)
	sort.SliceStable(rep.Alerts, func(i, j int) bool { return firstSeen(rep.Alerts[i]).Before(firstSeen(rep.Alerts[j])) })
	rep.Story = tellStory(day, rep.Alerts)
	printIngest(out, rep, len(ruleList), len(corrList))

	// The same rules as SQL over the lake that was just written.
	t0 = time.Now()
	eng, err := historical.Open(ctx, lakeRoot, registry.All(), historical.Options{Threads: 2})
	if err != nil {
		return nil, fmt.Errorf("demo: open the lake for SQL: %w", err)
	}
	defer eng.Close()
	rep.Agreement, err = agree(ctx, eng, ruleList, corrList, day, streaming, windows)
	if err != nil {
		return nil, err
	}
	rep.Timings.Backtest = time.Since(t0)
	fmt.Fprintf(out, "Every streaming rule and correlation rule again, compiled to SQL and run by DuckDB over the lake just written (%s):\n", round(rep.Timings.Backtest))
	fmt.Fprintf(out, "  %s\n", rep.Agreement)
	for _, f := range rep.Agreement.Failed {
		fmt.Fprintf(out, "  rule failed: %s\n", f)
	}
	for _, e := range rep.Agreement.Examples {
		fmt.Fprintf(out, "  difference: %s\n", e)
	}
	fmt.Fprintln(out)

	// Two hunts from the config and one ad-hoc question.
	t0 = time.Now()
	hunts, errs := queries.LoadHunts(cfg.FS, "hunts")
	if len(errs) > 0 {
		return nil, fmt.Errorf("demo: hunts: %w", errors.Join(errs...))
	}
	for _, h := range hunts {
		// The day's records arrived now (see agree).
		q, err := h.RenderRange(queries.DuckDB, queries.TimeRange{From: day, To: day.Add(24 * time.Hour), Late: time.Since(day) + time.Hour}, nil)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "Hunt %s (hunts/%s, every %s): %s\n", h.Name, filepath.Base(h.File), h.Schedule.String(), h.Description)
		r, err := runQuery(ctx, eng, out, h.Name, q)
		if err != nil {
			return nil, err
		}
		rep.Hunts = append(rep.Hunts, r)
	}
	adhoc := adHocQuery()
	fmt.Fprintf(out, "Ad-hoc: where does %s appear? (the normalized ip_address column of every table)\n", AttackerIP)
	r, err := runQuery(ctx, eng, out, "adhoc", adhoc)
	if err != nil {
		return nil, err
	}
	rep.Hunts = append(rep.Hunts, r)
	rep.Timings.Queries = time.Since(t0)
	rep.Timings.Total = time.Since(start)

	printNext(out, rep)
	return rep, nil
}

// dataDir makes the run's data directory: the one asked for (new or
// empty), or a temporary one.
func dataDir(dir string) (string, bool, error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "streamalert-demo-")
		return d, false, err
	}
	ents, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return "", false, fmt.Errorf("demo: --data %s: %w", dir, err)
	case len(ents) > 0:
		return "", false, fmt.Errorf("demo: --data %s is not empty; the demo starts from a fresh directory", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", false, fmt.Errorf("demo: --data %s: %w", dir, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", false, err
	}
	return abs, true, nil
}

// ingest submits the batches as sources would, hour by hour, and waits
// until everything is processed.
func ingest(ctx context.Context, app *serve.App, batches []Batch, progress func(done, total int64)) error {
	// Only the runner: the alert loop of a server (closing merge groups,
	// dispatching on a timer) is what App.Finish does once at the end.
	app.Runner.Start(ctx)
	var bytes, records int64
	for _, b := range batches {
		bytes += int64(len(b.Payload))
		records += int64(b.Records)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	if progress != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-done:
					progress(bytes, bytes)
					return
				case <-t.C:
					n := app.Metrics.Sum("streamalert_records_in_total")
					progress(bytes*n/max(records, 1), bytes)
				}
			}
		}()
	}
	defer wg.Wait()
	defer close(done)
	for _, b := range batches {
		if _, err := app.Runner.SubmitWait(ctx, b.Source, time.Now().UTC(), b.Payload); err != nil {
			return fmt.Errorf("demo: submit %s batch of %s: %w", b.LogType, b.Hour.Format("15:04"), err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	app.Runner.Drain()
	return nil
}

// storedAlerts reads every alert from the data directory's store.
func storedAlerts(ctx context.Context, dir string) ([]*alerts.Alert, error) {
	st, err := alerts.OpenBolt(alerts.DefaultStorePath(dir))
	if err != nil {
		return nil, fmt.Errorf("demo: open alert store: %w", err)
	}
	defer st.Close()
	all, err := st.List(ctx, alerts.Filter{})
	if err != nil {
		return nil, fmt.Errorf("demo: list alerts: %w", err)
	}
	return all, nil
}

// firstSeen is the event time of an alert's first record.
func firstSeen(a *alerts.Alert) time.Time {
	if a.Merge != nil {
		return a.Merge.First
	}
	return a.EventTime
}

func count(a *alerts.Alert) int {
	if a.Merge != nil {
		return a.Merge.Count
	}
	return 1
}

// tellStory finds each step's alerts: alerts of the step's rules whose
// record (or merge summary) carries the step's mark.
func tellStory(day time.Time, shown []*alerts.Alert) []StepResult {
	text := make([]string, len(shown))
	for i, a := range shown {
		b, _ := json.Marshal(struct {
			R any `json:"r"`
			K any `json:"k"`
			M any `json:"m"`
		}{a.Record, a.KeyValues, a.Merge})
		text[i] = string(b)
	}
	var out []StepResult
	for _, s := range Story(day) {
		sr := StepResult{Step: s, Alerts: map[string][]*alerts.Alert{}}
		for i, a := range shown {
			if slices.Contains(s.Rules, a.Rule) && strings.Contains(text[i], s.Mark) {
				sr.Alerts[a.Rule] = append(sr.Alerts[a.Rule], a)
			}
		}
		out = append(out, sr)
	}
	return out
}

// IsStoryAlert reports whether an alert belongs to a step of the story.
func (r *Report) IsStoryAlert(a *alerts.Alert) bool {
	for _, s := range r.Story {
		if slices.Contains(s.Alerts[a.Rule], a) {
			return true
		}
	}
	return false
}

// crossingKey is a correlation alert as the comparison sees it: rule,
// group values in group-by order, crossing record id.
func crossingKey(r *rules.Rule, a *alerts.Alert) string {
	parts := []string{a.Rule}
	group, _ := a.Record["group"].(map[string]any)
	if r != nil && r.Correlation != nil {
		for _, g := range r.Correlation.GroupBy {
			parts = append(parts, fmt.Sprint(group[g]))
		}
	}
	id, _ := a.Record["record_id"].(string)
	return strings.Join(append(parts, id), "\x00")
}

// agree runs every rule as SQL over the day and compares what it selects
// with what the streaming matcher selected, and every correlation rule's
// SQL with the crossings the streaming engine raised.
func agree(ctx context.Context, eng *historical.Engine, rs, corrs []*rules.Rule, day time.Time, streaming, windows map[string]bool) (Agreement, error) {
	ag := Agreement{Rules: len(rs), Streaming: len(streaming), Correlations: len(corrs), CorrStreaming: len(windows)}
	sqlSet, sqlWindows := map[string]bool{}, map[string]bool{}
	byName := map[string]*rules.Rule{}
	for _, r := range corrs {
		byName[r.Name] = r
	}
	// The lake is partitioned by arrival: the day's records arrived now.
	rng := queries.TimeRange{From: day, To: day.Add(24 * time.Hour), Late: time.Since(day) + time.Hour}
	res, err := eng.Backtest(ctx, append(append([]*rules.Rule(nil), rs...), corrs...), rng, historical.BacktestOptions{Samples: -1, OnMatch: func(m historical.Match) error {
		if c := byName[m.Rule]; c != nil {
			parts := []string{m.Rule}
			for _, g := range c.Correlation.GroupBy {
				parts = append(parts, m.Fields[g])
			}
			sqlWindows[strings.Join(append(parts, m.RecordID), "\x00")] = true
			return nil
		}
		sqlSet[m.Rule+"\x00"+m.RecordID] = true
		return nil
	}})
	if err != nil {
		return ag, fmt.Errorf("demo: backtest: %w", err)
	}
	for _, r := range res {
		if r.Err != nil {
			ag.Failed = append(ag.Failed, r.Err.Error())
		}
	}
	ag.SQL, ag.CorrSQL = len(sqlSet), len(sqlWindows)
	var examples []string
	for k := range streaming {
		if !sqlSet[k] {
			ag.Differences++
			rule, id, _ := strings.Cut(k, "\x00")
			examples = append(examples, fmt.Sprintf("%s selected record %s in streaming only", rule, id))
		}
	}
	for k := range sqlSet {
		if !streaming[k] {
			ag.Differences++
			rule, id, _ := strings.Cut(k, "\x00")
			examples = append(examples, fmt.Sprintf("%s selected record %s in SQL only", rule, id))
		}
	}
	for k := range windows {
		if !sqlWindows[k] {
			ag.Differences++
			examples = append(examples, "correlation "+strings.ReplaceAll(k, "\x00", " | ")+" in streaming only")
		}
	}
	for k := range sqlWindows {
		if !windows[k] {
			ag.Differences++
			examples = append(examples, "correlation "+strings.ReplaceAll(k, "\x00", " | ")+" in SQL only")
		}
	}
	sort.Strings(examples)
	ag.Examples = examples[:min(len(examples), 5)]
	return ag, nil
}

// runQuery runs one statement and prints its rows as a table.
func runQuery(ctx context.Context, eng *historical.Engine, out io.Writer, name, q string) (QueryResult, error) {
	var b strings.Builder
	st, err := eng.Run(ctx, q, &b, "table", nil)
	if err != nil {
		return QueryResult{}, fmt.Errorf("demo: %s: %w\n%s", name, err, q)
	}
	for _, line := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
		fmt.Fprintf(out, "  %s\n", line)
	}
	fmt.Fprintf(out, "  (%s, %s, %s read, %s)\n\n", plural(int(st.Rows), "row", "rows"), plural(st.Files, "file", "files"), bytesText(st.Bytes), round(st.Elapsed))
	return QueryResult{Name: name, SQL: q, Rows: int(st.Rows)}, nil
}

// adHocQuery asks every table of the demo where the attacker's address
// appears, through the normalized ip_address column the log types share.
func adHocQuery() string {
	var parts []string
	for _, t := range []string{"linux_auth", "aws_vpc_flow", "okta_system", "cloudtrail_events"} {
		parts = append(parts, fmt.Sprintf(`SELECT '%s' AS "table", count(*) AS records, min(sa_event_time) AS first_seen, max(sa_event_time) AS last_seen
FROM %s WHERE list_contains(sa_normalized.ip_address, '%s')`, t, t, AttackerIP))
	}
	return strings.Join(parts, "\nUNION ALL\n") + "\nORDER BY first_seen"
}
