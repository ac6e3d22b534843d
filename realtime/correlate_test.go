package realtime

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/correlation"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/internal/schematest"
	"github.com/streamalert/streamalert/schema"
)

// schemaRecordID classifies one line and returns its record's id.
func schemaRecordID(t *testing.T, r *config.Resolved, line string) string {
	t.Helper()
	var id string
	err := schema.NewClassifier(r.Registry).Classify([]byte(line), schema.Input{Source: "t"},
		func(rec *schema.Record) { id = rec.ID }, func(u *schema.Unclassified) { t.Fatalf("unclassified: %s", u.Reason) })
	if err != nil || id == "" {
		t.Fatalf("classify %s: %v", line, err)
	}
	return id
}

const persistenceRule = "cloudtrail_iam_persistence_sequence"

var seqStart = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

func ruleStats(t *testing.T, p *Pipeline, rule string) correlation.Stats {
	t.Helper()
	for _, s := range p.CorrelationStats() {
		if s.Rule == rule {
			return s
		}
	}
	t.Fatalf("no correlation rule %s in the pipeline", rule)
	return correlation.Stats{}
}

func submit(t *testing.T, r *Runner, lines ...string) {
	t.Helper()
	if _, err := r.Submit("http", time.Now(), []byte(strings.Join(lines, "\n"))); err != nil {
		t.Fatal(err)
	}
}

// A sequence half complete at a crash completes once after the restart:
// its first steps are in the state stored with the last commit, its last
// step in the ingest log after it. Crashing again after the alert and
// replaying it does not count it twice.
func TestRunner_CorrelationSequenceCompletesOnceAcrossCrashes(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	x := "arn:aws:iam::111122223333:user/x"
	y := "arn:aws:iam::111122223333:user/y"

	app := openTestRunner(t, data)
	app.Start(ctx)
	submit(t, app.Runner, schematest.IAMCall(1, x, "CreateUser", seqStart))
	submit(t, app.Runner, schematest.IAMCall(2, x, "AttachUserPolicy", seqStart.Add(time.Minute)))
	app.Runner.Drain()
	if err := app.Runner.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	submit(t, app.Runner, schematest.IAMCall(3, x, "CreateAccessKey", seqStart.Add(2*time.Minute)))
	app.Runner.Drain()
	app.ingest.Close() // crash: the last step is only in the ingest log

	// The restart restores the first two steps and replays the third; a
	// later event moves the rule's frontier past the sequence.
	app = openTestRunnerWorkers(t, data, 3)
	app.Start(ctx)
	submit(t, app.Runner, schematest.IAMCall(4, y, "CreateUser", seqStart.Add(20*time.Minute)))
	app.Runner.Drain()
	if s := ruleStats(t, app.Pipeline, persistenceRule); s.Alerts != 1 || s.Events != 3 {
		t.Fatalf("after the restart: %d alerts over %d events, want 1 over 3", s.Alerts, s.Events)
	}
	app.ingest.Close() // crash again, after the alert, before any commit

	app = openTestRunner(t, data)
	if s := ruleStats(t, app.Pipeline, persistenceRule); s.Alerts != 1 || s.Events != 3 || s.Pending != 1 {
		t.Fatalf("after the replay: %+v, want 1 alert, 3 events, 1 pending", s)
	}
	app.Start(ctx)
	if err := app.Close(ctx); err != nil {
		t.Fatal(err)
	}
	app = openTestRunner(t, data) // a clean restart: nothing to replay
	if s := ruleStats(t, app.Pipeline, persistenceRule); s.Alerts != 1 || s.Pending != 1 {
		t.Fatalf("after a clean restart: %+v", s)
	}
	app.Start(ctx)
	app.Close(ctx)
}

// Without the stored state the same crash loses the sequence: the test
// above can fail.
func TestRunner_CorrelationWithoutStateLosesTheSequence(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	x := "arn:aws:iam::111122223333:user/x"
	app := openTestRunner(t, data)
	app.Start(ctx)
	submit(t, app.Runner, schematest.IAMCall(1, x, "CreateUser", seqStart), schematest.IAMCall(2, x, "AttachUserPolicy", seqStart.Add(time.Minute)))
	app.Runner.Drain()
	if err := app.Runner.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	submit(t, app.Runner, schematest.IAMCall(3, x, "CreateAccessKey", seqStart.Add(2*time.Minute)))
	app.Runner.Drain()
	app.ingest.Close()
	matches, _ := filepath.Glob(filepath.Join(data, "correlation", "*.json"))
	if len(matches) != 1 {
		t.Fatalf("correlation state files: %v, want the one of the commit", matches)
	}
	for _, m := range matches {
		if err := os.Remove(m); err != nil {
			t.Fatal(err)
		}
	}
	app = openTestRunner(t, data)
	app.Start(ctx)
	submit(t, app.Runner, schematest.IAMCall(4, x, "CreateUser", seqStart.Add(20*time.Minute)))
	app.Runner.Drain()
	if s := ruleStats(t, app.Pipeline, persistenceRule); s.Alerts != 0 {
		t.Fatalf("without the state: %d alerts, want 0", s.Alerts)
	}
	app.Close(ctx)
}

