package scheduler_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/historical"
	"github.com/streamalert/streamalert/historical/scheduler"
	"github.com/streamalert/streamalert/internal/laketest"
	"github.com/streamalert/streamalert/queries"
	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// t0 is the test's start: a minute boundary.
var t0 = time.Date(2024, 6, 10, 12, 0, 0, 0, time.UTC)

// failuresHunt alerts per address with failed SSH logins in each minute.
const failuresHunt = `name: ssh_failures_minute
description: failed SSH logins per address, every minute
schedule: 1m
severity: low
key: [src_ip]
sql: |
  SELECT src_ip, count(*) AS failures
  FROM linux_auth
  WHERE dt >= {{dt_start}} AND dt <= {{dt_end}}
    AND sa_event_time >= {{start}} AND sa_event_time < {{end}}
    AND ssh_result = 'Failed'
  GROUP BY src_ip
  ORDER BY src_ip
`

func hunt(t *testing.T, doc string) *queries.Hunt {
	t.Helper()
	hs, errs := queries.ParseHunts("test.yaml", []byte(doc))
	if len(errs) > 0 || len(hs) != 1 {
		t.Fatal(errs)
	}
	return hs[0]
}

// lake writes failed logins from 198.51.100.<m> in minute m after t0-10m
// (one per minute, from -10m to +20m), and opens DuckDB over it.
func lake(t *testing.T) *historical.Engine {
	t.Helper()
	reg := schema.Builtin()
	var recs []*schema.Record
	for m := -10; m < 20; m++ {
		at := t0.Add(time.Duration(m)*time.Minute + 30*time.Second)
		line := fmt.Sprintf("%s web1 sshd[1]: Failed password for root from 198.51.100.%d port 40000 ssh2", at.Format(time.RFC3339), m+50)
		recs = append(recs, laketest.Classify(t, reg, "linux:auth", []string{line}, at)...)
	}
	dir := t.TempDir()
	laketest.Write(t, dir, recs)
	e, err := historical.Open(context.Background(), dir, reg.All(), historical.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// clock is a settable time.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time)         { c.mu.Lock(); c.now = t; c.mu.Unlock() }
func (c *clock) Add(d time.Duration)     { c.Set(c.Now().Add(d)) }
func (c *clock) alertsNow() alerts.Clock { return alertsClock{c} }

type alertsClock struct{ c *clock }

func (a alertsClock) Now() time.Time { return a.c.Now() }

// setup returns a scheduler over the lake with the real alert processor
// on a bolt store.
func setup(t *testing.T, e *historical.Engine, hs []*queries.Hunt, c *clock, tune func(*scheduler.Config)) (*scheduler.Scheduler, *alerts.BoltStore, *scheduler.Store) {
	t.Helper()
	data := t.TempDir()
	store, err := alerts.OpenBolt(filepath.Join(data, "alerts.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	proc, err := alerts.NewProcessor(alerts.ProcessorConfig{Store: store, Clock: c.alertsNow()})
	if err != nil {
		t.Fatal(err)
	}
	runs := scheduler.OpenStore(filepath.Join(data, "hunts"))
	cfg := scheduler.Config{Engine: e, Hunts: hs, Store: runs, Sink: scheduler.ProcessorSink{Processor: proc}, Now: c.Now}
	if tune != nil {
		tune(&cfg)
	}
	s, err := scheduler.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, store, runs
}

func windows(runs []scheduler.Run) []string {
	var out []string
	for _, r := range runs {
		w := r.WindowStart.Format("15:04") + "-" + r.WindowEnd.Format("15:04")
		switch {
		case r.Skipped:
			w += " skipped"
		case r.Error != "":
			w += " failed"
		}
		out = append(out, w)
	}
	return out
}

func TestTick_EachWindowOnceWithCatchUp(t *testing.T) {
	e := lake(t)
	c := &clock{now: t0.Add(20 * time.Second)}
	s, store, runStore := setup(t, e, []*queries.Hunt{hunt(t, failuresHunt)}, c, nil)
	ctx := context.Background()

	tick := func(want ...string) []scheduler.Run {
		t.Helper()
		runs, err := s.Tick(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := windows(runs); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("at %s ran %v, want %v", c.Now().Format("15:04:05"), got, want)
		}
		return runs
	}
	// First run: the latest window only, no backfill.
	runs := tick("11:59-12:00")
	if runs[0].Rows != 1 || runs[0].Alerts != 1 || runs[0].BytesScanned == 0 || runs[0].Engine != "duckdb" || runs[0].Duration <= 0 || runs[0].CostUSD <= 0 {
		t.Errorf("first run %+v", runs[0])
	}
	tick() // same minute: nothing due
	c.Add(time.Minute)
	tick("12:00-12:01")
	// Down for three windows: each missed window runs once, oldest first.
	c.Add(4 * time.Minute)
	tick("12:01-12:02", "12:02-12:03", "12:03-12:04", "12:04-12:05")
	tick()

	all, err := store.List(ctx, alerts.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 6 {
		t.Errorf("%d alerts, want one per window (6)", len(all))
	}
	seen := map[string]bool{}
	for _, a := range all {
		ip, _ := a.Record["src_ip"].(string)
		if seen[ip] || a.Rule != "ssh_failures_minute" || a.Severity != "low" {
			t.Errorf("alert %s: rule %s, src_ip %s (seen %v)", a.ID, a.Rule, ip, seen[ip])
		}
		seen[ip] = true
	}
	hist, err := runStore.History("ssh_failures_minute")
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 6 {
		t.Errorf("%d runs recorded, want 6", len(hist))
	}

	// A manual rerun of a window raises no second alert: stable ids.
	r, err := s.RunWindow(ctx, "ssh_failures_minute", queries.TimeRange{From: t0, To: t0.Add(time.Minute)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Rows != 1 || r.Alerts != 0 || !r.Manual {
		t.Errorf("manual rerun: %+v, want 1 row and no new alert", r)
	}
	// Manual runs do not move the schedule.
	c.Add(time.Minute)
	tick("12:05-12:06")
}

func TestTick_CatchUpIsBounded(t *testing.T) {
	e := lake(t)
	c := &clock{now: t0}
	s, _, _ := setup(t, e, []*queries.Hunt{hunt(t, failuresHunt)}, c, func(cfg *scheduler.Config) { cfg.MaxCatchUp = 3 })
	if _, err := s.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.Add(10 * time.Minute)
	runs, err := s.Tick(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := "12:00-12:07 skipped,12:07-12:08,12:08-12:09,12:09-12:10"
	if got := strings.Join(windows(runs), ","); got != want {
		t.Errorf("ran %s, want %s", got, want)
	}
}

func TestTick_FailedWindowRetriedThenGivenUp(t *testing.T) {
	e := lake(t)
	c := &clock{now: t0}
	broken := hunt(t, strings.Replace(failuresHunt, "count(*) AS failures", "count(nope) AS failures", 1))
	s, _, _ := setup(t, e, []*queries.Hunt{broken}, c, func(cfg *scheduler.Config) { cfg.MaxAttempts = 2 })
	ctx := context.Background()
	runs, _ := s.Tick(ctx)
	if len(runs) != 1 || !strings.Contains(runs[0].Error, `"nope" not found`) || runs[0].Attempt != 1 || runs[0].GaveUp {
		t.Fatalf("first attempt %+v", runs)
	}
	c.Add(time.Minute)
	// The failed window comes first and stops the hunt for this tick.
	runs, _ = s.Tick(ctx)
	if got := strings.Join(windows(runs), ","); got != "11:59-12:00 failed,12:00-12:01 failed" || !runs[0].GaveUp || runs[1].GaveUp {
		t.Fatalf("second tick %s: %+v", got, runs)
	}
}

// blockingSink holds Alerts until released, to catch a second run.
type blockingSink struct {
	entered chan struct{}
	release chan struct{}
}

func (b blockingSink) Alerts(ctx context.Context, ms []alerts.Match) (int, error) {
	b.entered <- struct{}{}
	<-b.release
	return len(ms), nil
}
func (b blockingSink) Feed(context.Context, []byte) error { return nil }

func TestRun_OneAtATime(t *testing.T) {
	e := lake(t)
	c := &clock{now: t0}
	sink := blockingSink{entered: make(chan struct{}), release: make(chan struct{})}
	s, _, _ := setup(t, e, []*queries.Hunt{hunt(t, failuresHunt)}, c, func(cfg *scheduler.Config) { cfg.Sink = sink })
	ctx := context.Background()
	done := make(chan error)
	go func() {
		_, err := s.Tick(ctx)
		done <- err
	}()
	<-sink.entered
	if _, err := s.RunWindow(ctx, "ssh_failures_minute", queries.TimeRange{From: t0, To: t0.Add(time.Minute)}, nil); !errors.Is(err, scheduler.ErrRunning) {
		t.Errorf("a second run while one runs: %v, want ErrRunning", err)
	}
	if runs, err := s.Tick(ctx); err != nil || len(runs) != 0 {
		t.Errorf("a tick while the hunt runs ran %v (%v)", runs, err)
	}
	close(sink.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// feedSink classifies feed payloads with the real classifier and runs the
// real rule matcher over the records, as serve's pipeline does.
type feedSink struct {
	cls     *schema.Classifier
	reg     *schema.Registry
	matcher *rules.Matcher
	fired   []string
	records []*schema.Record
}

func (f *feedSink) Alerts(context.Context, []alerts.Match) (int, error) {
	return 0, errors.New("a feed hunt raised alerts directly")
}

func (f *feedSink) Feed(_ context.Context, payload []byte) error {
	in := schema.Input{Source: scheduler.FeedSource, Types: []*schema.LogType{f.reg.Get(scheduler.FeedLogType)}, IngestTime: t0}
	var uerr error
	err := f.cls.Classify(payload, in, func(r *schema.Record) {
		f.records = append(f.records, r)
		f.matcher.Match(r, func(rule *rules.Rule, _ rules.Match) { f.fired = append(f.fired, rule.Name) })
	}, func(u *schema.Unclassified) { uerr = fmt.Errorf("unclassified: %s", u.Reason) })
	return errors.Join(err, uerr)
}

const feedRule = `name: ssh_failures_feed_nonempty
title: A scheduled query found failed SSH logins
severity: medium
logs: [streamquery:results]
detection:
  selection:
    execution.name: ssh_failures_feed
    data.count|gt: 0
  condition: selection
`

func TestFeed_RowsClassifiedAndMatchedByARule(t *testing.T) {
	e := lake(t)
	c := &clock{now: t0}
	reg := schema.Builtin()
	rs, errs := (&rules.Loader{LogTypes: reg}).LoadBytes("feed.yaml", []byte(feedRule), false)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	set, errs := rules.NewSet(rs...)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	sink := &feedSink{cls: schema.NewClassifier(reg), reg: reg, matcher: rules.NewMatcher(set)}
	feed := hunt(t, strings.Replace(strings.Replace(failuresHunt, "name: ssh_failures_minute", "name: ssh_failures_feed", 1), "severity: low", "severity: low\noutput: feed", 1))
	s, _, _ := setup(t, e, []*queries.Hunt{feed}, c, func(cfg *scheduler.Config) { cfg.Sink = sink })
	runs, err := s.Tick(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || !runs[0].Fed || runs[0].Error != "" {
		t.Fatalf("runs %+v", runs)
	}
	if len(sink.records) != 1 || sink.records[0].LogType.Name != "streamquery:results" {
		t.Fatalf("records %v", sink.records)
	}
	if len(sink.fired) != 1 || sink.fired[0] != "ssh_failures_feed_nonempty" {
		t.Errorf("rules fired %v, want ssh_failures_feed_nonempty", sink.fired)
	}
	b, err := json.Marshal(sink.records[0].Map())
	if err != nil {
		t.Fatal(err)
	}
	js := string(b)
	for _, want := range []string{`"198.51.100.49"`, `"count":1`, `"window_start":"2024-06-10T11:59:00Z"`, `"engine":"duckdb"`} {
		if !strings.Contains(js, want) {
			t.Errorf("the record lacks %s: %s", want, js)
		}
	}
}

func TestRowID_Stable(t *testing.T) {
	a := scheduler.RowID("h", t0, t0.Add(time.Hour), `[["ip","1"]]`)
	if a != scheduler.RowID("h", t0.In(time.FixedZone("x", 3600)), t0.Add(time.Hour), `[["ip","1"]]`) {
		t.Error("the id depends on the time zone")
	}
	for _, b := range []string{
		scheduler.RowID("g", t0, t0.Add(time.Hour), `[["ip","1"]]`),
		scheduler.RowID("h", t0.Add(time.Minute), t0.Add(time.Hour), `[["ip","1"]]`),
		scheduler.RowID("h", t0, t0.Add(time.Hour), `[["ip","2"]]`),
	} {
		if a == b {
			t.Error("different hunts, windows or keys share an id")
		}
	}
}

func TestDue_DelayHoldsTheWindowBack(t *testing.T) {
	e := lake(t)
	c := &clock{now: t0.Add(90 * time.Second)}
	s, _, _ := setup(t, e, []*queries.Hunt{hunt(t, failuresHunt)}, c, func(cfg *scheduler.Config) { cfg.Delay = 2 * time.Minute })
	ws, _, err := s.Due("ssh_failures_minute", c.Now())
	if err != nil {
		t.Fatal(err)
	}
	// At 12:01:30 with a 2-minute delay the latest window due ends at 11:59.
	if len(ws) != 1 || ws[0][1] != t0.Add(-time.Minute) {
		t.Errorf("due %v", ws)
	}
}
