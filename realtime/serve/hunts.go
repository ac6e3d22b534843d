package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/streamalert/streamalert/historical"
	"github.com/streamalert/streamalert/historical/scheduler"
	"github.com/streamalert/streamalert/historical/sqlengine"
	"github.com/streamalert/streamalert/internal/config/hunts"
	"github.com/streamalert/streamalert/queries"
	"github.com/streamalert/streamalert/realtime"
	"github.com/streamalert/streamalert/schema"
)

// Defaults of serve's hunt scheduler.
const (
	// DefaultHuntTick is how often serve looks for hunt windows due.
	DefaultHuntTick = 30 * time.Second
	// DefaultHuntDelay holds a window back after its end when
	// historical.yaml sets no scheduler.delay: records of the window's
	// last moments reach the lake at the next commit.
	DefaultHuntDelay = 5 * time.Minute
)

// addFeedSource lets the pipeline take feed hunts' payloads: batches of
// the source "streamquery" are classified as streamquery:results only.
// It must be known before the ingest log is replayed, which may hold such
// batches. A configured source of that name is left as configured.
func addFeedSource(p *realtime.Pipeline, reg *schema.Registry, configured map[string][]*schema.LogType) {
	if _, ok := configured[scheduler.FeedSource]; ok {
		return
	}
	if lt := reg.Get(scheduler.FeedLogType); lt != nil {
		p.AddSource(scheduler.FeedSource, []*schema.LogType{lt})
	}
}

// huntRunner runs the config's hunts on their schedules while serve runs:
// DuckDB over the local lake, run records in <data>/hunts, alerts through
// the app's processor, feed payloads through its runner. It owns the one
// goroutine that ticks the scheduler, and the engine.
type huntRunner struct {
	sched   *scheduler.Scheduler
	engine  *historical.Engine
	hunts   []*queries.Hunt
	every   time.Duration
	now     func() time.Time
	metrics *realtime.Metrics
	log     *slog.Logger

	mu      sync.Mutex
	settled map[string]time.Time // end of the last settled window, per hunt

	stop context.CancelFunc
	done chan struct{}
}

// Hunt metrics on /metrics.
const (
	metricHuntTicks    = "streamalert_hunt_ticks_total"
	metricHuntRuns     = "streamalert_hunt_runs_total"
	metricHuntFailures = "streamalert_hunt_failures_total"
	metricHuntSkipped  = "streamalert_hunt_skipped_total"
	metricHuntAlerts   = "streamalert_hunt_alerts_total"
	metricHuntLag      = "streamalert_hunt_lag_seconds"
)

// startHunts resolves the hunts and the rules with a schedule and starts
// their scheduler over the local lake; close (stopHunts) ends it, as it
// ends the runner. Over an s3:// lake serve runs none (the hunts Lambda
// runs them on Athena). A config problem of the hunts is an error.
func (a *App) startHunts(ctx context.Context) error {
	opts := a.opts
	if opts.NoHunts {
		return nil
	}
	hs, hist, ps := hunts.Resolve(a.Config)
	if len(ps) > 0 {
		ps.Sort()
		return fmt.Errorf("hunts have problems (run `streamalert validate`):\n%w", ps.Err())
	}
	// Rules with schedule: run as SQL too, with their streaming alerts' ids.
	ruleHunts, errs := queries.RuleHunts(a.Rules.Rules(), a.Registry)
	if len(errs) > 0 {
		return fmt.Errorf("scheduled rules (run `streamalert validate`): %w", errors.Join(errs...))
	}
	hs = append(hs, ruleHunts...)
	if len(hs) == 0 {
		return nil
	}
	if _, local := a.Config.Global.LocalLake(a.DataDir); !local {
		a.Log.Info("hunts are not scheduled by serve over a lake that is not local; the hunts Lambda runs them on Athena", "lake", a.LakeRoot, "hunts", len(hs))
		return nil
	}
	// One thread: hunts are background work beside ingest.
	eng, err := historical.Open(ctx, a.LakeRoot, a.Registry.All(), historical.Options{Threads: 1})
	if err != nil {
		return fmt.Errorf("hunts: %w", err)
	}
	now := opts.HuntClock
	if now == nil {
		now = time.Now
	}
	delay := hist.Scheduler.Delay
	if hist.Scheduler.DelayText == "" {
		delay = DefaultHuntDelay
	}
	store := scheduler.OpenStore(scheduler.StoreDir(a.DataDir))
	sink := scheduler.ProcessorSink{Processor: a.Processor, Classify: func(ctx context.Context, payload []byte) error {
		_, err := a.Runner.SubmitWait(ctx, scheduler.FeedSource, time.Now(), payload)
		return err
	}}
	log := a.Log.With("part", "hunts")
	sched, err := scheduler.New(scheduler.Config{Engine: refreshing{eng}, Hunts: hs, Store: store, Sink: sink,
		Delay: delay, MaxCatchUp: hist.Scheduler.MaxCatchUp, MaxAttempts: hist.Scheduler.MaxAttempts,
		Params: hist.Hunts.Params, Log: log, Now: now, RuleInfo: realtime.RuleInfo})
	if err != nil {
		eng.Close()
		return err
	}
	h := &huntRunner{sched: sched, engine: eng, hunts: hs, every: opts.HuntTick, now: now, metrics: a.Metrics, log: log,
		settled: map[string]time.Time{}, done: make(chan struct{})}
	if h.every <= 0 {
		h.every = DefaultHuntTick
	}
	for _, hunt := range hs {
		runs, err := store.History(hunt.Name)
		if err != nil {
			eng.Close()
			return err
		}
		h.observe(runs)
	}
	h.register()
	lctx, stop := context.WithCancel(ctx)
	h.stop = stop
	go h.loop(lctx)
	a.hunts = h
	a.Log.Info("hunts scheduled", "hunts", len(hs), "delay", delay, "runs", store.Dir())
	return nil
}

