// Package scheduler runs hunts on their schedules over a query engine
// (DuckDB in serve, Athena in the hunts Lambda): each window once, missed
// windows after downtime once each (oldest first, at most MaxCatchUp), one
// run of a hunt at a time, every run recorded in a Store. A run's rows
// become alerts (each with a stable id from the hunt, the window and the
// row's key) or one streamquery:results record fed back to the
// classifier, by the hunt's output mode.
//
// It links no cgo: the engine comes in through sqlengine.Engine.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/streamalert/streamalert/historical/sqlengine"
	"github.com/streamalert/streamalert/queries"
)

// Defaults of Config.
const (
	DefaultMaxCatchUp  = 24
	DefaultMaxAttempts = 3
)

// Config sets up a Scheduler.
type Config struct {
	Engine sqlengine.Engine
	Hunts  []*queries.Hunt
	// Store keeps the runs: the file Store, or the DynamoStore where
	// several processes (Lambda invocations) share the schedule.
	Store RunStore
	// Sink receives what the rows become; required.
	Sink Sink
	// Delay waits this long after a window's end before running it, for
	// records to arrive (the lake is partitioned by arrival).
	Delay time.Duration
	// MaxCatchUp bounds the windows run for one hunt in one Tick after
	// downtime; older missed windows are recorded as skipped. 0 means
	// DefaultMaxCatchUp.
	MaxCatchUp int
	// MaxAttempts is how often a failing window is tried before it is
	// given up; 0 means DefaultMaxAttempts.
	MaxAttempts int
	// Params override hunts' parameter defaults, by hunt name.
	Params map[string]map[string]string
	Log    *slog.Logger
	// Now tells the time; nil is time.Now.
	Now func() time.Time
}

// Scheduler runs hunts. Safe for concurrent use.
type Scheduler struct {
	cfg   Config
	hunts map[string]*queries.Hunt
	names []string

	mu      sync.Mutex
	running map[string]bool
}

// New checks cfg and returns a scheduler.
func New(cfg Config) (*Scheduler, error) {
	switch {
	case cfg.Engine == nil:
		return nil, errors.New("scheduler: no engine")
	case cfg.Store == nil:
		return nil, errors.New("scheduler: no run store")
	case cfg.Sink == nil:
		return nil, errors.New("scheduler: no sink for the rows")
	}
	if cfg.MaxCatchUp <= 0 {
		cfg.MaxCatchUp = DefaultMaxCatchUp
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Scheduler{cfg: cfg, hunts: map[string]*queries.Hunt{}, running: map[string]bool{}}
	for _, h := range cfg.Hunts {
		if s.hunts[h.Name] != nil {
			return nil, fmt.Errorf("scheduler: hunt %s given twice", h.Name)
		}
		if h.Schedule.IsZero() {
			return nil, fmt.Errorf("scheduler: hunt %s has no schedule", h.Name)
		}
		s.hunts[h.Name] = h
		s.names = append(s.names, h.Name)
	}
	slices.Sort(s.names)
	return s, nil
}

// ErrRunning is returned for a hunt that is running already.
var ErrRunning = errors.New("the hunt is running already")

// acquire marks a hunt running; false when it is.
func (s *Scheduler) acquire(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running[name] {
		return false
	}
	s.running[name] = true
	return true
}

func (s *Scheduler) release(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.running, name)
}

// Due returns the windows of a hunt due at now, oldest first, and the
// span of older missed windows left out by MaxCatchUp (zero when none).
// A hunt that never ran is due for its latest window only.
func (s *Scheduler) Due(name string, now time.Time) (windows [][2]time.Time, skipped [2]time.Time, err error) {
	return s.due(context.Background(), name, now)
}

