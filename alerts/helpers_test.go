package alerts

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// fakeClock is a Clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{t: t.UTC()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t.UTC()
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// recorder is an Output that records what it was sent and fails on demand.
type recorder struct {
	name string
	mu   sync.Mutex
	sent []string // alert ids, in order
	// fail returns the error for the nth call (1-based), nil for success.
	fail func(n int) error
	n    int
}

func newRecorder(name string) *recorder { return &recorder{name: name} }

func (r *recorder) Name() string { return r.name }

func (r *recorder) Send(_ context.Context, a *Alert) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	if r.fail != nil {
		if err := r.fail(r.n); err != nil {
			return err
		}
	}
	r.sent = append(r.sent, a.ID)
	return nil
}

func (r *recorder) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

func (r *recorder) delivered() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.sent...)
}

func openTestBolt(t testing.TB) *BoltStore {
	t.Helper()
	s, err := OpenBolt(filepath.Join(t.TempDir(), "alerts.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newTestProcessor(t testing.TB, store Store, clock Clock, mod func(*ProcessorConfig)) *Processor {
	t.Helper()
	cfg := ProcessorConfig{Store: store, Clock: clock}
	if mod != nil {
		mod(&cfg)
	}
	p, err := NewProcessor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newTestDispatcher(t testing.TB, store Store, clock Clock, outs ...Output) *Dispatcher {
	t.Helper()
	m := map[string]Output{}
	for _, o := range outs {
		m[o.Name()] = o
	}
	d, err := NewDispatcher(DispatcherConfig{Store: store, Clock: clock, Outputs: m, Rand: func() float64 { return 0.5 }, MaxAttempts: 4})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func match(rule RuleInfo, id string, t time.Time, rec map[string]any) Match {
	return Match{Rule: rule, LogType: "test:events", Source: "unit", RecordID: id, EventTime: t, Record: rec}
}

func mustProcess(t testing.TB, p *Processor, ms ...Match) Result {
	t.Helper()
	r, err := p.Process(context.Background(), ms)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustTick(t testing.TB, p *Processor) TickResult {
	t.Helper()
	r, err := p.Tick(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustList(t testing.TB, s Store, f Filter) []*Alert {
	t.Helper()
	as, err := s.List(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func countByStatus(t testing.TB, s Store) map[Status]int {
	t.Helper()
	out := map[Status]int{}
	for _, a := range mustList(t, s, Filter{}) {
		out[a.Status]++
	}
	return out
}

var t0 = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

func recID(i int) string { return fmt.Sprintf("rec-%05d", i) }
