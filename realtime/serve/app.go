package serve

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/realtime"
	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// App is the embedded deployment in one process: the ingest log, the
// pipeline, the lake writer and the alert store, processor and dispatcher,
// all under one data directory:
//
//	<data>/ingest/      the ingest log (write-ahead, replayed at start)
//	<data>/correlation/ the correlation rules' state of the last commit
//	<data>/lake/        the Parquet lake, when global.yaml's lake is file://
//	<data>/alerts.db    the alert store
//	<data>/credentials.*  encrypted output secrets
type App struct {
	Config     *config.Config
	DataDir    string
	Registry   *schema.Registry
	Rules      *rules.Set
	Sources    []realtime.Source
	Lake       *firehose.Lake
	LakeRoot   string
	Store      alerts.Store
	Processor  *alerts.Processor
	Dispatcher *alerts.Dispatcher
	Pipeline   *realtime.Pipeline
	Runner     *realtime.Runner
	Metrics    *realtime.Metrics
	Log        *slog.Logger
	// Intel is the config's IOC sets, feeds and lookup tables (intel.go).
	Intel *config.IntelState

	ingest     *realtime.IngestLog
	syslogs    []*SyslogListener
	hunts      *huntRunner // the hunt scheduler while Serve runs (hunts.go)
	opts       AppOptions
	stop       context.CancelFunc // ends the alert loops Start began
	intelEvery time.Duration
	loopCtx    context.Context // Start's, ended by stop
	loops      sync.WaitGroup
}

// localAddr is addr as a local client reaches it: an unspecified host
// (0.0.0.0, ::) becomes 127.0.0.1.
func localAddr(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1" // Go's wildcard listeners take IPv4 too
	}
	return net.JoinHostPort(host, port)
}

// SyslogAddrs returns the bound UDP and TCP addresses of each syslog
// source while Serve runs.
func (a *App) SyslogAddrs() map[string][2]string {
	out := map[string][2]string{}
	for _, l := range a.syslogs {
		out[l.Source] = [2]string{l.UDPAddr(), l.TCPAddr()}
	}
	return out
}

// AppOptions adjust an App.
type AppOptions struct {
	Workers int
	// CommitInterval overrides global.yaml's buffer.interval_seconds.
	CommitInterval time.Duration
	// Outputs, when false, builds no outputs: alerts are stored, not sent.
	NoOutputs bool
	Logger    *slog.Logger
	// MaxPendingBytes overrides the runner's bound on accepted, unprocessed
	// bytes (RunnerConfig.MaxPendingBytes).
	MaxPendingBytes int64
	// OnAlerts, if set, sees every alert as it is first stored (after the
	// lake's copy is buffered); benchmarks time alert latency with it.
	OnAlerts func([]*alerts.Alert)
	// NoHunts keeps Serve from scheduling hunts.
	NoHunts bool
	// HuntTick is how often Serve looks for hunt windows due (default
	// DefaultHuntTick); HuntClock tells the hunts' time (nil: time.Now).
	HuntTick  time.Duration
	HuntClock func() time.Time
	// IntelRefresh is how often Serve rereads iocs/ and the lookup tables
	// (default DefaultIntelRefresh).
	IntelRefresh time.Duration
}

