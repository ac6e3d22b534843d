// Package metrics writes CloudWatch Embedded Metric Format (EMF) log
// lines: one JSON object per line on the function's standard output, which
// CloudWatch Logs turns into metrics with no API call and no extra
// permission. The Lambda functions report records in, classified,
// unclassified, alerts, Firehose failures and duration this way; the
// monitoring module alarms on them. Parse and Lines read such lines back,
// checking them against the EMF specification.
package metrics

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"sync"
	"time"
)

// Namespace is the CloudWatch namespace of streamalert's metrics (the
// terraform monitoring module alarms in it).
const Namespace = "StreamAlert"

// FunctionDimension is the dimension every function's metrics carry: the
// function's name (the alarms select by it).
const FunctionDimension = "Function"

// Names of the metrics the functions report.
const (
	RecordsIn        = "RecordsIn"
	Classified       = "Classified"
	Unclassified     = "Unclassified"
	Alerts           = "Alerts"
	FirehoseFailures = "FirehoseFailures"
	Duration         = "Duration"
)

// Unit is a CloudWatch metric unit.
type Unit string

// The units the functions use (CloudWatch accepts more).
const (
	Count        Unit = "Count"
	Milliseconds Unit = "Milliseconds"
	Bytes        Unit = "Bytes"
	Percent      Unit = "Percent"
	None         Unit = "None"
)

// Metric is one value to report.
type Metric struct {
	Name  string
	Unit  Unit
	Value float64
}

// EMF limits: metrics per directive, dimensions per set, and the name
// length CloudWatch accepts.
const (
	maxMetrics    = 100
	maxDimensions = 30
	maxNameLen    = 255
)

// Writer writes EMF lines. It is safe for concurrent use; each Write is
// one or more whole lines.
type Writer struct {
	mu         sync.Mutex
	out        io.Writer
	namespace  string
	dimensions map[string]string
	dimNames   []string
	// Now gives the lines' timestamp; time.Now when nil.
	Now func() time.Time
}

// NewWriter returns a writer of metrics in namespace, every metric
// carrying the same dimensions (e.g. Function: the function name).
func NewWriter(out io.Writer, namespace string, dimensions map[string]string) (*Writer, error) {
	if namespace == "" || len(namespace) > maxNameLen {
		return nil, fmt.Errorf("metrics: namespace %q must have 1 to %d characters", namespace, maxNameLen)
	}
	if len(dimensions) > maxDimensions {
		return nil, fmt.Errorf("metrics: %d dimensions, EMF allows %d", len(dimensions), maxDimensions)
	}
	w := &Writer{out: out, namespace: namespace, dimensions: dimensions}
	for name, v := range dimensions {
		if name == "" || name == "_aws" || v == "" {
			return nil, fmt.Errorf("metrics: dimension %q=%q: names and values must be non-empty (and not _aws)", name, v)
		}
		w.dimNames = append(w.dimNames, name)
	}
	sort.Strings(w.dimNames)
	return w, nil
}

// Write writes the metrics as EMF lines, up to 100 metrics a line. A
// metric with no name, a name used twice or by a dimension, or a value
// that is not finite is an error, and nothing is written.
func (w *Writer) Write(ms ...Metric) error {
	seen := map[string]bool{}
	for _, m := range ms {
		switch {
		case m.Name == "" || m.Name == "_aws" || len(m.Name) > maxNameLen:
			return fmt.Errorf("metrics: bad metric name %q", m.Name)
		case seen[m.Name] || w.dimensions[m.Name] != "":
			return fmt.Errorf("metrics: metric %s given twice or named as a dimension", m.Name)
		case math.IsNaN(m.Value) || math.IsInf(m.Value, 0):
			return fmt.Errorf("metrics: metric %s: %v is not a number CloudWatch takes", m.Name, m.Value)
		}
		seen[m.Name] = true
	}
	if len(ms) == 0 {
		return errors.New("metrics: nothing to write")
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	ts := now().UnixMilli()
	var buf []byte
	for start := 0; start < len(ms); start += maxMetrics {
		line, err := w.line(ts, ms[start:min(start+maxMetrics, len(ms))])
		if err != nil {
			return err
		}
		buf = append(append(buf, line...), '\n')
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.out.Write(buf); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

type directive struct {
	Namespace  string       `json:"Namespace"`
	Dimensions [][]string   `json:"Dimensions"`
	Metrics    []definition `json:"Metrics"`
}

type definition struct {
	Name string `json:"Name"`
	Unit Unit   `json:"Unit,omitempty"`
}

// line encodes one EMF object: the _aws metadata, the dimension values and
// the metric values as top-level members.
func (w *Writer) line(ts int64, ms []Metric) ([]byte, error) {
	obj := make(map[string]any, len(ms)+len(w.dimensions)+1)
	d := directive{Namespace: w.namespace, Dimensions: [][]string{w.dimNames}, Metrics: make([]definition, len(ms))}
	if d.Dimensions[0] == nil {
		d.Dimensions[0] = []string{}
	}
	for i, m := range ms {
		d.Metrics[i] = definition{Name: m.Name, Unit: m.Unit}
		obj[m.Name] = m.Value
	}
	for k, v := range w.dimensions {
		obj[k] = v
	}
	obj["_aws"] = map[string]any{"Timestamp": ts, "CloudWatchMetrics": []directive{d}}
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return b, nil
}
