package lambdafn

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/internal/lambdatest"
)

// webhookReceiver is a webhook endpoint that checks signatures and can be
// told to fail.
type webhookReceiver struct {
	*httptest.Server
	key string

	mu   sync.Mutex
	ids  []string
	fail int // answer 500 to this many requests first
	bad  int // requests with a wrong signature
}

func newWebhookReceiver(t *testing.T, key string) *webhookReceiver {
	w := &webhookReceiver{key: key}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.mu.Lock()
		defer w.mu.Unlock()
		if !alerts.VerifySignature([]byte(w.key), body, r.Header.Get(alerts.SignatureHeader)) {
			w.bad++
		}
		if w.fail > 0 {
			w.fail--
			http.Error(rw, "try later", http.StatusInternalServerError)
			return
		}
		w.ids = append(w.ids, r.Header.Get("X-Streamalert-Alert-Id"))
	}))
	t.Cleanup(w.Close)
	return w
}

func (w *webhookReceiver) received() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := slices.Clone(w.ids)
	slices.Sort(out)
	return out
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// TestAlertsFunction_StreamAndSchedule: the classifier stores alerts; the
// alerts function, on the stream event, tries the pending one at once and
// closes the merge group whose window has passed; on its schedule it
// retries what failed — each alert reaches the webhook once, signed.
func TestAlertsFunction_StreamAndSchedule(t *testing.T) {
	ctx := context.Background()
	ddb := lambdatest.StartDynalite(t)
	env := newClassifierEnv(t, ddb, "", nil, ClassifierOptions{})
	if _, err := env.fn.Handle(ctx, lambdatest.Event(t, "kinesis")); err != nil {
		t.Fatal(err)
	}
	pending, err := env.store.List(ctx, alerts.Filter{Status: []alerts.Status{alerts.StatusPending}})
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending alerts %d (%v), want 1", len(pending), err)
	}

	hook := newWebhookReceiver(t, "k3y")
	hook.fail = 1
	secrets, err := SecretsFromJSON([]byte(`{"webhook:soc": {"url": "` + hook.URL + `", "signing_key": "k3y"}}`))
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{t: time.Now().UTC()}
	fh := lambdatest.Firehose(t)
	fn, err := NewAlertsFunction(AlertsOptions{Config: lambdaTestConfig(t), Store: env.store, Firehose: firehoseAPI(fh.URL),
		Secrets: secrets, Clock: clock, Log: quietLog})
	if err != nil {
		t.Fatal(err)
	}

	// The stream shows the pending alert: the webhook fails once, so it
	// waits for its backoff. The merge group of the two access keys, whose
	// window has passed, is closed and its merged alert delivered.
	stream := lambdatest.Event(t, "dynamodb_stream", "__ALERT_ID__", pending[0].ID)
	res, err := fn.Handle(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	if res.Trigger != EventDynamoDB || res.Streamed.Alerts != 1 || res.Streamed.Errors != 1 ||
		res.Tick.Closed != 1 || res.Tick.Merged != 1 || res.Dispatch.Sent != 1 || res.Dispatch.Delivered != 1 {
		t.Errorf("stream pass %+v", res)
	}
	// A minute and a half later the schedule retries the failed one.
	clock.Set(clock.Now().Add(90 * time.Second))
	res, err = fn.Handle(ctx, lambdatest.Event(t, "schedule"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Trigger != EventSchedule || res.Tick.Closed != 0 || res.Dispatch.Sent != 1 || res.Dispatch.Delivered != 1 {
		t.Errorf("scheduled pass %+v", res)
	}
	merged, err := env.store.List(ctx, alerts.Filter{Rule: "lambdatest_access_key_created"})
	if err != nil {
		t.Fatal(err)
	}
	var mergedID string
	for _, a := range merged {
		if a.Merge != nil {
			mergedID = a.ID
			if a.Merge.Count != 2 || a.Status != alerts.StatusDelivered {
				t.Errorf("merged alert count %d status %s", a.Merge.Count, a.Status)
			}
		}
	}
	want := []string{pending[0].ID, mergedID}
	slices.Sort(want)
	if got := hook.received(); !slices.Equal(got, want) {
		t.Errorf("webhook got %v, want %v", got, want)
	}
	if hook.bad != 0 {
		t.Errorf("%d requests with a bad signature", hook.bad)
	}
	if got := lambdatest.Records(fh)["alerts"]; got != 1 {
		t.Errorf("%d rows to the alerts table, want the merged alert", got)
	}

	// Nothing is due any more: the next runs send nothing, whatever the trigger.
	for _, ev := range [][]byte{lambdatest.Event(t, "schedule"), stream, []byte(`{}`)} {
		res, err = fn.Handle(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		if res.Dispatch.Alerts+res.Streamed.Alerts != 0 {
			t.Errorf("pass after delivery %+v", res)
		}
	}
	if res.Trigger != "manual" {
		t.Errorf("trigger of {} is %q, want manual", res.Trigger)
	}
	if len(hook.received()) != 2 {
		t.Errorf("webhook got %v after the idle passes", hook.received())
	}
}

func TestAlertsFunction_Errors(t *testing.T) {
	ctx := context.Background()
	ddb := lambdatest.StartDynalite(t)
	missing := alerts.NewDynamoStore(lambdatest.DynamoClient(ddb), "no_such_table")
	fn, err := NewAlertsFunction(AlertsOptions{Config: lambdaTestConfig(t), Store: missing, Log: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fn.Handle(ctx, lambdatest.Event(t, "schedule")); err == nil || !strings.Contains(err.Error(), "no_such_table") {
		t.Errorf("a missing table: %v", err)
	}
	if _, err := fn.Handle(ctx, lambdatest.Event(t, "kinesis")); err == nil || !strings.Contains(err.Error(), "classifier") {
		t.Errorf("a Kinesis event: %v", err)
	}
}

func TestPendingAlerts(t *testing.T) {
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(lambdatest.Event(t, "dynamodb_stream", "__ALERT_ID__", "abc123"), &ev); err != nil {
		t.Fatal(err)
	}
	if got := PendingAlerts(ev); !slices.Equal(got, []string{"abc123"}) {
		t.Errorf("PendingAlerts = %v, want the inserted pending alert only", got)
	}
}

func TestSecretsFromJSON(t *testing.T) {
	s, err := SecretsFromJSON([]byte(`{"slack:x": {"webhook_url": "https://hooks.example/T0"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if m, err := s.Get("slack:x"); err != nil || m["webhook_url"] != "https://hooks.example/T0" {
		t.Errorf("Get = %v, %v", m, err)
	}
	if _, err := s.Get("slack:y"); err != alerts.ErrNoSecret {
		t.Errorf("Get of an unknown output: %v", err)
	}
	if s, err := SecretsFromJSON(nil); err != nil || s == nil {
		t.Errorf("no secrets: %v", err)
	}
	_, err = SecretsFromJSON([]byte(`{"slack:x": "https://hooks.example/SECRET"}`))
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("bad JSON error %v must not quote the value", err)
	}
}