func (s *Scheduler) due(ctx context.Context, name string, now time.Time) (windows [][2]time.Time, skipped [2]time.Time, err error) {
	h := s.hunts[name]
	if h == nil {
		return nil, skipped, fmt.Errorf("scheduler: no hunt %s", name)
	}
	st, err := loadState(ctx, s.cfg.Store, name)
	if err != nil {
		return nil, skipped, err
	}
	fire := h.Schedule.Prev(now.Add(-s.cfg.Delay))
	if fire.IsZero() || !fire.After(st.lastEnd) {
		return nil, skipped, nil
	}
	// Walk back from the latest run time to the last settled window.
	for f := fire; !f.IsZero() && f.After(st.lastEnd); {
		start, end := h.Schedule.Window(f)
		if start.IsZero() {
			break
		}
		if len(windows) == s.cfg.MaxCatchUp || (st.lastEnd.IsZero() && len(windows) == 1) {
			if !st.lastEnd.IsZero() {
				skipped = [2]time.Time{st.lastEnd, windows[len(windows)-1][0]}
			}
			break
		}
		windows = append(windows, [2]time.Time{start, end})
		f = start
	}
	slices.Reverse(windows)
	return windows, skipped, nil
}

// Tick runs every hunt's due windows (hunts in name order, windows oldest
// first) and returns the runs it recorded. A hunt still running from
// another call is passed over. A failed window stops its hunt for this
// tick (later windows wait, so windows complete in order) until it has
// failed MaxAttempts times and is given up.
func (s *Scheduler) Tick(ctx context.Context) ([]Run, error) {
	return s.TickHunts(ctx, s.names...)
}

// Names are the scheduler's hunts, sorted.
func (s *Scheduler) Names() []string { return slices.Clone(s.names) }

