// Package huntsfn is the hunts AWS Lambda function: invoked by
// EventBridge Scheduler with a hunt's name (or with none: every hunt due),
// it runs the due windows of the hunt on Athena with historical/scheduler
// and records them in DynamoDB, so that a retried or overlapping
// invocation neither skips nor repeats a window. Rows become alerts in the
// alert table (stable ids: the alerts function delivers them) or, for a
// hunt with output feed, a streamquery:results record classified in
// process as the classifier function would (records to Firehose, rule
// matches to the alert table).
//
// It is a package apart from lambdafn because it links the hunt renderer
// (queries) and the Athena engine, which the classifier must not; it links
// no DuckDB and no cgo.
package huntsfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	awsathena "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awsfirehose "github.com/aws/aws-sdk-go-v2/service/firehose"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/historical/athena"
	"github.com/streamalert/streamalert/historical/scheduler"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/internal/config/hunts"
	"github.com/streamalert/streamalert/metrics"
	"github.com/streamalert/streamalert/queries"
	"github.com/streamalert/streamalert/realtime"
	"github.com/streamalert/streamalert/realtime/lambdafn"
)

// Environment variables of the hunts function, beside lambdafn's. The
// Athena ones override historical.yaml's athena section (deploy sets them
// to the workgroup and database Terraform creates).
const (
	EnvAthenaWorkGroup = "STREAMALERT_ATHENA_WORKGROUP"
	EnvAthenaOutput    = "STREAMALERT_ATHENA_OUTPUT_LOCATION"
	EnvAthenaDatabase  = "STREAMALERT_ATHENA_DATABASE"
	// EnvHuntsTable is the DynamoDB table of the hunts' runs (default the
	// alert table: items hunt#<name>).
	EnvHuntsTable = "STREAMALERT_HUNTS_TABLE"
)

// Options wire a Function.
type Options struct {
	Config *config.Config
	// Athena is the client the Athena engine calls.
	Athena athena.API
	// Runs keeps the hunts' runs (scheduler.DynamoStore in Lambda).
	Runs scheduler.RunStore
	// Alerts is the alert store the rows' alerts go to.
	Alerts alerts.Store
	// Firehose and Prefix deliver the records of feed hunts and the new
	// alerts to the lake's alerts table; without a Firehose client a feed
	// hunt's run fails and alerts reach the alert table only.
	Firehose firehose.FirehoseAPI
	Prefix   string
	// Metrics, if set, gets one EMF line per invocation (see the metric
	// names below).
	Metrics *metrics.Writer
	// Env overrides historical.yaml's Athena settings (nil: os.Getenv).
	Env func(string) string
	Log *slog.Logger
	// Now tells the time (nil: time.Now); an event's scheduled time
	// earlier than now is used instead.
	Now func() time.Time
}

// Function is the hunts Lambda. It handles one invocation at a time.
type Function struct {
	metrics    *metrics.Writer
	sched      *scheduler.Scheduler
	alerts     alerts.ProcessorConfig
	classifier *lambdafn.ClassifierFunction
	log        *slog.Logger
	clock      func() time.Time

	mu sync.Mutex
	at time.Time // the current invocation's time
}

// Event is what EventBridge Scheduler sends (the schedule's input; see
// terraform/modules/schedules): the hunt to run, empty for every hunt due,
// and the scheduled time (<aws.scheduler.scheduled-time>). A retry of an
// invocation carries the same time, so it computes the same windows. An
// EventBridge rule's scheduled event, whose time is also "time", runs
// every hunt due.
type Event struct {
	Source string `json:"source,omitempty"`
	Hunt   string `json:"hunt,omitempty"`
	Time   string `json:"time,omitempty"`
}

// Result is what one invocation did.
type Result struct {
	Time time.Time       `json:"time"`
	Runs []scheduler.Run `json:"runs"`
	// Failed counts the runs that failed and will be tried again.
	Failed int `json:"failed"`
}

// The metrics of the EMF line each invocation writes (namespace
// StreamAlert, dimension Function), beside metrics.Alerts (new alerts the
// rows raised) and metrics.Duration.
const (
	// MetricRuns counts the windows run (failed ones included).
	MetricRuns = "HuntRuns"
	// MetricFailures counts the runs that failed.
	MetricFailures = "HuntFailures"
	// MetricBytesScanned is what Athena scanned, in bytes.
	MetricBytesScanned = "HuntBytesScanned"
)

// neverSettle keeps merge groups open: closing them is the alerts
// function's job (as in the classifier).
const neverSettle = 100 * 365 * 24 * time.Hour