// OpenApp loads everything the config names and opens the data directory,
// replaying any batches a previous run accepted but did not finish.
func OpenApp(ctx context.Context, cfg *config.Config, dataDir string, opts AppOptions) (*App, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	a := &App{Config: cfg, DataDir: dataDir, Metrics: realtime.NewMetrics(), Log: log, opts: opts, intelEvery: opts.IntelRefresh}
	r, err := config.Resolve(cfg, config.Parts{Rules: true})
	if err != nil {
		return nil, err
	}
	reg, set := r.Registry, r.Rules
	a.Registry, a.Rules = reg, set
	if a.Sources, err = realtime.Sources(cfg); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			a.closeStores()
		}
	}()

	// The lake: file:// paths are taken relative to the data directory's
	// parent when they start with ./data (the example config's default), so
	// that --data moves the whole state; anything else is used as written.
	dest, root, err := lakeDestination(ctx, cfg.Global, dataDir)
	if err != nil {
		return nil, err
	}
	a.LakeRoot = root
	a.Lake, err = firehose.NewLake(dest, firehose.Options{Manual: true, Logger: log, Compression: cfg.Global.ParquetCompression})
	if err != nil {
		return nil, err
	}

	store, err := alerts.OpenBolt(alerts.DefaultStorePath(dataDir))
	if err != nil {
		return nil, err
	}
	a.Store = store
	a.Processor, err = alerts.NewProcessor(alerts.ProcessorConfig{
		Store: store, DefaultOutputs: cfg.Global.Alerts.DefaultOutputs,
		StagingPeriod: time.Duration(cfg.Global.Alerts.StagingPeriod), Log: log,
		Sink: func(ctx context.Context, as []*alerts.Alert) error {
			rows := make([][]schema.Value, len(as))
			for i, al := range as {
				rows[i] = realtime.AlertRow(al)
			}
			if opts.OnAlerts != nil {
				opts.OnAlerts(as)
			}
			return a.Lake.WriteRows(firehose.Alerts, rows...)
		},
	})
	if err != nil {
		return nil, err
	}
	infos := make([]alerts.RuleInfo, 0, set.Len())
	for _, r := range set.Rules() {
		infos = append(infos, realtime.RuleInfo(r))
	}
	for _, r := range set.Correlations() {
		infos = append(infos, realtime.RuleInfo(r))
	}
	if err := a.Processor.SetRules(ctx, infos); err != nil {
		return nil, err
	}
	outputs := map[string]alerts.Output{}
	if !opts.NoOutputs {
		var errs []error
		outputs, errs = alerts.BuildOutputs(cfg.OutputConfigs(dataDir), alerts.OpenCredentials(dataDir), alerts.OutputOptions{})
		for _, e := range errs {
			log.Warn("output not ready; its alerts wait until it is fixed", "err", e)
		}
	}
	a.Dispatcher, err = alerts.NewDispatcher(alerts.DispatcherConfig{Store: store, Outputs: outputs,
		MaxAttempts: cfg.Global.Alerts.MaxAttempts, Log: log, OnError: func(output string) { a.Metrics.OutputFailure(output) },
		OnFallback: func(output string) { a.Metrics.OutputFallback(output) }})
	if err != nil {
		return nil, err
	}

	a.loadIntel()
	a.Pipeline, err = realtime.New(realtime.Config{Registry: reg, Sources: r.SourceTypes, Rules: set, Lake: a.Lake,
		Alerter: a.Processor, Metrics: a.Metrics, Log: log, IOCs: a.Intel.Store, Lookups: a.Intel.Lookups,
		PayloadLimits: realtime.PayloadLimits(a.Sources, cfg.Global.MaxPayloadBytes), MaxPayloadBytes: cfg.Global.MaxPayloadBytes})
	if err != nil {
		return nil, err
	}
	addFeedSource(a.Pipeline, reg, r.SourceTypes)

	a.ingest, err = realtime.OpenIngestLog(filepath.Join(dataDir, "ingest"), 0)
	if err != nil {
		return nil, err
	}
	a.ingest.ForgetCursors(ForgetIdempotencyKeys(time.Now))
	interval := opts.CommitInterval
	if interval <= 0 {
		interval = time.Duration(cfg.Global.Buffer.IntervalSeconds) * time.Second
	}
	a.Runner, err = realtime.NewRunner(ctx, realtime.RunnerConfig{Pipeline: a.Pipeline, Log: a.ingest, Lake: a.Lake,
		Workers: opts.Workers, CommitInterval: interval,
		CommitBytes: int64(cfg.Global.Buffer.SizeMiB) << 20, MaxPendingBytes: opts.MaxPendingBytes, Logger: log,
		StateDir: filepath.Join(dataDir, "correlation")})
	if err != nil {
		return nil, err
	}
	a.Metrics.Gauge("streamalert_queue_depth", "Batches accepted and not yet processed.", func() float64 { return float64(a.Runner.Depth()) })
	a.Metrics.Gauge("streamalert_lake_buffered_bytes", "Input bytes buffered for the next lake commit.", func() float64 { return float64(a.Lake.Buffered()) })
	ok = true
	return a, nil
}

// lakeDestination opens the lake named in global.yaml.
func lakeDestination(ctx context.Context, g config.Global, dataDir string) (firehose.Destination, string, error) {
	if dir, ok := g.LocalLake(dataDir); ok {
		return firehose.NewDir(dir), dir, nil
	}
	dest, err := firehose.OpenDestination(ctx, g.Lake)
	return dest, g.Lake, err
}

// Start runs the pipeline's workers and the alert loop until ctx ends.
func (a *App) Start(ctx context.Context) {
	a.Runner.Start(ctx)
	lctx, stop := context.WithCancel(ctx)
	a.stop = stop
	a.loops.Go(func() { alerts.Run(lctx, a.Processor, a.Dispatcher, 5*time.Second, a.Log) })
	a.loops.Go(func() { a.digestLoop(lctx) })
	a.loopCtx = lctx
}