// stopHunts ends the scheduler (a run in progress is cancelled and runs
// again at the next start) and closes its engine.
func (a *App) stopHunts() {
	h := a.hunts
	if h == nil {
		return
	}
	a.hunts = nil
	h.stop()
	<-h.done
	h.engine.Close()
}

// loop ticks the scheduler until ctx ends.
func (h *huntRunner) loop(ctx context.Context) {
	defer close(h.done)
	t := time.NewTicker(h.every)
	defer t.Stop()
	for {
		runs, err := h.sched.Tick(ctx)
		h.count(runs)
		h.observe(runs)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			// Runs record their own failures; this is the store or the sink.
			h.log.Error("hunt scheduler tick", "error", err)
		}
		h.metrics.Add(metricHuntTicks, 1)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// observe counts runs and moves each hunt's settled window.
func (h *huntRunner) observe(runs []scheduler.Run) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range runs {
		r := &runs[i]
		if r.Manual {
			continue
		}
		if r.Settles() && r.WindowEnd.After(h.settled[r.Hunt]) {
			h.settled[r.Hunt] = r.WindowEnd
		}
	}
}

// count adds a tick's runs to the counters.
func (h *huntRunner) count(runs []scheduler.Run) {
	for _, r := range runs {
		switch {
		case r.Manual:
		case r.Skipped:
			h.metrics.Add(metricHuntSkipped, 1, "hunt", r.Hunt)
		default:
			h.metrics.Add(metricHuntRuns, 1, "hunt", r.Hunt)
			if r.Error != "" {
				h.metrics.Add(metricHuntFailures, 1, "hunt", r.Hunt)
			}
			if r.Alerts > 0 {
				h.metrics.Add(metricHuntAlerts, int64(r.Alerts), "hunt", r.Hunt)
			}
		}
	}
}

// register describes the hunt metrics and the lag gauge: per hunt, the
// seconds from the end of its last settled window to now. A hunt on
// schedule lags between the delay and one interval more; a hunt that
// fails or falls behind lags ever more.
func (h *huntRunner) register() {
	h.metrics.Describe(metricHuntTicks, "Passes of the hunt scheduler.")
	h.metrics.Describe(metricHuntRuns, "Scheduled hunt runs (one per window and attempt), per hunt.")
	h.metrics.Describe(metricHuntFailures, "Scheduled hunt runs that failed, per hunt.")
	h.metrics.Describe(metricHuntSkipped, "Catch-ups that skipped windows beyond scheduler.max_catch_up, per hunt.")
	h.metrics.Describe(metricHuntAlerts, "New alerts raised by hunt rows, per hunt.")
	h.metrics.GaugeByLabel(metricHuntLag, "Seconds from the end of a hunt's last settled window to now.", "hunt", func() map[string]float64 {
		now := h.now()
		h.mu.Lock()
		defer h.mu.Unlock()
		out := make(map[string]float64, len(h.settled))
		for name, end := range h.settled {
			out[name] = now.Sub(end).Seconds()
		}
		return out
	})
}

// refreshing is the DuckDB engine that recreates its views before each
// hunt run, so a table whose first files reached the lake after serve
// started is read (the views of tables that had files see new files
// anyway). Runs are minutes apart; the refresh is a few milliseconds.
type refreshing struct{ *historical.Engine }

func (r refreshing) Execute(ctx context.Context, sql string) (*sqlengine.Result, error) {
	if err := r.Refresh(ctx); err != nil {
		return nil, fmt.Errorf("refresh the lake's views: %w", err)
	}
	return r.Engine.Execute(ctx, sql)
}