// New resolves the config's hunts (the pack and hunts/, less those
// disabled, with historical.yaml's schedules and params) and builds the
// Athena engine and the scheduler.
func New(opts Options) (*Function, error) {
	cfg := opts.Config
	if cfg == nil || opts.Athena == nil || opts.Runs == nil || opts.Alerts == nil {
		return nil, errors.New("hunts function: needs a config, an Athena client, a run store and an alert store")
	}
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	getenv := opts.Env
	if getenv == nil {
		getenv = os.Getenv
	}
	hs, hist, ps := hunts.Resolve(cfg)
	if len(ps) > 0 {
		ps.Sort()
		return nil, fmt.Errorf("hunts function: the config's hunts have problems (run `streamalert validate`):\n%w", ps.Err())
	}
	a := hist.Athena
	for env, field := range map[string]*string{EnvAthenaWorkGroup: &a.WorkGroup, EnvAthenaOutput: &a.OutputLocation, EnvAthenaDatabase: &a.Database} {
		if v := getenv(env); v != "" {
			*field = v
		}
	}
	if !a.Configured() {
		return nil, fmt.Errorf("hunts function: no Athena workgroup: set athena.workgroup in %s or %s", config.HistoricalFile, EnvAthenaWorkGroup)
	}
	eng, err := athena.New(opts.Athena, athena.Config{WorkGroup: a.WorkGroup, OutputLocation: a.OutputLocation,
		Database: a.Database, Catalog: a.Catalog, PricePerTB: a.PricePerTB, Timeout: a.Timeout})
	if err != nil {
		return nil, fmt.Errorf("hunts function: %w", err)
	}
	f := &Function{log: log, clock: opts.Now, metrics: opts.Metrics}
	if f.clock == nil {
		f.clock = time.Now
	}
	f.alerts = alerts.ProcessorConfig{Store: opts.Alerts, DefaultOutputs: cfg.Global.Alerts.DefaultOutputs,
		StagingPeriod: time.Duration(cfg.Global.Alerts.StagingPeriod), MergeSettle: neverSettle, Log: log,
		Clock: clockFunc(f.now)}
	if opts.Firehose != nil {
		// New alerts go to the lake's alerts table too, as the
		// classifier's do.
		prefix := opts.Prefix
		if prefix == "" {
			prefix = cfg.Global.Prefix
		}
		lake := firehose.NewClient(opts.Firehose, prefix)
		f.alerts.Sink = func(ctx context.Context, as []*alerts.Alert) error {
			for _, al := range as {
				if err := lake.WriteRows(firehose.Alerts, realtime.AlertRow(al)); err != nil {
					return err
				}
			}
			return lake.Flush(ctx)
		}
	}
	if _, err := alerts.NewProcessor(f.alerts); err != nil {
		return nil, fmt.Errorf("hunts function: %w", err)
	}
	if opts.Firehose != nil && hasFeed(hs) {
		f.classifier, err = lambdafn.NewClassifierFunction(lambdafn.ClassifierOptions{Config: cfg, Firehose: opts.Firehose,
			Prefix: opts.Prefix, Store: opts.Alerts, Log: log})
		if err != nil {
			return nil, fmt.Errorf("hunts function: the feed's classifier: %w", err)
		}
		if err := f.classifier.AddSource(scheduler.FeedSource, scheduler.FeedLogType); err != nil {
			return nil, fmt.Errorf("hunts function: %w", err)
		}
	}
	f.sched, err = scheduler.New(scheduler.Config{Engine: eng, Hunts: hs, Store: opts.Runs, Sink: f,
		Delay: hist.Scheduler.Delay, MaxCatchUp: hist.Scheduler.MaxCatchUp, MaxAttempts: hist.Scheduler.MaxAttempts,
		Params: hist.Hunts.Params, Log: log, Now: f.now})
	if err != nil {
		return nil, fmt.Errorf("hunts function: %w", err)
	}
	return f, nil
}

func hasFeed(hs []*queries.Hunt) bool {
	for _, h := range hs {
		if h.Output == queries.HuntFeed {
			return true
		}
	}
	return false
}

type clockFunc func() time.Time

func (c clockFunc) Now() time.Time { return c() }

// now is the current invocation's time.
func (f *Function) now() time.Time {
	if f.at.IsZero() {
		return f.clock()
	}
	return f.at
}

// Hunts are the names of the hunts the function runs.
func (f *Function) Hunts() []string { return f.sched.Names() }

// Alerts processes a run's matches with a processor built for this
// invocation (its state is in the alert table, which others write too).
func (f *Function) Alerts(ctx context.Context, ms []alerts.Match) (int, error) {
	p, err := alerts.NewProcessor(f.alerts)
	if err != nil {
		return 0, err
	}
	res, err := p.Process(ctx, ms)
	return res.New, err
}

