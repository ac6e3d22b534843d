package scheduler_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
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

// scheduledRule is a streaming rule that also runs every minute over the
// lake, each window widened back two minutes.
const scheduledRule = `name: ssh_failed_login
title: A failed SSH login
severity: low
logs: [linux:auth]
schedule: 1m
schedule_overlap: 2m
detection:
  selection:
    ssh_result: Failed
  condition: selection
`

// TestScheduledRule_SameAlertIDsAsStreaming: a rule with schedule: runs
// its SQL per window (with the overlap) and its rows raise the alerts the
// streaming matcher raises for the same records — the same ids — so a
// record both saw alerts once, and a record streaming missed alerts once.
func TestScheduledRule_SameAlertIDsAsStreaming(t *testing.T) {
	reg := schema.Builtin()
	rs, errs := (&rules.Loader{LogTypes: reg}).LoadBytes("rules/sched.yaml", []byte(scheduledRule), false)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	set, errs := rules.NewSet(rs...)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	rule := rs[0]
	if rule.Schedule != "1m" || rule.ScheduleOverlap != 2*time.Minute {
		t.Fatalf("schedule %q overlap %s", rule.Schedule, rule.ScheduleOverlap)
	}
	// A failed login in each minute from 11:50 to 12:09 (at :30).
	var recs []*schema.Record
	byMinute := map[int]*schema.Record{}
	for m := -10; m < 10; m++ {
		at := t0.Add(time.Duration(m)*time.Minute + 30*time.Second)
		line := fmt.Sprintf("%s web1 sshd[1]: Failed password for root from 198.51.100.%d port 40000 ssh2", at.Format(time.RFC3339), m+50)
		rec := laketest.Classify(t, reg, "linux:auth", []string{line}, at)
		recs = append(recs, rec...)
		byMinute[m] = rec[0]
	}
	dir := t.TempDir()
	laketest.Write(t, dir, recs)
	e, err := historical.Open(context.Background(), dir, reg.All(), historical.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })

	hs, errs := queries.RuleHunts(rs, reg)
	if len(errs) > 0 || len(hs) != 1 || hs[0].Name != "rule.ssh_failed_login" {
		t.Fatalf("rule hunts %v %v", hs, errs)
	}
	c := &clock{now: t0.Add(20 * time.Second)}
	s, store, _ := setup(t, e, hs, c, nil)
	ctx := context.Background()

	// Streaming saw the records of 11:58 and 11:59, as the pipeline does:
	// the matcher's matches through the same processor.
	proc, err := alerts.NewProcessor(alerts.ProcessorConfig{Store: store, Clock: c.alertsNow()})
	if err != nil {
		t.Fatal(err)
	}
	matcher := rules.NewMatcher(set)
	for _, m := range []int{-2, -1} {
		rec := byMinute[m]
		matcher.Match(rec, func(r *rules.Rule, mt rules.Match) {
			if _, err := proc.Process(ctx, []alerts.Match{{Rule: scheduler.DefaultRuleInfo(r), LogType: rec.LogType.Name, Source: rec.Source,
				RecordID: rec.ID, EventTime: rec.EventTime, Record: rec.Map(), Matched: mt.Values()}}); err != nil {
				t.Fatal(err)
			}
		})
	}
	// 12:00:20: the window 11:59-12:00, read from 11:57: three records,
	// two of which streaming alerted on.
	runs, err := s.Tick(ctx)
	if err != nil || len(runs) != 1 || runs[0].Error != "" {
		t.Fatalf("first tick %+v %v", runs, err)
	}
	if runs[0].Rows != 3 || runs[0].Alerts != 1 {
		t.Errorf("first window: %d rows, %d new alerts; want 3 rows, 1 new (11:57's)", runs[0].Rows, runs[0].Alerts)
	}
	// A minute on: 11:58-12:01 read, only 12:00's record is new.
	c.Add(time.Minute)
	runs, err = s.Tick(ctx)
	if err != nil || len(runs) != 1 || runs[0].Rows != 3 || runs[0].Alerts != 1 {
		t.Fatalf("second tick %+v %v", runs, err)
	}
	all, err := store.List(ctx, alerts.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, a := range all {
		got = append(got, a.ID)
		if a.Rule != "ssh_failed_login" || a.Severity != "low" {
			t.Errorf("alert %s: rule %s, severity %s", a.ID, a.Rule, a.Severity)
		}
	}
	for _, m := range []int{-3, -2, -1, 0} {
		want = append(want, alerts.AlertID("ssh_failed_login", byMinute[m].ID))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("alert ids %v, want the streaming ids of 11:57 to 12:00's records %v", got, want)
	}
}

// TestRuleHunts_ScheduleProblems: a schedule that does not parse is named
// at its file:line; an overlap needs a schedule.
func TestRuleHunts_ScheduleProblems(t *testing.T) {
	reg := schema.Builtin()
	rs, errs := (&rules.Loader{LogTypes: reg}).LoadBytes("rules/sched.yaml", []byte(strings.Replace(scheduledRule, "schedule: 1m\nschedule_overlap: 2m\n", "schedule: often\n", 1)), false)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if _, errs := queries.RuleHunts(rs, reg); len(errs) != 1 || !strings.Contains(errs[0].Error(), "rules/sched.yaml:5: rule ssh_failed_login: schedule: schedule \"often\"") {
		t.Errorf("errors %v", errs)
	}
	_, errs = (&rules.Loader{LogTypes: reg}).LoadBytes("rules/o.yaml", []byte("name: o\nlogs: [linux:auth]\nschedule_overlap: 5m\ndetection:\n  s:\n    ssh_result: Failed\n  condition: s\n"), false)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "schedule_overlap needs a schedule") {
		t.Errorf("overlap without schedule: %v", errs)
	}
}
