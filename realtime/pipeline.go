// Package realtime is the streaming pipeline: raw batches from the sources
// are classified, every record goes to the lake, every classified record
// runs through the rules, and matches become alerts. One Pipeline serves
// both hosts: the embedded server (Server) and the AWS Lambda handlers.
package realtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/correlation"
	"github.com/streamalert/streamalert/intel"
	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// Lake receives every record of a batch: classified ones in their log
// type's table, the rest in the unclassified table.
type Lake interface {
	Write(rec *schema.Record) error
	WriteUnclassified(u *schema.Unclassified) error
}

// Alerter turns matches into alerts (alerts.Processor).
type Alerter interface {
	Process(ctx context.Context, matches []alerts.Match) (alerts.Result, error)
}

// Pipeline classifies batches and sends their records on. Its fields are
// fixed after New; per-goroutine scratch state lives in a Worker.
type Pipeline struct {
	registry *schema.Registry
	sources  map[string][]*schema.LogType // allowed log types per source; nil slice = all
	matcher  *rules.Matcher
	ruleInfo map[*rules.Rule]*alerts.RuleInfo
	corr     *correlator // nil: no correlation rules, or a stateless host
	lake     Lake
	alerter  Alerter
	metrics  *Metrics
	log      *slog.Logger
	limits   map[string]int64
	maxLoad  int64
}

// DefaultMaxPayloadBytes bounds what a payload inflates to when the
// Config names no bound for its source (global.yaml's max_payload_bytes).
const DefaultMaxPayloadBytes = 128 << 20

// Config wires a Pipeline.
type Config struct {
	Registry *schema.Registry
	// Sources maps a source name to the log types it may carry. A batch
	// from a source not listed is classified against every log type.
	Sources map[string][]*schema.LogType
	Rules   *rules.Set
	Lake    Lake
	Alerter Alerter // nil: matches are counted but make no alerts
	Metrics *Metrics
	Log     *slog.Logger
	// IOCs and Lookups answer the rules' |ioc and |lookup tests; both
	// swap their contents atomically, so refreshes need no new Pipeline.
	// Nil: those tests never hold.
	IOCs    *intel.Store
	Lookups *intel.Lookups
	// PayloadLimits bounds, per source, the bytes a payload may inflate
	// to (PayloadLimits()); MaxPayloadBytes (default
	// DefaultMaxPayloadBytes) for sources not listed.
	PayloadLimits   map[string]int64
	MaxPayloadBytes int64
	// Correlation bounds the state of the set's correlation rules.
	Correlation correlation.Options
	// Stateless hosts (the classifier Lambda) run no correlation rules:
	// their windows would not outlive an invocation. On AWS correlation
	// rules run as scheduled SQL instead.
	Stateless bool
}

// New builds a Pipeline: the set's detection rules match record by
// record; its correlation rules (unless Stateless) run in a
// correlation.Engine fed in batch order.
func New(c Config) (*Pipeline, error) {
	p := &Pipeline{registry: c.Registry, sources: c.Sources, matcher: rules.NewMatcher(c.Rules),
		ruleInfo: map[*rules.Rule]*alerts.RuleInfo{}, lake: c.Lake, alerter: c.Alerter,
		metrics: c.Metrics, log: c.Log, limits: c.PayloadLimits, maxLoad: c.MaxPayloadBytes}
	p.matcher.UseIntel(c.IOCs, c.Lookups)
	if p.maxLoad <= 0 {
		p.maxLoad = DefaultMaxPayloadBytes
	}
	if p.metrics == nil {
		p.metrics = NewMetrics()
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	for _, r := range c.Rules.Rules() {
		info := RuleInfo(r)
		p.ruleInfo[r] = &info
	}
	if corrs := c.Rules.Correlations(); len(corrs) > 0 && !c.Stateless {
		for _, r := range corrs {
			info := RuleInfo(r)
			p.ruleInfo[r] = &info
		}
		var err error
		if p.corr, err = newCorrelator(corrs, c.Correlation, p.ruleInfo); err != nil {
			return nil, fmt.Errorf("pipeline: %w", err)
		}
		p.metrics.correlation(p.corr.eng)
	}
	return p, nil
}

// AddSource lets batches named source be classified against types (nil:
// every log type). Call it before processing starts.
func (p *Pipeline) AddSource(source string, types []*schema.LogType) {
	if p.sources == nil {
		p.sources = map[string][]*schema.LogType{}
	}
	p.sources[source] = types
}

// Metrics returns the pipeline's counters.
func (p *Pipeline) Metrics() *Metrics { return p.metrics }

// RuleInfo converts a rule's alerting metadata for the alert processor.
func RuleInfo(r *rules.Rule) alerts.RuleInfo {
	return alerts.RuleInfo{
		Name: r.Name, Title: r.Title, Description: r.Description, Severity: r.Severity,
		Runbook: r.Runbook, Tags: r.Tags, Outputs: r.Outputs, MergeByKeys: r.MergeByKeys,
		MergeWindow: r.MergeWindow, DedupPeriod: r.DedupPeriod, Threshold: r.Threshold,
		Staged:      r.Staged && (r.StagedUntil.IsZero() || time.Now().Before(r.StagedUntil)),
		StagedUntil: r.StagedUntil,
		Context:     r.Context,
	}
}

// Worker processes batches on one goroutine; it owns a classifier.
type Worker struct {
	p        *Pipeline
	cls      *schema.Classifier
	matches  []alerts.Match
	counters map[counterKey]recordCounters
	matchCnt map[*rules.Rule]*atomic.Int64

	// Correlation: the batch's records the engine takes, the seq it took
	// last and the alerts that fired then (kept for retries of the batch:
	// the engine takes a batch once).
	corrRecs    []*schema.Record
	corrSeq     uint64
	corrMatches []alerts.Match
}

// count adds one record to the metrics, without allocating once the
// source and log type have been seen.
func (w *Worker) count(source, logType string) {
	k := counterKey{source, logType}
	c, ok := w.counters[k]
	if !ok {
		c = w.p.metrics.recordCounters(source, logType)
		w.counters[k] = c
	}
	c.in.Add(1)
	c.kind.Add(1)
}

// NewWorker returns a worker. Workers are cheap; use one per goroutine.
func (p *Pipeline) NewWorker() *Worker {
	return &Worker{p: p, cls: schema.NewClassifier(p.registry), counters: map[counterKey]recordCounters{},
		matchCnt: map[*rules.Rule]*atomic.Int64{}}
}

// BatchResult counts what became of one batch's records.
type BatchResult struct {
	Records      int // classified + unclassified
	Classified   int
	Unclassified int
	Matches      int
	// Correlations counts the correlation rules' crossings the batch's
	// records completed (they may include records of earlier batches).
	Correlations int
	Alerts       int
}

// ErrAlerts marks a Process error of the alert store only: the batch's
// records are in the lake, and RetryAlerts retries just its matches.
var ErrAlerts = errors.New("alert store")

// RetryAlerts hands the matches of the last processed batch to the alert
// processor again (alert ids are stable, so a repeat makes nothing twice)
// and returns how many new alerts it made.
func (w *Worker) RetryAlerts(ctx context.Context) (int, error) {
	if len(w.matches) == 0 || w.p.alerter == nil {
		return 0, nil
	}
	ar, err := w.p.alerter.Process(ctx, w.matches)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrAlerts, err)
	}
	w.p.metrics.alerts(ar.New)
	return ar.New, nil
}

