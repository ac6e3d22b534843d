package realtime

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

// TestRunner_SubmitWait: while the pipeline is busy SubmitWait waits, gives
// up when its context ends (an error that is ErrBusy and the context's),
// and gets through once the workers make room.
func TestRunner_SubmitWait(t *testing.T) {
	cfg := testConfig(t)
	app, err := OpenApp(context.Background(), cfg, t.TempDir(), AppOptions{NoOutputs: true})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close(context.Background())
	app.Runner.cfg.MaxPendingBytes = 1000
	big := bytes.Repeat([]byte("x"), 600)
	if _, err := app.Runner.SubmitWait(context.Background(), "http", time.Now(), big); err != nil {
		t.Fatalf("first batch: %v", err)
	}
	// Not started: nothing is processed, so the second batch cannot fit.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = app.Runner.SubmitWait(ctx, "http", time.Now(), big)
	if !errors.Is(err, ErrBusy) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("busy until the deadline: err %v, want ErrBusy and DeadlineExceeded", err)
	}
	// Workers start while SubmitWait waits: it gets through.
	start := time.AfterFunc(50*time.Millisecond, func() { app.Start(context.Background()) })
	defer start.Stop()
	if _, err := app.Runner.SubmitWait(context.Background(), "http", time.Now(), big); err != nil {
		t.Fatalf("after the workers started: %v", err)
	}
	app.Runner.Drain()
}
