package alerts

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func pendingAlert(t *testing.T, p *Processor, id string, outputs ...string) string {
	t.Helper()
	rule := RuleInfo{Name: "r", Outputs: outputs}
	r := mustProcess(t, p, match(rule, id, t0, map[string]any{"k": id}))
	if r.Pending != 1 {
		t.Fatalf("process: %+v", r)
	}
	return AlertID("r", id)
}

func mustDispatch(t *testing.T, d *Dispatcher) DispatchResult {
	t.Helper()
	r, err := d.DispatchDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestBackoff_Delay(t *testing.T) {
	b := Backoff{Base: time.Second, Max: 10 * time.Second}
	tests := []struct {
		attempt int
		rnd     float64
		want    time.Duration
	}{
		{1, 0, 500 * time.Millisecond},
		{1, 0.998, 999 * time.Millisecond},
		{2, 0, time.Second},
		{3, 0.5, 3 * time.Second},
		{4, 1, 8 * time.Second},
		{5, 0, 5 * time.Second},
		{60, 1, 10 * time.Second},
	}
	for _, tt := range tests {
		got := b.Delay(tt.attempt, tt.rnd).Round(time.Microsecond)
		if got != tt.want {
			t.Errorf("Delay(%d, %v) = %s, want %s", tt.attempt, tt.rnd, got, tt.want)
		}
	}
}

// TestDispatch_RetryNeverResendsToSucceededOutput: one output works, the
// other fails twice (the second time asking for a 7 s wait); the alert is
// delivered with the working output called exactly once.
func TestDispatch_RetryNeverResendsToSucceededOutput(t *testing.T) {
	store := NewMemoryStore()
	clock := newFakeClock(t0)
	ok := newRecorder("ok:a")
	flaky := newRecorder("flaky:b")
	flaky.fail = func(n int) error {
		switch n {
		case 1:
			return &DeliveryError{Output: "flaky:b", StatusCode: 500, Msg: "HTTP 500"}
		case 2:
			return &DeliveryError{Output: "flaky:b", StatusCode: 429, RetryAfter: 7 * time.Second, Msg: "HTTP 429"}
		}
		return nil
	}
	p := newTestProcessor(t, store, clock, nil)
	d := newTestDispatcher(t, store, clock, ok, flaky)
	id := pendingAlert(t, p, "1", "ok:a", "flaky:b")

	r := mustDispatch(t, d)
	if r.Sent != 1 || r.Errors != 1 {
		t.Fatalf("first pass %+v", r)
	}
	a, _ := store.Get(context.Background(), id)
	del := a.Delivery["flaky:b"]
	// Attempt 1 waits Base·1 with jitter 0.5: 1.5 s.
	if want := t0.Add(1500 * time.Millisecond); !del.NextAttempt.Equal(want) || del.Attempts != 1 || !strings.Contains(del.LastError, "HTTP 500") {
		t.Fatalf("after attempt 1: %+v, want next attempt %s", del, want)
	}
	if !r.Next.Equal(del.NextAttempt) {
		t.Errorf("result next %s, want %s", r.Next, del.NextAttempt)
	}
	if r := mustDispatch(t, d); r.Alerts != 0 {
		t.Fatalf("dispatched before the backoff passed: %+v", r)
	}
	clock.Advance(2 * time.Second)
	mustDispatch(t, d)
	a, _ = store.Get(context.Background(), id)
	if del := a.Delivery["flaky:b"]; !del.NextAttempt.Equal(clock.Now().Add(7 * time.Second)) {
		t.Fatalf("Retry-After not honoured: next %s, now %s", del.NextAttempt, clock.Now())
	}
	clock.Advance(6 * time.Second)
	if r := mustDispatch(t, d); r.Alerts != 0 {
		t.Fatalf("dispatched before Retry-After passed: %+v", r)
	}
	clock.Advance(time.Second)
	if r := mustDispatch(t, d); r.Delivered != 1 {
		t.Fatalf("third attempt %+v", r)
	}
	a, _ = store.Get(context.Background(), id)
	if a.Status != StatusDelivered || a.Dispatched != t0 {
		t.Errorf("status %s dispatched %s", a.Status, a.Dispatched)
	}
	if ok.calls() != 1 || flaky.calls() != 3 {
		t.Errorf("calls ok=%d flaky=%d, want 1 and 3", ok.calls(), flaky.calls())
	}
}

// TestDispatch_ParkedAfterMaxAttemptsThenRetried: an output that keeps
// failing parks the alert as failed (listable, not dropped); Retry sends it
// again to that output only.
func TestDispatch_ParkedAfterMaxAttemptsThenRetried(t *testing.T) {
	ctx := context.Background()
	store := NewMemoryStore()
	clock := newFakeClock(t0)
	ok := newRecorder("ok:a")
	down := newRecorder("down:b")
	healthy := false
	down.fail = func(int) error {
		if healthy {
			return nil
		}
		return &DeliveryError{Output: "down:b", StatusCode: 503, Msg: "HTTP 503"}
	}
	p := newTestProcessor(t, store, clock, nil)
	d := newTestDispatcher(t, store, clock, ok, down) // MaxAttempts 4
	id := pendingAlert(t, p, "1", "ok:a", "down:b")
	parked := 0
	for range 10 {
		parked += mustDispatch(t, d).Parked
		clock.Advance(time.Hour)
	}
	if parked != 1 || down.calls() != 4 {
		t.Fatalf("parked %d after %d calls, want 1 after 4", parked, down.calls())
	}
	failed := mustList(t, store, Filter{Status: []Status{StatusFailed}})
	if len(failed) != 1 || failed[0].ID != id || !failed[0].Delivery["down:b"].Failed {
		t.Fatalf("failed list %+v", failed)
	}
	healthy = true
	if n, err := d.Retry(ctx); err != nil || n != 1 {
		t.Fatalf("retry: %d %v", n, err)
	}
	if r := mustDispatch(t, d); r.Delivered != 1 {
		t.Fatalf("after retry: %+v", r)
	}
	if ok.calls() != 1 || down.calls() != 5 {
		t.Errorf("calls ok=%d down=%d, want 1 and 5", ok.calls(), down.calls())
	}
	if n, _ := d.Retry(ctx, id); n != 0 {
		t.Errorf("retrying a delivered alert requeued %d", n)
	}
}

func TestDispatch_PermanentErrorAndMissingOutputParkAtOnce(t *testing.T) {
	store := NewMemoryStore()
	clock := newFakeClock(t0)
	bad := newRecorder("bad:a")
	bad.fail = func(int) error {
		return &DeliveryError{Output: "bad:a", StatusCode: 401, Permanent: true, Msg: "HTTP 401"}
	}
	p := newTestProcessor(t, store, clock, nil)
	d := newTestDispatcher(t, store, clock, bad)
	id := pendingAlert(t, p, "1", "bad:a", "gone:b")
	if r := mustDispatch(t, d); r.Parked != 1 || r.Errors != 2 {
		t.Fatalf("dispatch %+v", r)
	}
	a, _ := store.Get(context.Background(), id)
	if a.Status != StatusFailed || !strings.Contains(a.Delivery["gone:b"].LastError, "not configured") {
		t.Errorf("alert %+v / %+v", a.Status, a.Delivery["gone:b"])
	}
}

func TestDispatch_ConcurrentAcrossOutputs(t *testing.T) {
	// Two outputs that each wait for the other to have started: only a
	// concurrent dispatcher finishes.
	store := NewMemoryStore()
	clock := newFakeClock(t0)
	started := make(chan struct{}, 2)
	both := make(chan struct{})
	go func() { <-started; <-started; close(both) }()
	mk := func(name string) *blockingOutput { return &blockingOutput{name: name, started: started, release: both} }
	p := newTestProcessor(t, store, clock, nil)
	d := newTestDispatcher(t, store, clock, mk("a:1"), mk("b:2"))
	pendingAlert(t, p, "1", "a:1", "b:2")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := d.DispatchDue(ctx)
	if err != nil || r.Delivered != 1 {
		t.Fatalf("dispatch %+v %v", r, err)
	}
}

type blockingOutput struct {
	name    string
	started chan struct{}
	release chan struct{}
}

func (b *blockingOutput) Name() string { return b.name }
func (b *blockingOutput) Send(ctx context.Context, _ *Alert) error {
	b.started <- struct{}{}
	select {
	case <-b.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestDispatch_LogsNeverHoldSecrets: a failing Slack delivery whose server
// echoes the request URL must not put the webhook URL (the secret) in the
// logs or the stored error.
func TestDispatch_LogsNeverHoldSecrets(t *testing.T) {
	const secretPath = "/services/T0000/B0000/SuperSecretToken123"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte("failed for " + r.URL.Path))
	}))
	defer srv.Close()
	secret := srv.URL + secretPath
	out, err := NewOutput(OutputConfig{Name: "slack:sec", Service: "slack"}, map[string]string{"webhook_url": secret}, OutputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// And one whose server is gone: the transport error carries the URL.
	srv2 := httptest.NewServer(http.NotFoundHandler())
	secret2 := srv2.URL + secretPath
	srv2.Close()
	out2, err := NewOutput(OutputConfig{Name: "slack:gone", Service: "slack"}, map[string]string{"webhook_url": secret2}, OutputOptions{})
	if err != nil {
		t.Fatal(err)
	}

	var logs bytes.Buffer
	store := NewMemoryStore()
	clock := newFakeClock(t0)
	p := newTestProcessor(t, store, clock, nil)
	d, err := NewDispatcher(DispatcherConfig{Store: store, Clock: clock, Outputs: map[string]Output{"slack:sec": out, "slack:gone": out2},
		Log: slog.New(slog.NewTextHandler(&logs, nil)), MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	id := pendingAlert(t, p, "1", "slack:sec", "slack:gone")
	if r := mustDispatch(t, d); r.Errors != 2 {
		t.Fatalf("dispatch %+v", r)
	}
	a, _ := store.Get(context.Background(), id)
	stored := a.Delivery["slack:sec"].LastError + a.Delivery["slack:gone"].LastError
	for _, where := range []string{logs.String(), stored} {
		if strings.Contains(where, "SuperSecretToken123") || strings.Contains(where, "B0000") {
			t.Errorf("secret leaked:\n%s", where)
		}
	}
	if !strings.Contains(logs.String(), "HTTP 500") || !strings.Contains(stored, "[redacted]") {
		t.Errorf("the error should still say what failed:\nlogs: %s\nstored: %s", logs.String(), stored)
	}
}

func TestDispatch_SendNowRetriesThenSucceeds(t *testing.T) {
	out := newRecorder("o:x")
	out.fail = func(n int) error {
		if n < 3 {
			return &DeliveryError{Output: "o:x", RetryAfter: 3 * time.Second, Msg: "busy"}
		}
		return nil
	}
	var slept []time.Duration
	d, _ := NewDispatcher(DispatcherConfig{Store: NewMemoryStore(), Outputs: map[string]Output{"o:x": out}, Rand: func() float64 { return 0 },
		Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }})
	if err := d.SendNow(context.Background(), "o:x", TestAlert(t0, "o:x"), 3); err != nil {
		t.Fatal(err)
	}
	if len(slept) != 2 || slept[0] != 3*time.Second {
		t.Errorf("slept %v, want twice, honouring Retry-After", slept)
	}
	perm := newRecorder("p:x")
	perm.fail = func(int) error { return &DeliveryError{Output: "p:x", Permanent: true, Msg: "no"} }
	d2, _ := NewDispatcher(DispatcherConfig{Store: NewMemoryStore(), Outputs: map[string]Output{"p:x": perm}})
	var de *DeliveryError
	if err := d2.SendNow(context.Background(), "p:x", TestAlert(t0, "p:x"), 5); !errors.As(err, &de) || perm.calls() != 1 {
		t.Errorf("permanent error: %v after %d calls", err, perm.calls())
	}
}

func TestDispatch_PanickingOutputIsAnError(t *testing.T) {
	store := NewMemoryStore()
	clock := newFakeClock(t0)
	p := newTestProcessor(t, store, clock, nil)
	d := newTestDispatcher(t, store, clock, panicOutput{})
	id := pendingAlert(t, p, "1", "panic:x")
	mustDispatch(t, d)
	a, _ := store.Get(context.Background(), id)
	if !strings.Contains(a.Delivery["panic:x"].LastError, "panicked") {
		t.Errorf("delivery %+v", a.Delivery["panic:x"])
	}
}

type panicOutput struct{}

func (panicOutput) Name() string                       { return "panic:x" }
func (panicOutput) Send(context.Context, *Alert) error { panic("boom") }