// digestLoop stores the daily digest of staged rules as an alert to the
// default outputs. Its id is the day's, so checking hourly makes one a day.
func (a *App) digestLoop(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if d, err := a.Processor.Digest(ctx); err == nil && len(d.Rules) > 0 && len(a.Config.Global.Alerts.DefaultOutputs) > 0 {
			if _, err := a.Store.Insert(ctx, []*alerts.Alert{d.Alert(a.Config.Global.Alerts.DefaultOutputs)}); err != nil {
				a.Log.Warn("staging digest not stored", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Serve runs the HTTP API on listen and the syslog listeners of the config
// until ctx ends, then shuts down gracefully: stops accepting, processes
// what was accepted, commits the lake and closes the stores. ready, if not
// nil, is called with the bound HTTP address.
func (a *App) Serve(ctx context.Context, listen string, ready func(addr string)) error {
	srcs := a.Sources
	a.Start(ctx)
	if err := a.startHunts(ctx); err != nil {
		a.Close(context.Background())
		return err
	}
	a.startIntel(a.loopCtx)
	kctx, stopKinesis := context.WithCancel(ctx)
	defer stopKinesis()
	waitKinesis, err := ServeKinesis(kctx, a.Config, a.Runner, a.DataDir, nil, a.Log)
	if err != nil {
		a.Close(context.Background())
		return err
	}
	for _, s := range realtime.SourcesOf[*realtime.SyslogSource](srcs) {
		l := &SyslogListener{Source: s.Name, Addr: s.Listen, Protocol: s.Protocol, Runner: a.Runner, Log: a.Log,
			Metrics: a.Metrics, UDPReceiveBuffer: s.UDPReceiveBuffer}
		if err := l.Start(); err != nil {
			for _, o := range a.syslogs {
				o.Close()
			}
			return err
		}
		a.Log.Info("syslog listening", "source", s.Name, "udp", l.UDPAddr(), "tcp", l.TCPAddr())
		a.syslogs = append(a.syslogs, l)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.Handle("/", Handler(a.Runner, a.Metrics, realtime.SourcesOf[*realtime.HTTPSource](srcs), a.Log))
	if token, err := writeAdminFile(a.DataDir, localAddr(ln.Addr())); err != nil {
		a.Log.Warn("no admin API: cannot write its file; alert commands need serve stopped", "err", err)
	} else {
		mux.Handle("/v1/admin/", a.adminHandler(token))
		defer os.Remove(AdminFile(a.DataDir))
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.Log.Info("serving", "http", ln.Addr().String(), "data", a.DataDir, "lake", a.LakeRoot, "rules", a.Rules.Len())
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	stopKinesis()
	waitKinesis()
	shut, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv.Shutdown(shut)
	for _, l := range a.syslogs {
		l.Close()
	}
	if cerr := a.Close(shut); err == nil || errors.Is(err, http.ErrServerClosed) {
		err = cerr
	}
	return err
}

// Close processes what was accepted, commits the lake, delivers due alerts
// once more and closes the stores.
func (a *App) Close(ctx context.Context) error { return a.close(ctx, false) }

// Finish is Close for a one-shot load: merge groups whose window has passed
// are closed at once instead of waiting for late members.
func (a *App) Finish(ctx context.Context) error { return a.close(ctx, true) }

func (a *App) close(ctx context.Context, settle bool) error {
	a.stopHunts()
	if a.stop != nil {
		a.stop()
		a.loops.Wait()
	}
	closeRunner := a.Runner.Close
	if settle {
		closeRunner = a.Runner.Finish // a finite input: evaluate what correlation rules hold back
	}
	err := closeRunner(ctx)
	tick := a.Processor.Tick
	if settle {
		tick = a.Processor.Settle
	}
	if _, terr := tick(ctx); terr != nil && err == nil {
		err = terr
	}
	if err2 := a.Lake.Commit(ctx, a.ingest.Checkpointed()); err2 != nil && err == nil {
		err = err2
	}
	// Deliver what is due, pass after pass (a pass takes at most a batch).
	for {
		r, derr := a.Dispatcher.DispatchDue(ctx)
		if derr != nil {
			if err == nil {
				err = derr
			}
			break
		}
		if r.Alerts == 0 || r.Sent == 0 {
			break
		}
	}
	if cerr := a.closeStores(); err == nil {
		err = cerr
	}
	return err
}

func (a *App) closeStores() error {
	var errs []error
	if a.Lake != nil {
		errs = append(errs, a.Lake.Close(context.Background()))
	}
	if a.ingest != nil {
		errs = append(errs, a.ingest.Close())
	}
	if a.Store != nil {
		errs = append(errs, a.Store.Close())
	}
	return errors.Join(errs...)
}