// TickHunts is Tick for the named hunts only (the hunts Lambda invoked
// for one hunt). An unknown name is an error before anything runs.
func (s *Scheduler) TickHunts(ctx context.Context, names ...string) ([]Run, error) {
	for _, name := range names {
		if s.hunts[name] == nil {
			return nil, fmt.Errorf("scheduler: no hunt %s", name)
		}
	}
	now := s.cfg.Now().UTC()
	var out []Run
	for _, name := range names {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		if !s.acquire(name) {
			continue
		}
		runs, err := s.tickHunt(ctx, name, now)
		s.release(name)
		out = append(out, runs...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func (s *Scheduler) tickHunt(ctx context.Context, name string, now time.Time) ([]Run, error) {
	windows, skipped, err := s.due(ctx, name, now)
	if err != nil {
		return nil, err
	}
	var out []Run
	if !skipped[0].IsZero() {
		r := Run{Hunt: name, WindowStart: skipped[0], WindowEnd: skipped[1], Started: now, Skipped: true,
			Error: fmt.Sprintf("not run: more than %d windows were missed; catch-up runs the latest %d", s.cfg.MaxCatchUp, s.cfg.MaxCatchUp)}
		if err := s.cfg.Store.Record(ctx, r); err != nil {
			return out, s.conflict(name, r, err)
		}
		s.cfg.Log.Warn("hunt windows skipped", "hunt", name, "from", r.WindowStart, "to", r.WindowEnd)
		out = append(out, r)
	}
	st, err := loadState(ctx, s.cfg.Store, name)
	if err != nil {
		return out, err
	}
	for _, w := range windows {
		r := s.run(ctx, s.hunts[name], queries.TimeRange{From: w[0], To: w[1]}, s.cfg.Params[name])
		r.Attempt = st.attempts[w[1].UnixNano()] + 1
		if r.Error != "" && r.Attempt >= s.cfg.MaxAttempts {
			r.GaveUp = true
		}
		if err := s.cfg.Store.Record(ctx, r); err != nil {
			return out, s.conflict(name, r, err)
		}
		out = append(out, r)
		if r.Error != "" {
			s.cfg.Log.Error("hunt run failed", "hunt", name, "window_start", w[0], "window_end", w[1], "attempt", r.Attempt, "gave_up", r.GaveUp, "error", r.Error)
			if !r.GaveUp {
				break
			}
			continue
		}
		s.cfg.Log.Info("hunt ran", "hunt", name, "window_start", w[0], "window_end", w[1], "rows", r.Rows, "bytes_scanned", r.BytesScanned, "alerts", r.Alerts)
	}
	return out, ctx.Err()
}

// conflict passes over a hunt whose runs another process recorded since
// this one read them (nil error: that process owns the window; its alerts
// and this run's have the same ids); other store errors are returned.
func (s *Scheduler) conflict(name string, r Run, err error) error {
	if errors.Is(err, ErrConflict) {
		s.cfg.Log.Warn("hunt run not recorded: another invocation ran the window", "hunt", name, "window_start", r.WindowStart, "window_end", r.WindowEnd, "error", err)
		return nil
	}
	return err
}

// RunWindow runs a hunt over a range by hand (`hunt run`) and records it
// as manual: it does not count for the schedule. rng.Late, when set,
// widens the partitions read (see queries.Hunt.RenderRange).
func (s *Scheduler) RunWindow(ctx context.Context, name string, rng queries.TimeRange, params map[string]string) (Run, error) {
	h := s.hunts[name]
	if h == nil {
		return Run{}, fmt.Errorf("scheduler: no hunt %s", name)
	}
	if !s.acquire(name) {
		return Run{}, fmt.Errorf("hunt %s: %w", name, ErrRunning)
	}
	defer s.release(name)
	r := s.run(ctx, h, rng, params)
	r.Manual = true
	if err := s.cfg.Store.Record(ctx, r); err != nil {
		return r, err
	}
	if r.Error != "" {
		return r, fmt.Errorf("hunt %s: %s", name, r.Error)
	}
	return r, nil
}

// Loop ticks every interval until ctx ends; it logs errors of a tick and
// carries on. It returns when ctx is done.
func (s *Scheduler) Loop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Log.Error("hunt scheduler tick", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Execute renders a hunt for the range and runs it on the engine: the run
// record (not yet stored; failures are in Run.Error), the result and the
// statement. `hunt run` and the scheduler both start here.
func Execute(ctx context.Context, eng sqlengine.Engine, h *queries.Hunt, rng queries.TimeRange, params map[string]string, now time.Time) (Run, *sqlengine.Result, string) {
	clock := time.Now()
	r := Run{Hunt: h.Name, Engine: eng.Name(), WindowStart: rng.From.UTC(), WindowEnd: rng.To.UTC(), Started: now.UTC()}
	sql, err := h.RenderRange(eng.Dialect(), rng, params)
	if err != nil {
		r.Error = err.Error()
		r.Duration = time.Since(clock)
		return r, nil, ""
	}
	res, err := eng.Execute(ctx, sql)
	r.Duration = time.Since(clock)
	if err != nil {
		r.Error = err.Error()
		return r, nil, sql
	}
	r.Rows, r.BytesScanned, r.CostUSD, r.QueryID = int64(len(res.Rows)), res.Stats.BytesScanned, res.Stats.CostUSD, res.Stats.QueryID
	return r, res, sql
}

// run executes one window and hands its rows to the sink; failures are
// in Run.Error.
func (s *Scheduler) run(ctx context.Context, h *queries.Hunt, rng queries.TimeRange, params map[string]string) (r Run) {
	clock := time.Now()
	defer func() { r.Duration = time.Since(clock) }()
	r, res, sql := Execute(ctx, s.cfg.Engine, h, rng, params, s.cfg.Now())
	if r.Error != "" {
		return r
	}
	out := Output{Hunt: h, Range: rng, Engine: s.cfg.Engine.Name(), SQL: sql, Params: params, Result: res, Started: r.Started}
	switch h.Output {
	case queries.HuntFeed:
		payload, err := out.Feed(s.cfg.Now().UTC())
		if err == nil {
			err = s.cfg.Sink.Feed(ctx, payload)
		}
		if err != nil {
			r.Error = fmt.Sprintf("feed: %v", err)
			return r
		}
		r.Fed = true
	default:
		ms, err := out.Matches()
		if err == nil && len(ms) > 0 {
			r.Alerts, err = s.cfg.Sink.Alerts(ctx, ms)
		}
		if err != nil {
			r.Error = fmt.Sprintf("alerts: %v", err)
		}
	}
	return r
}
