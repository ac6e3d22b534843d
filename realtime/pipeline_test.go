package realtime

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/internal/schematest"
	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

type countingLake struct{ rows int }

func (l *countingLake) Write(*schema.Record) error                   { l.rows++; return nil }
func (l *countingLake) WriteUnclassified(*schema.Unclassified) error { l.rows++; return nil }

// flakyAlerter fails its first calls, then succeeds.
type flakyAlerter struct {
	failures int
	got      int
}

func (a *flakyAlerter) Process(_ context.Context, ms []alerts.Match) (alerts.Result, error) {
	if a.failures > 0 {
		a.failures--
		return alerts.Result{}, errors.New("store unavailable")
	}
	a.got += len(ms)
	return alerts.Result{New: len(ms)}, nil
}

func TestWorker_AlertStoreFailureRetriesMatchesNotLakeWrites(t *testing.T) {
	reg := schema.Builtin()
	set, errs := rules.Pack(reg)
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	lake := &countingLake{}
	al := &flakyAlerter{failures: 2}
	p, err := New(Config{Registry: reg, Rules: set, Lake: lake, Alerter: al})
	if err != nil {
		t.Fatal(err)
	}
	w := p.NewWorker()
	payload := schematest.CloudTrailRecord(1, "StopLogging") + "\n" + schematest.CloudTrailRecord(2, "DescribeInstances") + "\n"
	_, err = w.Process(context.Background(), Batch{Seq: 1, Source: "t", Received: time.Now(), Payload: []byte(payload)}, nil)
	if !errors.Is(err, ErrAlerts) {
		t.Fatalf("Process err = %v, want ErrAlerts", err)
	}
	if lake.rows != 2 {
		t.Fatalf("lake rows after the first try: %d, want 2", lake.rows)
	}
	if _, err := w.RetryAlerts(context.Background()); !errors.Is(err, ErrAlerts) {
		t.Fatalf("second try: %v, want the store error again", err)
	}
	n, err := w.RetryAlerts(context.Background())
	if err != nil || n == 0 || al.got == 0 {
		t.Fatalf("third try: %d alerts, err %v", n, err)
	}
	if lake.rows != 2 {
		t.Errorf("retrying the alerts wrote %d lake rows, want still 2", lake.rows)
	}
}
