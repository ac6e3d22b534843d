package metrics

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// Line is one EMF log line read back: what CloudWatch would take from it.
type Line struct {
	Timestamp time.Time
	// Namespace of the line's first directive.
	Namespace string
	// Dimensions holds the value of every dimension the directives name.
	Dimensions map[string]string
	// Metrics in directive order; a metric whose member is an array of
	// values is one Metric per value.
	Metrics []Metric
}

// Value returns the sum of a metric's values in the line, and whether the
// line has the metric.
func (l Line) Value(name string) (float64, bool) {
	sum, ok := 0.0, false
	for _, m := range l.Metrics {
		if m.Name == name {
			sum, ok = sum+m.Value, true
		}
	}
	return sum, ok
}

// Unit returns the unit a metric is declared with ("" if none or absent).
func (l Line) Unit(name string) Unit {
	for _, m := range l.Metrics {
		if m.Name == name {
			return m.Unit
		}
	}
	return ""
}

// units are the units the EMF specification allows.
var units = map[Unit]bool{}

func init() {
	for _, u := range []string{"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes",
		"Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
		"Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
		"Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second",
		"Count/Second", "None"} {
		units[Unit(u)] = true
	}
}

// Parse reads one EMF line and checks it against the specification: a
// root object with _aws {Timestamp: epoch milliseconds, CloudWatchMetrics:
// [directive]}; a directive has a Namespace, Dimensions (sets of at most 30
// names, each a string member of the root) and 1 to 100 Metrics (Name: a
// number member of the root, or an array of 1 to 100 numbers; Unit: one
// of the specification's units). What CloudWatch would refuse is an error.
func Parse(line []byte) (Line, error) {
	var root map[string]json.RawMessage
	if err := json.Unmarshal(line, &root); err != nil {
		return Line{}, fmt.Errorf("metrics: EMF line is not a JSON object: %w", err)
	}
	raw, ok := root["_aws"]
	if !ok {
		return Line{}, errors.New("metrics: EMF line has no _aws member")
	}
	var meta struct {
		Timestamp         *json.Number
		CloudWatchMetrics *[]struct {
			Namespace  *string
			Dimensions *[][]string
			Metrics    *[]struct {
				Name              *string
				Unit              *Unit
				StorageResolution *int
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&meta); err != nil {
		return Line{}, fmt.Errorf("metrics: EMF _aws: %w", err)
	}
	if meta.Timestamp == nil {
		return Line{}, errors.New("metrics: EMF _aws.Timestamp missing")
	}
	ts, err := meta.Timestamp.Int64()
	if err != nil || ts < 1e12 {
		return Line{}, fmt.Errorf("metrics: EMF _aws.Timestamp %s is not epoch milliseconds", *meta.Timestamp)
	}
	if meta.CloudWatchMetrics == nil || len(*meta.CloudWatchMetrics) == 0 {
		return Line{}, errors.New("metrics: EMF _aws.CloudWatchMetrics missing or empty")
	}
	out := Line{Timestamp: time.UnixMilli(ts).UTC(), Dimensions: map[string]string{}}
	for i, d := range *meta.CloudWatchMetrics {
		if d.Namespace == nil || *d.Namespace == "" || len(*d.Namespace) > maxNameLen {
			return Line{}, fmt.Errorf("metrics: EMF directive %d: Namespace missing or longer than %d", i, maxNameLen)
		}
		if i == 0 {
			out.Namespace = *d.Namespace
		}
		if d.Dimensions == nil {
			return Line{}, fmt.Errorf("metrics: EMF directive %d: Dimensions missing", i)
		}
		for _, set := range *d.Dimensions {
			if len(set) > maxDimensions {
				return Line{}, fmt.Errorf("metrics: EMF directive %d: %d dimensions in a set, at most %d", i, len(set), maxDimensions)
			}
			for _, name := range set {
				var v string
				if err := json.Unmarshal(root[name], &v); err != nil {
					return Line{}, fmt.Errorf("metrics: EMF dimension %q is not a string member of the root", name)
				}
				out.Dimensions[name] = v
			}
		}
		if d.Metrics == nil || len(*d.Metrics) == 0 || len(*d.Metrics) > maxMetrics {
			return Line{}, fmt.Errorf("metrics: EMF directive %d: Metrics missing or more than %d", i, maxMetrics)
		}
		for _, m := range *d.Metrics {
			if m.Name == nil || *m.Name == "" {
				return Line{}, fmt.Errorf("metrics: EMF directive %d: a metric has no Name", i)
			}
			var unit Unit
			if m.Unit != nil {
				if unit = *m.Unit; !units[unit] {
					return Line{}, fmt.Errorf("metrics: EMF metric %s: unit %q is not one the specification allows", *m.Name, unit)
				}
			}
			if r := m.StorageResolution; r != nil && *r != 1 && *r != 60 {
				return Line{}, fmt.Errorf("metrics: EMF metric %s: StorageResolution %d (1 or 60)", *m.Name, *r)
			}
			values, err := numbers(root[*m.Name])
			if err != nil {
				return Line{}, fmt.Errorf("metrics: EMF metric %s: %w", *m.Name, err)
			}
			for _, v := range values {
				out.Metrics = append(out.Metrics, Metric{Name: *m.Name, Unit: unit, Value: v})
			}
		}
	}
	return out, nil
}

// numbers reads a metric's member: a number or an array of 1 to 100.
func numbers(raw json.RawMessage) ([]float64, error) {
	if raw == nil {
		return nil, errors.New("no member of that name at the root")
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err == nil {
		return []float64{f}, nil
	}
	var fs []float64
	if err := json.Unmarshal(raw, &fs); err != nil || len(fs) == 0 || len(fs) > maxMetrics {
		return nil, fmt.Errorf("member %s is not a number or an array of 1 to %d numbers", snippet(raw), maxMetrics)
	}
	for _, f := range fs {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, errors.New("not a finite number")
		}
	}
	return fs, nil
}

func snippet(raw []byte) string {
	if len(raw) > 40 {
		return string(raw[:40]) + "…"
	}
	return string(raw)
}

// Lines reads the EMF lines out of a log: every line that is a JSON object
// with an _aws member is parsed; other lines (plain log lines) are
// skipped. An EMF line CloudWatch would refuse is an error naming its line
// number.
func Lines(log []byte) ([]Line, error) {
	var out []Line
	sc := bufio.NewScanner(bytes.NewReader(log))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 || b[0] != '{' {
			continue
		}
		var probe map[string]json.RawMessage
		if json.Unmarshal(b, &probe) != nil {
			continue
		}
		if _, ok := probe["_aws"]; !ok {
			continue
		}
		l, err := Parse(b)
		if err != nil {
			return out, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("metrics: reading log lines: %w", err)
	}
	return out, nil
}
