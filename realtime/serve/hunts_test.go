package serve

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/historical/scheduler"
	"github.com/streamalert/streamalert/internal/config"
)

// minuteHunt alerts per address calling DescribeInstances in each minute.
const minuteHunt = `name: describe_per_minute
description: DescribeInstances callers, every minute
schedule: 1m
severity: low
key: [source_ip]
sql: |
  SELECT sourceipaddress AS source_ip, count(*) AS calls
  FROM cloudtrail_events
  WHERE dt >= {{dt_start}} AND dt <= {{dt_end}}
    AND sa_event_time >= {{start}} AND sa_event_time < {{end}}
    AND eventname = 'DescribeInstances'
  GROUP BY sourceipaddress
  ORDER BY sourceipaddress
`

// feedHunt is the same question with its rows fed back as a record.
var feedHunt = strings.NewReplacer("name: describe_per_minute", "name: describe_feed", "severity: low", "severity: low\noutput: feed").Replace(minuteHunt)

// feedRule fires on a describe_feed run that found rows.
const feedRule = `name: describe_feed_found
title: The describe_feed hunt found callers
severity: medium
logs: [streamquery:results]
detection:
  selection:
    execution.name: describe_feed
    data.count|gt: 0
  condition: selection
`

// scheduledRule matches each DescribeInstances call as it streams in and
// runs every minute over the lake too.
const scheduledRule = `name: describe_scheduled
title: DescribeInstances
severity: info
logs: [cloudtrail:events]
schedule: 1m
schedule_overlap: 1m
detection:
  selection:
    eventName: DescribeInstances
  condition: selection
`

