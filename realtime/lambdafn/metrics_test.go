package lambdafn

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/internal/lambdatest"
	"github.com/streamalert/streamalert/metrics"
)

// emfCapture is a metrics writer into a buffer, and a clock that moves
// 250ms each time it is read: an invocation reads it at its start and at
// its end, so its Duration is 250.
type emfCapture struct {
	buf bytes.Buffer
	w   *metrics.Writer

	mu sync.Mutex
	t  time.Time
}

const clockStep = 250 * time.Millisecond

func newEMFCapture(t *testing.T, function string) *emfCapture {
	t.Helper()
	c := &emfCapture{t: time.Date(2026, 12, 8, 5, 0, 0, 0, time.UTC)}
	w, err := metrics.NewWriter(&c.buf, metrics.Namespace, map[string]string{"Function": function})
	if err != nil {
		t.Fatal(err)
	}
	c.w = w
	return c
}

func (c *emfCapture) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(clockStep)
	return c.t
}

// lines returns the EMF lines written since the last call, checked
// against the EMF specification.
func (c *emfCapture) lines(t *testing.T) []metrics.Line {
	t.Helper()
	ls, err := metrics.Lines(c.buf.Bytes())
	if err != nil {
		t.Fatalf("%v\n%s", err, c.buf.String())
	}
	c.buf.Reset()
	return ls
}

// values reads the metrics named from one line, checking their units and
// the line's namespace and dimension.
func values(t *testing.T, l metrics.Line, function string, names ...string) map[string]float64 {
	t.Helper()
	if l.Namespace != metrics.Namespace || len(l.Dimensions) != 1 || l.Dimensions["Function"] != function {
		t.Errorf("line in %q with dimensions %v, want %s with Function=%s", l.Namespace, l.Dimensions, metrics.Namespace, function)
	}
	out := map[string]float64{}
	for _, name := range names {
		v, ok := l.Value(name)
		if !ok {
			t.Errorf("no %s in the line", name)
		}
		want := metrics.Count
		if name == metrics.Duration {
			want = metrics.Milliseconds
		}
		if u := l.Unit(name); u != want {
			t.Errorf("%s in %s, want %s", name, u, want)
		}
		out[name] = v
	}
	if len(l.Metrics) != len(names) {
		t.Errorf("%d metrics in the line, want %v", len(l.Metrics), names)
	}
	return out
}

var classifierMetrics = []string{metrics.RecordsIn, metrics.Classified, metrics.Unclassified, metrics.Alerts, metrics.FirehoseFailures, metrics.Duration}

// TestClassifierFunction_Metrics: each invocation writes one EMF line
// whose counts are those of the batch: the fixtures' records, the items
// Firehose failed (not those the alert table failed), and the time the
// invocation took.
func TestClassifierFunction_Metrics(t *testing.T) {
	ddb := lambdatest.StartDynalite(t)
	s3c := lambdatest.FakeS3(t, lambdatest.S3Objects(t)).Client
	const fn = "acme_streamalert_classifier"
	refuseCarol := func(stream string, call, index int, data []byte) (string, string) {
		if strings.Contains(string(data), `user/carol`) {
			return "ServiceUnavailableException", "Slow down."
		}
		return "", ""
	}
	tests := []struct {
		name, fixture, table string
		fail                 func(stream string, call, index int, data []byte) (string, string)
		want                 map[string]float64
	}{
		{name: "kinesis", fixture: "kinesis",
			want: map[string]float64{metrics.RecordsIn: 7, metrics.Classified: 6, metrics.Unclassified: 1, metrics.Alerts: 3, metrics.FirehoseFailures: 0}},
		{name: "sqs", fixture: "sqs",
			want: map[string]float64{metrics.RecordsIn: 6, metrics.Classified: 5, metrics.Unclassified: 1, metrics.Alerts: 2, metrics.FirehoseFailures: 0}},
		{name: "http", fixture: "http",
			want: map[string]float64{metrics.RecordsIn: 2, metrics.Classified: 2, metrics.Unclassified: 0, metrics.Alerts: 1, metrics.FirehoseFailures: 0}},
		{name: "firehose refuses one item's records", fixture: "kinesis", fail: refuseCarol,
			want: map[string]float64{metrics.RecordsIn: 7, metrics.Classified: 6, metrics.Unclassified: 1, metrics.Alerts: 3, metrics.FirehoseFailures: 1}},
		// Item 1, a KPL aggregate of two records, stops at the first, whose
		// alert cannot be stored: 6 records are processed, none alerts.
		{name: "alert table missing is no firehose failure", fixture: "kinesis", table: "no_such_table",
			want: map[string]float64{metrics.RecordsIn: 6, metrics.Classified: 5, metrics.Unclassified: 1, metrics.Alerts: 0, metrics.FirehoseFailures: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emf := newEMFCapture(t, fn)
			env := newClassifierEnv(t, ddb, tt.table, s3c, ClassifierOptions{Metrics: emf.w})
			env.fn.now = emf.now
			env.fh.Fail = tt.fail
			if _, err := env.fn.Handle(context.Background(), lambdatest.Event(t, tt.fixture)); err != nil {
				t.Fatal(err)
			}
			lines := emf.lines(t)
			if len(lines) != 1 {
				t.Fatalf("%d EMF lines for one invocation, want 1", len(lines))
			}
			got := values(t, lines[0], fn, classifierMetrics...)
			for name, want := range tt.want {
				if got[name] != want {
					t.Errorf("%s = %v, want %v", name, got[name], want)
				}
			}
			if got[metrics.Duration] != float64(clockStep/time.Millisecond) {
				t.Errorf("Duration = %v ms, want %v", got[metrics.Duration], clockStep/time.Millisecond)
			}
			// Nothing is lost: what came in is classified or not.
			if got[metrics.RecordsIn] != got[metrics.Classified]+got[metrics.Unclassified] {
				t.Errorf("records in %v != classified %v + unclassified %v", got[metrics.RecordsIn], got[metrics.Classified], got[metrics.Unclassified])
			}
			if tt.fail == nil && got[metrics.Unclassified] != float64(lambdatest.Records(env.fh)[firehose.UnclassifiedTableName]) {
				t.Errorf("Unclassified %v, the unclassified stream got %d", got[metrics.Unclassified], lambdatest.Records(env.fh)[firehose.UnclassifiedTableName])
			}
		})
	}
}