// Batches run on parallel workers reach the engine in seq order: which
// events are late, and so the alerts, are those of a single worker.
func TestRunner_CorrelationIsTheSameOnParallelWorkers(t *testing.T) {
	ctx := context.Background()
	var batches []string
	// Access denied calls by a few principals, arriving up to 7 minutes
	// out of order (lateness is 5): some are late, which ones depends on
	// the order the engine sees them in.
	for i := 0; i < 120; i++ {
		at := seqStart.Add(time.Duration(i)*20*time.Second - time.Duration((i*7919)%420)*time.Second)
		rec := fmt.Sprintf(`{"eventVersion":"1.08","eventTime":%q,"eventSource":"s3.amazonaws.com","eventName":"ListBuckets","errorCode":"AccessDenied","awsRegion":"us-east-1","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/p%d","accountId":"111122223333"},"eventID":"00000000-0000-4000-a000-%012d","eventType":"AwsApiCall","recipientAccountId":"111122223333"}`,
			at.Format(time.RFC3339), min(i%5, 1), i)
		// Every fourth batch is slow (filler records), so that workers
		// finish batches out of order.
		lines := []string{rec}
		for j := 0; i%4 == 0 && j < 1500; j++ {
			lines = append(lines, schematest.CloudTrailRecord(i*1500+j, "DescribeInstances"))
		}
		batches = append(batches, strings.Join(lines, "\n"))
	}
	run := func(workers int) correlation.Stats {
		data := t.TempDir()
		app := openTestRunnerWorkers(t, data, workers)
		app.Start(ctx)
		for _, b := range batches {
			submit(t, app.Runner, b)
		}
		app.Runner.Drain()
		s := ruleStats(t, app.Pipeline, "cloudtrail_access_denied_principal")
		app.Close(ctx)
		return s
	}
	want := run(1)
	if want.Late == 0 || want.Alerts == 0 {
		t.Fatalf("test setup: one worker saw %+v; want late events and alerts", want)
	}
	for round := 0; round < 3; round++ {
		if got := run(4); got != want {
			t.Fatalf("4 workers: %+v\n1 worker:  %+v", got, want)
		}
	}
}

// recordingAlerter keeps the matches it is given.
type recordingAlerter struct {
	mu      sync.Mutex
	matches []alerts.Match
}

func (a *recordingAlerter) Process(_ context.Context, ms []alerts.Match) (alerts.Result, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.matches = append(a.matches, ms...)
	return alerts.Result{New: len(ms)}, nil
}

// A correlation alert goes to the alert processor as a match of the
// correlation rule: its metadata, the group, the window and the records;
// its record id is the stable correlation alert id. A finite input's
// flush evaluates what lateness held back.
func TestPipeline_CorrelationAlertIsAMatchOfTheRule(t *testing.T) {
	cfg, ps := config.Load(config.Example(), "")
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	r, err := config.Resolve(cfg, config.Parts{Rules: true})
	if err != nil {
		t.Fatal(err)
	}
	al := &recordingAlerter{}
	p, err := New(Config{Registry: r.Registry, Rules: r.Rules, Lake: &countingLake{}, Alerter: al})
	if err != nil {
		t.Fatal(err)
	}
	x := "arn:aws:iam::111122223333:user/x"
	w := p.NewWorker()
	payload := strings.Join([]string{
		schematest.IAMCall(1, x, "CreateUser", seqStart),
		schematest.IAMCall(2, x, "AttachUserPolicy", seqStart.Add(time.Minute)),
		schematest.IAMCall(3, x, "CreateAccessKey", seqStart.Add(2*time.Minute)),
	}, "\n")
	res, err := w.Process(context.Background(), Batch{Source: "t", Received: time.Now(), Payload: []byte(payload)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Correlations != 0 {
		t.Fatalf("the sequence fired within the lateness: %+v", res)
	}
	n, err := p.FlushCorrelations(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("flush: %d alerts, %v", n, err)
	}
	var got []alerts.Match
	for _, m := range al.matches {
		if m.Rule.Name == persistenceRule {
			got = append(got, m)
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d matches of %s, want 1", len(got), persistenceRule)
	}
	m := got[0]
	recID := func(i int) string {
		return schemaRecordID(t, r, schematest.IAMCall(i, x, []string{"", "CreateUser", "AttachUserPolicy", "CreateAccessKey"}[i], seqStart.Add(time.Duration(i-1)*time.Minute)))
	}
	if want := correlation.AlertID(persistenceRule, x, recID(3)); m.RecordID != want {
		t.Errorf("record id %s, want the correlation alert id %s", m.RecordID, want)
	}
	if m.Rule.Severity != "high" || m.Source != CorrelationSource || m.LogType != CorrelationLogType+persistenceRule {
		t.Errorf("rule info %+v, source %q, log type %q", m.Rule, m.Source, m.LogType)
	}
	if !m.EventTime.Equal(seqStart.Add(2 * time.Minute)) {
		t.Errorf("event time %s, want the last step's", m.EventTime)
	}
	wantRec := map[string]any{
		"correlation": "temporal_ordered", "group": map[string]any{"userIdentity.arn": x},
		"window_start": seqStart.Add(2*time.Minute - time.Hour).Format(time.RFC3339Nano), "window_end": seqStart.Add(2 * time.Minute).Format(time.RFC3339Nano),
		"timespan": "1h0m0s", "record_id": recID(3), "record_ids": []any{recID(1), recID(2), recID(3)}, "value": 3.0,
	}
	if fmt.Sprint(m.Record) != fmt.Sprint(wantRec) {
		t.Errorf("record\n%v\nwant\n%v", m.Record, wantRec)
	}
	if n, _ := p.FlushCorrelations(context.Background()); n != 0 {
		t.Errorf("a second flush raised %d alerts", n)
	}
}
