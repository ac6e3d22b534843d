package lambdafn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/metrics"
	"github.com/streamalert/streamalert/realtime"
	"github.com/streamalert/streamalert/schema"
)

// AlertsOptions wire an AlertsFunction.
type AlertsOptions struct {
	Config *config.Config
	Store  alerts.Store
	// Firehose, if set, receives merged alerts for the lake's alerts table
	// (stream <prefix>_streamalert_alerts).
	Firehose firehose.FirehoseAPI
	Prefix   string
	// Secrets of the outputs (see SecretsFromJSON).
	Secrets alerts.SecretSource
	// Outputs carries what outputs share (tests replace the transport).
	Outputs alerts.OutputOptions
	// DataDir is where file outputs with relative paths write (default the
	// temporary directory, the only writable one in Lambda).
	DataDir string
	Clock   alerts.Clock
	// Metrics, if set, gets one EMF line per invocation: alerts delivered,
	// failed writes to the lake's alerts table, duration.
	Metrics *metrics.Writer
	Log     *slog.Logger
}

// AlertsFunction is the alerts Lambda: on the alert table's DynamoDB
// stream and on a schedule it closes merge groups whose window has passed,
// promotes quiet staged rules and delivers due alerts, with the same
// Processor and Dispatcher as `serve`. Outputs are built once per cold
// start; the processor's state is read from the store on every invocation
// because the classifier functions write the same table meanwhile. Unlike
// `serve`, a group is closed as soon as its window has passed (Settle),
// without waiting the settle time for late members: a rebuilt processor
// cannot tell when a group was last joined.
//
// Run it with a reserved concurrency of 1: two dispatchers working the same
// table could both send an alert before either records it.
type AlertsFunction struct {
	cfg      *config.Config
	store    alerts.Store
	infos    []alerts.RuleInfo
	dispatch *alerts.Dispatcher
	fh       *firehose.Client
	clock    alerts.Clock
	log      *slog.Logger
	metrics  *metrics.Writer
	// now is the clock of the Duration metric (tests replace it).
	now func() time.Time
	mu  sync.Mutex
}

// AlertsResult is what one invocation of the alerts function did.
type AlertsResult struct {
	Trigger EventKind `json:"trigger"`
	// Tick is the processor's tick: merge groups closed, rules promoted.
	Tick alerts.TickResult `json:"tick"`
	// Streamed counts the pending alerts of the stream batch delivered at once.
	Streamed alerts.DispatchResult `json:"streamed"`
	// Dispatch is the pass over every due alert.
	Dispatch alerts.DispatchResult `json:"dispatch"`
}

// NewAlertsFunction loads the rules and builds the outputs of the config.
// An output that cannot be built is logged; its alerts wait (failing) until
// it is fixed, as in `serve`.
func NewAlertsFunction(opts AlertsOptions) (*AlertsFunction, error) {
	cfg := opts.Config
	if cfg == nil || opts.Store == nil {
		return nil, errors.New("alerts function: needs a config and an alert store")
	}
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	resolved, err := config.Resolve(cfg, config.Parts{Rules: true})
	if err != nil {
		return nil, err
	}
	f := &AlertsFunction{cfg: cfg, store: opts.Store, clock: opts.Clock, log: log, metrics: opts.Metrics, now: time.Now}
	for _, r := range resolved.Rules.Rules() {
		f.infos = append(f.infos, realtime.RuleInfo(r))
	}
	// Correlation alerts come from scheduled SQL on AWS; their rules'
	// alerting metadata is needed all the same.
	for _, r := range resolved.Rules.Correlations() {
		f.infos = append(f.infos, realtime.RuleInfo(r))
	}
	dataDir := opts.DataDir
	if dataDir == "" {
		dataDir = os.TempDir()
	}
	outputs, errs := alerts.BuildOutputs(cfg.OutputConfigs(dataDir), opts.Secrets, opts.Outputs)
	for _, e := range errs {
		log.Warn("output not ready; its alerts wait until it is fixed", "err", e)
	}
	f.dispatch, err = alerts.NewDispatcher(alerts.DispatcherConfig{Store: opts.Store, Outputs: outputs,
		MaxAttempts: cfg.Global.Alerts.MaxAttempts, Clock: opts.Clock, Log: log})
	if err != nil {
		return nil, err
	}
	if opts.Firehose != nil {
		prefix := opts.Prefix
		if prefix == "" {
			prefix = cfg.Global.Prefix
		}
		f.fh = firehose.NewClient(opts.Firehose, prefix)
	}
	return f, nil
}

