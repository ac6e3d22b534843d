package scheduler_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/historical/scheduler"
	"github.com/streamalert/streamalert/historical/sqlengine"
	"github.com/streamalert/streamalert/internal/lambdatest"
	"github.com/streamalert/streamalert/queries"
)

// overlapEngine runs the hunt on the real engine, but first lets during
// (another invocation) run, as two overlapping Lambda invocations would.
type overlapEngine struct {
	sqlengine.Engine
	during func()
}

func (o *overlapEngine) Execute(ctx context.Context, sql string) (*sqlengine.Result, error) {
	if f := o.during; f != nil {
		o.during = nil
		f()
	}
	return o.Engine.Execute(ctx, sql)
}

// TestDynamoStore_OverlapAndRetry: two schedulers (two Lambda invocations)
// share a hunt's item in the alert table on dynalite. Windows run in order
// and each is recorded once: when one invocation runs a window while the
// other records it, the late one is refused (ErrConflict) and passes the
// hunt over; alert ids being stable, the overlap raises no second alert.
// A failed window is retried by the next invocation, never skipped.
func TestDynamoStore_OverlapAndRetry(t *testing.T) {
	endpoint := lambdatest.StartDynalite(t)
	const table = "hunts_test_alerts"
	alertStore := lambdatest.AlertTable(t, endpoint, table)
	client := lambdatest.DynamoClient(endpoint)
	e := lake(t)
	c := &clock{now: t0.Add(20 * time.Second)}
	h := hunt(t, failuresHunt)
	ctx := context.Background()

	newScheduler := func(eng sqlengine.Engine) (*scheduler.Scheduler, *scheduler.DynamoStore) {
		proc, err := alerts.NewProcessor(alerts.ProcessorConfig{Store: alertStore, Clock: c.alertsNow()})
		if err != nil {
			t.Fatal(err)
		}
		runs := scheduler.NewDynamoStore(client, table)
		s, err := scheduler.New(scheduler.Config{Engine: eng, Hunts: []*queries.Hunt{h}, Store: runs,
			Sink: scheduler.ProcessorSink{Processor: proc}, Now: c.Now})
		if err != nil {
			t.Fatal(err)
		}
		return s, runs
	}
	tick := func(s *scheduler.Scheduler, want ...string) {
		t.Helper()
		runs, err := s.Tick(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := windows(runs); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("at %s ran %v, want %v", c.Now().Format("15:04:05"), got, want)
		}
	}

	slow := &overlapEngine{Engine: e}
	a, runs := newScheduler(slow)
	b, _ := newScheduler(e)
	tick(a, "11:59-12:00")
	tick(b) // a second invocation of the same tick: nothing due

	// b runs and records 12:00-12:01 while a is running it: a's record is
	// refused and a reports nothing.
	c.Add(time.Minute)
	slow.during = func() { tick(b, "12:00-12:01") }
	tick(a)
	tick(a)
	tick(b)

	// A failing window is retried by the next invocation, then the next
	// window follows: nothing skipped.
	c.Add(time.Minute)
	failing := &failEngine{Engine: e, fails: 1}
	f, _ := newScheduler(failing)
	tick(f, "12:01-12:02 failed")
	tick(b, "12:01-12:02")
	c.Add(time.Minute)
	tick(a, "12:02-12:03")

	hist, err := runs.Runs(ctx, h.Name)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(windows(hist), ","); got != "11:59-12:00,12:00-12:01,12:01-12:02 failed,12:01-12:02,12:02-12:03" {
		t.Errorf("recorded runs %s", got)
	}
	all, err := alertStore.List(ctx, alerts.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 {
		t.Errorf("%d alerts, want one per window (4)", len(all))
	}

	// A stale writer is refused with ErrConflict; a manual run is not.
	stale := scheduler.NewDynamoStore(client, table)
	if _, _, err := mustDue(t, stale, h, c); err != nil {
		t.Fatal(err)
	}
	if err := runs.Record(ctx, scheduler.Run{Hunt: h.Name, WindowStart: t0.Add(3 * time.Minute), WindowEnd: t0.Add(4 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	err = stale.Record(ctx, scheduler.Run{Hunt: h.Name, WindowStart: t0.Add(3 * time.Minute), WindowEnd: t0.Add(4 * time.Minute)})
	if !errors.Is(err, scheduler.ErrConflict) {
		t.Errorf("stale record: %v, want ErrConflict", err)
	}
	if err := stale.Record(ctx, scheduler.Run{Hunt: h.Name, Manual: true, WindowStart: t0, WindowEnd: t0.Add(time.Hour)}); err != nil {
		t.Errorf("manual record: %v", err)
	}
}

// mustDue reads the state through a scheduler, as an invocation does
// before it runs anything.
func mustDue(t *testing.T, store *scheduler.DynamoStore, h *queries.Hunt, c *clock) ([][2]time.Time, [2]time.Time, error) {
	t.Helper()
	s, err := scheduler.New(scheduler.Config{Engine: &failEngine{fails: 0}, Hunts: []*queries.Hunt{h}, Store: store,
		Sink: scheduler.ProcessorSink{}, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s.Due(h.Name, c.Now())
}

// failEngine fails its first fails statements, then runs them on Engine.
type failEngine struct {
	sqlengine.Engine
	fails int
}

func (f *failEngine) Name() string             { return "failing" }
func (f *failEngine) Dialect() queries.Dialect { return queries.DuckDB }

func (f *failEngine) Execute(ctx context.Context, sql string) (*sqlengine.Result, error) {
	if f.fails > 0 {
		f.fails--
		return nil, errors.New("engine down")
	}
	return f.Engine.Execute(ctx, sql)
}