// huntConfig is the example config with the pack's hunts off, the
// example hunts replaced by the two above, the feed rule added and no
// delay (the test's clock decides what is due).
func huntConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg := testConfig(t)
	dir := cfg.Dir
	old, _ := filepath.Glob(filepath.Join(dir, "hunts", "*.yaml"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	for name, text := range map[string]string{
		"hunts/minute.yaml":    minuteHunt,
		"hunts/feed.yaml":      feedHunt,
		"rules/feed_rule.yaml": feedRule,
		"rules/scheduled.yaml": scheduledRule,
		config.HistoricalFile:  "scheduler:\n  delay: 0\nhunts:\n  pack: false\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg, ps := config.LoadDir(dir)
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	return cfg
}

// testClock is the hunts' settable time.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Set(t time.Time)     { c.mu.Lock(); c.now = t; c.mu.Unlock() }
func (c *testClock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

// running is one serve run of the test.
type running struct {
	app  *App
	base string
	stop context.CancelFunc
	done chan error
}

func startServe(t *testing.T, cfg *config.Config, data string, c *testClock) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	app, err := OpenApp(ctx, cfg, data, AppOptions{Logger: quietLog, CommitInterval: time.Hour, HuntTick: 20 * time.Millisecond, HuntClock: c.Now})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	r := &running{app: app, stop: cancel, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() { r.done <- app.Serve(ctx, "127.0.0.1:0", func(a string) { addr <- a }) }()
	select {
	case a := <-addr:
		r.base = "http://" + a
	case err := <-r.done:
		t.Fatal(err)
	}
	t.Cleanup(func() { r.shutdown(t) })
	return r
}

func (r *running) shutdown(t *testing.T) {
	t.Helper()
	if r.stop == nil {
		return
	}
	r.stop()
	r.stop = nil
	if err := <-r.done; err != nil {
		t.Errorf("serve: %v", err)
	}
}

// eventually waits for cond; a loaded machine gets a minute.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// runsOf is the hunt's run counter on /metrics.
func (r *running) runsOf(hunt string) int64 {
	return r.app.Metrics.Value(fmt.Sprintf(`%s{hunt=%q}`, metricHuntRuns, hunt))
}

// settle waits until every hunt has run want windows in this serve run
// and the scheduler has passed twice more, so a window run twice would
// have shown.
func (r *running) settle(t *testing.T, want int64) {
	t.Helper()
	eventually(t, fmt.Sprintf("%d runs of each hunt", want), func() bool {
		return r.runsOf("describe_per_minute") >= want && r.runsOf("describe_feed") >= want && r.runsOf("rule.describe_scheduled") >= want
	})
	ticks := r.app.Metrics.Value(metricHuntTicks)
	eventually(t, "two more scheduler passes", func() bool { return r.app.Metrics.Value(metricHuntTicks) >= ticks+2 })
	for _, h := range []string{"describe_per_minute", "describe_feed", "rule.describe_scheduled"} {
		if n := r.runsOf(h); n != want {
			t.Fatalf("%s ran %d windows, want %d", h, n, want)
		}
	}
}

func (r *running) alerts(t *testing.T, rule string) []*alerts.Alert {
	t.Helper()
	as, err := r.app.Store.List(context.Background(), alerts.Filter{Rule: rule})
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// TestServe_HuntsOnScheduleAndCatchUp is issue 14's acceptance test: a
// hunt with a 1-minute schedule over records ingested into serve raises
// its alerts; serve stopped for three windows and restarted runs each
// missed window exactly once, oldest first; a feed hunt's rows come back
// as a streamquery:results record that fires a rule.
func TestServe_HuntsOnScheduleAndCatchUp(t *testing.T) {
	cfg := huntConfig(t)
	data := t.TempDir()
	// The lake is partitioned by arrival (now), so the hunts' clock starts
	// at this minute: the windows' partitions hold what is ingested.
	t0 := time.Now().UTC().Truncate(time.Minute)
	c := &testClock{now: t0.Add(10 * time.Second)}

	s := startServe(t, cfg, data, c)
	s.settle(t, 1) // the latest window, before anything was ingested: no rows

	// One DescribeInstances call from 198.51.100.(50+m) in minute m.
	var recs []string
	for m := 0; m < 8; m++ {
		at := t0.Add(time.Duration(m)*time.Minute + 30*time.Second)
		recs = append(recs, fmt.Sprintf(`{"eventVersion":"1.08","eventTime":%q,"eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.%d","userAgent":"aws-cli/2","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u","accountId":"111122223333","userName":"u"},"eventID":"00000000-0000-4000-8000-%012d","eventType":"AwsApiCall","recipientAccountId":"111122223333"}`,
			at.Format(time.RFC3339), 50+m, m))
	}
	src, _ := cfg.Source("http")
	if code, body := post(t, s.base+"/v1/ingest/http", src.Token, []byte("["+strings.Join(recs, ",")+"]")); code != http.StatusAccepted {
		t.Fatalf("ingest: %d %v", code, body)
	}
	eventually(t, "the batch processed", func() bool { return s.app.Runner.Depth() == 0 })
	if err := s.app.Runner.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}

	// Two windows on schedule: one alert each.
	c.Add(time.Minute)
	s.settle(t, 2)
	c.Add(time.Minute)
	s.settle(t, 3)
	if got := ips(s.alerts(t, "describe_per_minute")); !slices.Equal(got, []string{"198.51.100.50", "198.51.100.51"}) {
		t.Errorf("alerts before the stop for %v, want .50 and .51", got)
	}
	eventually(t, "the feed rule's alerts", func() bool { return len(s.alerts(t, "describe_feed_found")) == 2 })
	for _, a := range s.alerts(t, "describe_feed_found") {
		if a.LogType != scheduler.FeedLogType || a.Source != scheduler.FeedSource {
			t.Errorf("feed alert %s: log type %s from %s", a.ID, a.LogType, a.Source)
		}
	}
	if m := metricsText(t, s.base); !strings.Contains(m, `streamalert_hunt_lag_seconds{hunt="describe_per_minute"} 10`) ||
		!strings.Contains(m, `streamalert_hunt_runs_total{hunt="describe_feed"} 3`) ||
		!strings.Contains(m, `streamalert_hunt_alerts_total{hunt="describe_per_minute"} 2`) {
		t.Errorf("/metrics lacks the hunts' runs and lag:\n%s", m)
	}
	s.shutdown(t)

	// Down for three windows; restarted, each missed window runs once.
	c.Add(3 * time.Minute)
	s = startServe(t, cfg, data, c)
	s.settle(t, 3)
	if got := ips(s.alerts(t, "describe_per_minute")); !slices.Equal(got, []string{"198.51.100.50", "198.51.100.51", "198.51.100.52", "198.51.100.53", "198.51.100.54"}) {
		t.Errorf("alerts after the restart for %v, want .50 to .54, one each", got)
	}
	eventually(t, "the feed rule's alerts of the missed windows", func() bool { return len(s.alerts(t, "describe_feed_found")) == 5 })
	// The scheduled rule found the records streaming had alerted on: the
	// same alert ids, nothing new.
	if n := len(s.alerts(t, "describe_scheduled")); n != 8 {
		t.Errorf("%d alerts of the scheduled rule, want one per record (8)", n)
	}
	s.shutdown(t)
	sched, err := scheduler.OpenStore(scheduler.StoreDir(data)).History("rule.describe_scheduled")
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	for _, r := range sched {
		rows += r.Rows
		if r.Alerts != 0 {
			t.Errorf("scheduled rule window %s raised %d new alerts, want none (streaming had)", r.WindowStart.Format("15:04"), r.Alerts)
		}
	}
	if rows != 9 { // each window reads two minutes: 0, then 1 + 2 + 2 + 2 + 2 (minutes 0 to 4, overlapping)
		t.Errorf("the scheduled rule read %d rows", rows)
	}

	for _, h := range []string{"describe_per_minute", "describe_feed", "rule.describe_scheduled"} {
		hist, err := scheduler.OpenStore(scheduler.StoreDir(data)).History(h)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range hist {
			if r.Error != "" {
				t.Errorf("%s run %+v failed", h, r)
			}
			got = append(got, fmt.Sprintf("%d-%d", int(r.WindowStart.Sub(t0).Minutes()), int(r.WindowEnd.Sub(t0).Minutes())))
		}
		if want := "-1-0 0-1 1-2 2-3 3-4 4-5"; strings.Join(got, " ") != want {
			t.Errorf("%s ran windows %s, want %s (minutes from the start)", h, strings.Join(got, " "), want)
		}
	}
}

// ips are the alerts' source addresses, sorted.
func ips(as []*alerts.Alert) []string {
	var out []string
	for _, a := range as {
		ip, _ := a.Record["source_ip"].(string)
		out = append(out, ip)
	}
	slices.Sort(out)
	return out
}

func metricsText(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