// SkipLake, when set on a batch run, says a table's rows of this batch are
// already in the lake (found at recovery) and must not be written again.
type SkipLake func(table string) bool

// Process runs one batch through the pipeline. An error means the batch
// must be retried (a lake write or alert store failure); records are never
// silently dropped.
func (w *Worker) Process(ctx context.Context, b Batch, skip SkipLake) (BatchResult, error) {
	p := w.p
	var res BatchResult
	var firstErr error
	keep := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	types, known := p.sources[b.Source]
	if !known {
		types = nil
	}
	w.matches = w.matches[:0]
	onRecord := func(rec *schema.Record) {
		res.Classified++
		w.count(b.Source, rec.LogType.Name)
		if skip == nil || !skip(rec.LogType.Table()) {
			keep(p.lake.Write(rec))
		}
		if p.corr != nil && p.corr.wants(rec) {
			w.corrRecs = append(w.corrRecs, rec)
		}
		var recMap map[string]any // built once, at the record's first match
		p.matcher.Match(rec, func(r *rules.Rule, m rules.Match) {
			res.Matches++
			c := w.matchCnt[r]
			if c == nil {
				c = p.metrics.counter("streamalert_rule_matches_total", "rule", r.Name)
				w.matchCnt[r] = c
			}
			c.Add(1)
			if recMap == nil {
				recMap = rec.Map()
			}
			w.matches = append(w.matches, alerts.Match{
				Rule: *p.ruleInfo[r], LogType: rec.LogType.Name, Source: rec.Source,
				RecordID: rec.ID, EventTime: rec.EventTime, Record: recMap,
				Matched: m.Values(),
			})
		})
	}
	onUnclassified := func(u *schema.Unclassified) {
		res.Unclassified++
		w.count(b.Source, "")
		if skip == nil || !skip("unclassified") {
			keep(p.lake.WriteUnclassified(u))
		}
	}
	in := schema.Input{Source: b.Source, Types: types, IngestTime: b.Received}
	w.cls.MaxPayloadBytes = p.maxLoad
	if n, ok := p.limits[b.Source]; ok && n > 0 {
		w.cls.MaxPayloadBytes = n
	}
	if err := w.cls.Classify(b.Payload, in, onRecord, onUnclassified); err != nil {
		keep(fmt.Errorf("classify batch %d: %w", b.Seq, err))
	}
	res.Records = res.Classified + res.Unclassified
	p.metrics.batch(b.Source, res.Records)
	if p.corr != nil {
		// The engine takes each batch once, in seq order, even when the
		// lake write failed: a retry of the batch reuses its alerts.
		if b.Seq == 0 || b.Seq != w.corrSeq {
			w.corrMatches = p.corr.observe(b.Seq, w.corrRecs, w.corrMatches[:0])
			w.corrSeq = b.Seq
		}
		clear(w.corrRecs)
		w.corrRecs = w.corrRecs[:0]
		res.Correlations = len(w.corrMatches)
		w.matches = append(w.matches, w.corrMatches...)
	}
	if firstErr != nil {
		return res, firstErr
	}
	if len(w.matches) > 0 && p.alerter != nil {
		n, err := w.RetryAlerts(ctx)
		if err != nil {
			return res, fmt.Errorf("alerts for batch %d: %w", b.Seq, err)
		}
		res.Alerts = n
	}
	return res, firstErr
}
