package scheduler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/historical/sqlengine"
	"github.com/streamalert/streamalert/queries"
)

// Sink takes what a run's rows become.
type Sink interface {
	// Alerts processes the matches of an alerts hunt (the normal alert
	// processor: merge, dedup, outputs) and returns how many alerts were
	// new.
	Alerts(ctx context.Context, ms []alerts.Match) (int, error)
	// Feed sends a streamquery:results payload back through the
	// classifier and the rules.
	Feed(ctx context.Context, payload []byte) error
}

// ProcessorSink is the Sink of one process: alerts go to an alert
// processor, feed payloads to a function that classifies them (serve's
// pipeline).
type ProcessorSink struct {
	Processor *alerts.Processor
	Classify  func(ctx context.Context, payload []byte) error
}

var _ Sink = ProcessorSink{}

// Alerts processes the matches.
func (p ProcessorSink) Alerts(ctx context.Context, ms []alerts.Match) (int, error) {
	if p.Processor == nil {
		return 0, fmt.Errorf("no alert processor")
	}
	res, err := p.Processor.Process(ctx, ms)
	return res.New, err
}

// Feed classifies the payload.
func (p ProcessorSink) Feed(ctx context.Context, payload []byte) error {
	if p.Classify == nil {
		return fmt.Errorf("no classifier to feed")
	}
	return p.Classify(ctx, payload)
}

// FeedSource is the source name feed payloads arrive on.
const FeedSource = "streamquery"

// FeedLogType is the log type of feed records.
const FeedLogType = "streamquery:results"

// Output is one finished run to turn into alerts or a feed record.
type Output struct {
	Hunt    *queries.Hunt
	Range   queries.TimeRange
	Engine  string
	SQL     string
	Params  map[string]string
	Result  *sqlengine.Result
	Started time.Time
}

// rowObject is a row as JSON values by column name.
func (o *Output) rowObject(row []any) map[string]any {
	m := make(map[string]any, len(row))
	for i, c := range o.Result.Columns {
		m[c] = jsonValue(row[i])
	}
	return m
}

func jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(x)
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = jsonValue(x[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonValue(e)
		}
		return out
	}
	return v
}

// RowKey is the canonical text of a row's key columns (every column when
// the hunt names none), the part of its alert id that says which row.
func (o *Output) RowKey(row []any) (string, error) {
	cols := o.Hunt.Key
	if len(cols) == 0 {
		cols = o.Result.Columns
	}
	obj := o.rowObject(row)
	parts := make([]any, len(cols))
	for i, c := range cols {
		v, ok := obj[c]
		if !ok {
			return "", fmt.Errorf("hunt %s: key column %s is not in the result (%s)", o.Hunt.Name, c, strings.Join(o.Result.Columns, ", "))
		}
		parts[i] = []any{c, v}
	}
	b, err := json.Marshal(parts)
	return string(b), err
}

// RowID is the stable record id of a row: the hunt, the window and the
// row's key. The same hunt over the same window gives the same ids, so a
// retried run raises no second alert.
func RowID(hunt string, start, end time.Time, key string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s", hunt, start.UTC().Format(time.RFC3339Nano), end.UTC().Format(time.RFC3339Nano), key)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Matches are the rows as alert matches: the hunt is the rule, the row
// the record.
func (o *Output) Matches() ([]alerts.Match, error) {
	h := o.Hunt
	info := alerts.RuleInfo{Name: h.Name, Title: h.Name, Description: h.Description, Severity: h.Severity, Tags: []string{"hunt"}}
	out := make([]alerts.Match, 0, len(o.Result.Rows))
	for _, row := range o.Result.Rows {
		key, err := o.RowKey(row)
		if err != nil {
			return nil, err
		}
		rec := o.rowObject(row)
		out = append(out, alerts.Match{
			Rule:      info,
			LogType:   "hunt:" + h.Name,
			Source:    "hunt",
			RecordID:  RowID(h.Name, o.Range.From, o.Range.To, key),
			EventTime: o.Range.To.UTC(),
			Record:    rec,
			Matched:   map[string]any{"window_start": o.Range.From.UTC().Format(time.RFC3339), "window_end": o.Range.To.UTC().Format(time.RFC3339)},
		})
	}
	return out, nil
}

// MaxFeedRows is how many rows a feed record carries; data.count tells
// the whole number and data.truncated says when rows were left out.
const MaxFeedRows = 1000

// Feed is the run as one streamquery:results payload (the log type's
// format, schema version 1).
func (o *Output) Feed(finished time.Time) ([]byte, error) {
	h := o.Hunt
	rows := make([]any, 0, min(len(o.Result.Rows), MaxFeedRows))
	for _, row := range o.Result.Rows[:min(len(o.Result.Rows), MaxFeedRows)] {
		rows = append(rows, o.rowObject(row))
	}
	params := map[string]any{}
	for k, v := range h.Params {
		params[k] = v
	}
	for k, v := range o.Params {
		params[k] = v
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	doc := map[string]any{
		"streamquery_schema_version": "1.0.0",
		"execution": map[string]any{
			"name":           h.Name,
			"kind":           "hunt",
			"query":          o.SQL,
			"engine":         o.Engine,
			"query_id":       o.Result.Stats.QueryID,
			"original_time":  o.Range.To.UTC().Format(time.RFC3339),
			"started_at":     o.Started.UTC().Format(time.RFC3339Nano),
			"finished_at":    finished.UTC().Format(time.RFC3339Nano),
			"window_start":   o.Range.From.UTC().Format(time.RFC3339),
			"window_end":     o.Range.To.UTC().Format(time.RFC3339),
			"lookback_hours": int(h.Lookback.Hours()),
			"parameters":     params,
			"tags":           []string{"hunt", h.Severity},
		},
		"data": map[string]any{
			"headers":   o.Result.Columns,
			"rows":      rows,
			"count":     len(o.Result.Rows),
			"truncated": len(o.Result.Rows) > MaxFeedRows,
		},
	}
	return json.Marshal(doc)
}