// Feed classifies a streamquery:results payload.
func (f *Function) Feed(ctx context.Context, payload []byte) error {
	if f.classifier == nil {
		return errors.New("no classifier to feed (the function has no Firehose client)")
	}
	return f.classifier.Classify(ctx, scheduler.FeedSource, f.now(), payload)
}

var _ scheduler.Sink = (*Function)(nil)

// Handle is the function's entry point. It returns an error (so that
// EventBridge Scheduler retries the invocation) when a window failed and
// is to be tried again, or when the runs could not be recorded.
func (f *Function) Handle(ctx context.Context, raw json.RawMessage) (*Result, error) {
	var ev Event
	if len(strings.TrimSpace(string(raw))) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("hunts: decode event: %w", err)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	start := time.Now()
	now := f.clock().UTC()
	at := now
	if ev.Time != "" {
		t, err := time.Parse(time.RFC3339, ev.Time)
		if err != nil {
			return nil, fmt.Errorf("hunts: event time %q: %w", ev.Time, err)
		}
		if t.Before(now) {
			at = t.UTC()
		}
	}
	f.at = at
	defer func() { f.at = time.Time{} }()
	names := f.sched.Names()
	if ev.Hunt != "" {
		names = []string{ev.Hunt}
	}
	runs, err := f.sched.TickHunts(ctx, names...)
	res := &Result{Time: at, Runs: runs}
	if res.Runs == nil {
		res.Runs = []scheduler.Run{}
	}
	var failed []string
	for _, r := range runs {
		if r.Error != "" && !r.GaveUp && !r.Skipped {
			res.Failed++
			failed = append(failed, fmt.Sprintf("%s %s–%s: %s", r.Hunt, r.WindowStart.Format(time.RFC3339), r.WindowEnd.Format(time.RFC3339), r.Error))
		}
	}
	f.log.Info("hunts done", "time", at, "hunts", len(names), "runs", len(runs), "failed", res.Failed)
	f.writeMetrics(runs, start)
	if err != nil {
		return res, fmt.Errorf("hunts: %w", err)
	}
	if len(failed) > 0 {
		return res, fmt.Errorf("hunts: %d window(s) failed and will be tried again: %s", len(failed), strings.Join(failed, "; "))
	}
	return res, nil
}

// writeMetrics writes the invocation's EMF line; a failure to write is
// logged, not the invocation's failure.
func (f *Function) writeMetrics(runs []scheduler.Run, start time.Time) {
	if f.metrics == nil {
		return
	}
	var failures, alertsNew int
	var scanned int64
	for _, r := range runs {
		if r.Skipped {
			continue
		}
		if r.Error != "" {
			failures++
		}
		alertsNew += r.Alerts
		scanned += r.BytesScanned
	}
	err := f.metrics.Write(
		metrics.Metric{Name: MetricRuns, Unit: metrics.Count, Value: float64(len(runs))},
		metrics.Metric{Name: MetricFailures, Unit: metrics.Count, Value: float64(failures)},
		metrics.Metric{Name: MetricBytesScanned, Unit: metrics.Bytes, Value: float64(scanned)},
		metrics.Metric{Name: metrics.Alerts, Unit: metrics.Count, Value: float64(alertsNew)},
		metrics.Metric{Name: metrics.Duration, Unit: metrics.Milliseconds, Value: float64(time.Since(start)) / float64(time.Millisecond)},
	)
	if err != nil {
		f.log.Warn("hunts: metrics not written", "err", err)
	}
}

// FromEnv builds the function the way its Lambda runs it: AWS clients
// from the SDK's default configuration, the config and the rest from the
// environment (lambdafn's variables and the ones above).
func FromEnv(ctx context.Context, log *slog.Logger) (*Function, error) {
	env, err := lambdafn.LoadEnvironment(ctx)
	if err != nil {
		return nil, err
	}
	table := os.Getenv(EnvHuntsTable)
	if table == "" {
		table = env.AlertsTable
	}
	m, err := lambdafn.MetricsFromEnv()
	if err != nil {
		return nil, err
	}
	return New(Options{Config: env.Config, Athena: awsathena.NewFromConfig(env.AWS), Metrics: m,
		Runs:     scheduler.NewDynamoStore(dynamodb.NewFromConfig(env.AWS), table),
		Alerts:   env.Store,
		Firehose: awsfirehose.NewFromConfig(env.AWS), Prefix: env.Prefix, Log: log})
}