// Handle is the function's entry point: a DynamoDB stream batch, a
// scheduled event, or any other event (a manual run) does one pass.
func (f *AlertsFunction) Handle(ctx context.Context, raw json.RawMessage) (AlertsResult, error) {
	kind := DetectEvent(raw)
	var pending []string
	switch kind {
	case EventDynamoDB:
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return AlertsResult{Trigger: kind}, fmt.Errorf("alerts: decode DynamoDB stream event: %w", err)
		}
		pending = PendingAlerts(ev)
	case EventSchedule, EventUnknown:
	default:
		return AlertsResult{Trigger: kind}, fmt.Errorf("alerts: a %s event is for the classifier function, not this one", kind)
	}
	return f.Run(ctx, kind, pending)
}

// PendingAlerts returns the ids of the alerts a stream batch shows
// becoming pending (new or changed items of kind alert).
func PendingAlerts(ev events.DynamoDBEvent) []string {
	var ids []string
	seen := map[string]bool{}
	for _, r := range ev.Records {
		img := r.Change.NewImage
		if r.EventName == "REMOVE" || img == nil {
			continue
		}
		if attrString(img["kind"]) != "alert" || attrString(img["status"]) != string(alerts.StatusPending) {
			continue
		}
		if id := attrString(img["id"]); id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

func attrString(v events.DynamoDBAttributeValue) string {
	if v.DataType() != events.DataTypeString {
		return ""
	}
	return v.String()
}

// Run does one pass: tick the processor, deliver the given pending alerts
// at once, then every due alert.
func (f *AlertsFunction) Run(ctx context.Context, trigger EventKind, pending []string) (AlertsResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	res := AlertsResult{Trigger: trigger}
	lakeFailed := 0
	defer f.writeMetrics(f.now(), &res, &lakeFailed)
	if trigger == EventUnknown {
		res.Trigger = "manual"
	}
	proc, err := alerts.NewProcessor(alerts.ProcessorConfig{
		Store: f.store, Clock: f.clock, DefaultOutputs: f.cfg.Global.Alerts.DefaultOutputs,
		StagingPeriod: time.Duration(f.cfg.Global.Alerts.StagingPeriod), Log: f.log,
		Sink: f.sink,
	})
	if err != nil {
		return res, err
	}
	if err := proc.SetRules(ctx, f.infos); err != nil {
		return res, fmt.Errorf("alerts: %w", err)
	}
	// A processor rebuilt from the store counts its merge groups as touched
	// now, so Tick alone would keep postponing them; Settle closes those
	// whose window has passed, then Tick promotes quiet staged rules.
	var errs []error
	settled, err := proc.Settle(ctx)
	if err != nil {
		errs = append(errs, fmt.Errorf("alerts: close merge groups: %w", err))
	}
	if res.Tick, err = proc.Tick(ctx); err != nil {
		errs = append(errs, fmt.Errorf("alerts: tick: %w", err))
	}
	res.Tick.Closed += settled.Closed
	res.Tick.Merged += settled.Merged
	for _, id := range pending {
		a, err := f.store.Get(ctx, id)
		if err != nil {
			errs = append(errs, fmt.Errorf("alerts: %w", err))
			continue
		}
		if a.Status != alerts.StatusPending {
			continue // delivered or changed meanwhile
		}
		r, err := f.dispatch.Deliver(ctx, id)
		addDispatch(&res.Streamed, r)
		if err != nil {
			errs = append(errs, fmt.Errorf("alerts: deliver %s: %w", id, err))
		}
	}
	if res.Dispatch, err = f.dispatch.DispatchDue(ctx); err != nil {
		errs = append(errs, fmt.Errorf("alerts: %w", err))
	}
	if f.fh != nil {
		if err := f.fh.Flush(ctx); err != nil {
			lakeFailed = undelivered(err)
			errs = append(errs, fmt.Errorf("alerts: merged alerts to the lake: %w", err))
		}
	}
	f.log.Info("alerts pass", "trigger", string(res.Trigger), "closed_groups", res.Tick.Closed, "merged", res.Tick.Merged,
		"promoted", res.Tick.Promoted, "streamed", res.Streamed.Alerts, "alerts", res.Dispatch.Alerts,
		"sent", res.Dispatch.Sent+res.Streamed.Sent, "errors", res.Dispatch.Errors+res.Streamed.Errors,
		"parked", res.Dispatch.Parked+res.Streamed.Parked)
	return res, errors.Join(errs...)
}

// undelivered is the number of records a failed Flush did not deliver (1
// when the error does not say).
func undelivered(err error) int {
	var de *firehose.DeliveryError
	if errors.As(err, &de) && len(de.Failures) > 0 {
		return len(de.Failures)
	}
	return 1
}

// writeMetrics writes the invocation's EMF line: the alerts delivered (at
// once from the stream and in the pass over due alerts), the rows the
// lake's alerts table did not get, and the time since started.
func (f *AlertsFunction) writeMetrics(started time.Time, res *AlertsResult, lakeFailed *int) {
	if f.metrics == nil {
		return
	}
	err := f.metrics.Write(
		metrics.Metric{Name: metrics.Alerts, Unit: metrics.Count, Value: float64(res.Streamed.Delivered + res.Dispatch.Delivered)},
		metrics.Metric{Name: metrics.FirehoseFailures, Unit: metrics.Count, Value: float64(*lakeFailed)},
		metrics.Metric{Name: metrics.Duration, Unit: metrics.Milliseconds, Value: millis(f.now().Sub(started))},
	)
	if err != nil {
		f.log.Warn("invocation metrics not written", "err", err)
	}
}

func addDispatch(into *alerts.DispatchResult, r alerts.DispatchResult) {
	into.Alerts += r.Alerts
	into.Sent += r.Sent
	into.Errors += r.Errors
	into.Delivered += r.Delivered
	into.Parked += r.Parked
	if !r.Next.IsZero() && (into.Next.IsZero() || r.Next.Before(into.Next)) {
		into.Next = r.Next
	}
}

// sink writes merged alerts to the lake's alerts table.
func (f *AlertsFunction) sink(ctx context.Context, as []*alerts.Alert) error {
	if f.fh == nil {
		return nil
	}
	rows := make([][]schema.Value, len(as))
	for i, al := range as {
		rows[i] = realtime.AlertRow(al)
	}
	return f.fh.WriteRows(firehose.Alerts, rows...)
}

// SecretsFromJSON reads output secrets from a JSON object of output name to
// secret settings, {"slack:security": {"webhook_url": "https://…"}}: the
// alerts function takes them from an environment variable.
func SecretsFromJSON(data []byte) (alerts.SecretSource, error) {
	m := jsonSecrets{}
	if len(data) == 0 {
		return m, nil
	}
	if err := json.Unmarshal(data, &m); err != nil {
		// The error must not quote the secrets.
		return nil, errors.New("output secrets: not a JSON object of output name to {setting: value}")
	}
	return m, nil
}

type jsonSecrets map[string]map[string]string

// SecretsChain asks each source in turn for an output's secrets; the first
// that has them answers. A source's failure other than ErrNoSecret (SSM
// unreachable, access denied) does not stop the search, so a later source
// can still serve; it is returned when none has the secrets.
func SecretsChain(sources ...alerts.SecretSource) alerts.SecretSource {
	return secretsChain(sources)
}

type secretsChain []alerts.SecretSource

func (c secretsChain) Get(name string) (map[string]string, error) {
	var firstErr error
	for _, s := range c {
		m, err := s.Get(name)
		if err == nil {
			return m, nil
		}
		if !errors.Is(err, alerts.ErrNoSecret) && firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return nil, fmt.Errorf("secrets of %s: %w", name, alerts.ErrNoSecret)
}

func (s jsonSecrets) Get(name string) (map[string]string, error) {
	if m, ok := s[name]; ok {
		return m, nil
	}
	return nil, alerts.ErrNoSecret
}