// TestAlertsFunction_Metrics: each pass writes one EMF line with the
// alerts delivered and the alert rows the lake's Firehose stream refused.
func TestAlertsFunction_Metrics(t *testing.T) {
	ctx := context.Background()
	ddb := lambdatest.StartDynalite(t)
	const fn = "acme_streamalert_alerts"
	for _, tc := range []struct {
		name       string
		refuse     bool
		want       map[string]float64
		wantErrSub string
	}{
		// The pending alert and the alert merged from the two access keys.
		{name: "delivered", want: map[string]float64{metrics.Alerts: 2, metrics.FirehoseFailures: 0}},
		{name: "lake refuses the merged alert", refuse: true,
			want: map[string]float64{metrics.Alerts: 2, metrics.FirehoseFailures: 1}, wantErrSub: "merged alerts to the lake"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newClassifierEnv(t, ddb, "", nil, ClassifierOptions{})
			if _, err := env.fn.Handle(ctx, lambdatest.Event(t, "kinesis")); err != nil {
				t.Fatal(err)
			}
			pending, err := env.store.List(ctx, alerts.Filter{Status: []alerts.Status{alerts.StatusPending}})
			if err != nil || len(pending) != 1 {
				t.Fatalf("pending alerts %d (%v), want 1", len(pending), err)
			}
			hook := newWebhookReceiver(t, "k3y")
			secrets, err := SecretsFromJSON([]byte(`{"webhook:soc": {"url": "` + hook.URL + `", "signing_key": "k3y"}}`))
			if err != nil {
				t.Fatal(err)
			}
			fh := lambdatest.Firehose(t)
			if tc.refuse {
				fh.Fail = func(stream string, call, index int, data []byte) (string, string) {
					return "ServiceUnavailableException", "Slow down."
				}
			}
			emf := newEMFCapture(t, fn)
			f, err := NewAlertsFunction(AlertsOptions{Config: lambdaTestConfig(t), Store: env.store, Firehose: firehoseAPI(fh.URL),
				Secrets: secrets, Clock: &testClock{t: time.Now().UTC()}, Metrics: emf.w, Log: quietLog})
			if err != nil {
				t.Fatal(err)
			}
			f.fh.MaxAttempts, f.fh.BaseDelay = 2, time.Millisecond
			f.now = emf.now
			res, err := f.Handle(ctx, lambdatest.Event(t, "dynamodb_stream", "__ALERT_ID__", pending[0].ID))
			if (err == nil) != (tc.wantErrSub == "") || err != nil && !strings.Contains(err.Error(), tc.wantErrSub) {
				t.Fatalf("stream pass error %v, want %q", err, tc.wantErrSub)
			}
			lines := emf.lines(t)
			if len(lines) != 1 {
				t.Fatalf("%d EMF lines for one pass, want 1", len(lines))
			}
			got := values(t, lines[0], fn, metrics.Alerts, metrics.FirehoseFailures, metrics.Duration)
			for name, want := range tc.want {
				if got[name] != want {
					t.Errorf("%s = %v, want %v", name, got[name], want)
				}
			}
			if d := res.Streamed.Delivered + res.Dispatch.Delivered; got[metrics.Alerts] != float64(d) || len(hook.received()) != d {
				t.Errorf("Alerts = %v; the pass delivered %d, the webhook got %d", got[metrics.Alerts], d, len(hook.received()))
			}
			if got[metrics.Duration] != float64(clockStep/time.Millisecond) {
				t.Errorf("Duration = %v ms, want %v", got[metrics.Duration], clockStep/time.Millisecond)
			}

			// An idle pass still reports, with zeros.
			if _, err := f.Handle(ctx, lambdatest.Event(t, "schedule")); err != nil {
				t.Fatal(err)
			}
			lines = emf.lines(t)
			if len(lines) != 1 {
				t.Fatalf("%d EMF lines for the idle pass, want 1", len(lines))
			}
			if got := values(t, lines[0], fn, metrics.Alerts, metrics.FirehoseFailures, metrics.Duration); got[metrics.Alerts] != 0 || got[metrics.FirehoseFailures] != 0 {
				t.Errorf("idle pass %v", got)
			}
		})
	}
}
