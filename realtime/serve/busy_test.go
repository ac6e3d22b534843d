package serve

import (
	"bytes"
	"context"
	"errors"
	"github.com/streamalert/streamalert/realtime"
	"testing"
	"time"
)

// TestRunner_SubmitWait: while the pipeline is busy SubmitWait waits, gives
// up when its context ends (an error that is ErrBusy and the context's),
// and gets through once the workers make room.
func TestRunner_SubmitWait(t *testing.T) {
	cfg := testConfig(t)
	app, err := OpenApp(context.Background(), cfg, t.TempDir(), AppOptions{NoOutputs: true, MaxPendingBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close(context.Background())
	big := bytes.Repeat([]byte("x"), 600)
	if _, err := app.Runner.SubmitWait(context.Background(), "http", time.Now(), big); err != nil {
		t.Fatalf("first batch: %v", err)
	}
	// Not started: nothing is processed, so the second batch cannot fit.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = app.Runner.SubmitWait(ctx, "http", time.Now(), big)
	if !errors.Is(err, realtime.ErrBusy) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("busy until the deadline: err %v, want realtime.ErrBusy and DeadlineExceeded", err)
	}
	// Workers start while SubmitWait waits: it gets through.
	start := time.AfterFunc(50*time.Millisecond, func() { app.Start(context.Background()) })
	defer start.Stop()
	if _, err := app.Runner.SubmitWait(context.Background(), "http", time.Now(), big); err != nil {
		t.Fatalf("after the workers started: %v", err)
	}
	app.Runner.Drain()
}

func TestRunner_RefusesWhenPendingBytesAreFull(t *testing.T) {
	cfg := testConfig(t)
	app, err := OpenApp(context.Background(), cfg, t.TempDir(), AppOptions{NoOutputs: true, MaxPendingBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close(context.Background())
	// Not started: nothing is processed, so accepted bytes stay pending.
	big := bytes.Repeat([]byte("x"), 600)
	if _, err := app.Runner.Submit("http", time.Now(), big); err != nil {
		t.Fatalf("first batch refused: %v", err)
	}
	if _, err := app.Runner.Submit("http", time.Now(), big); err != realtime.ErrBusy {
		t.Fatalf("second batch over the byte bound: err %v, want ErrBusy", err)
	}
	if _, err := app.Runner.Submit("http", time.Now(), big[:300]); err != nil {
		t.Fatalf("a batch within the bound refused: %v", err)
	}
	app.Start(context.Background())
	app.Runner.Drain()
	if _, err := app.Runner.Submit("http", time.Now(), big); err != nil {
		t.Fatalf("refused after the queue drained: %v", err)
	}
}
