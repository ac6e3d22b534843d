package realtime

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Metrics are the pipeline's counters, exposed in the Prometheus text
// format. Counters are atomics found through a sync.Map, so workers add to
// them without a shared lock.
type Metrics struct {
	counters sync.Map // key (name + labels) → *atomic.Int64
	mu       sync.Mutex
	help     map[string]string
	gauges   map[string]func() float64
}

// NewMetrics returns empty metrics.
func NewMetrics() *Metrics {
	return &Metrics{help: map[string]string{
		"streamalert_records_in_total":           "Records received, per source (classified + unclassified).",
		"streamalert_records_classified_total":   "Records classified, per source and log type.",
		"streamalert_records_unclassified_total": "Records no allowed log type accepted, per source.",
		"streamalert_batches_total":              "Batches processed, per source.",
		"streamalert_rule_matches_total":         "Rule matches, per rule.",
		"streamalert_alerts_total":               "New alerts stored.",
		"streamalert_output_failures_total":      "Failed alert deliveries, per output.",
		"streamalert_output_fallbacks_total":     "Alerts whose payload an output's service refused, sent as the minimal payload instead, per output.",
		"streamalert_ingest_rejected_total":      "Requests refused, per source and reason.",
	}, gauges: map[string]func() float64{}}
}

func (m *Metrics) add(name string, n int64, labels ...string) {
	m.counter(name, labels...).Add(n)
}

// counter returns the counter of a name and labels, creating it. Hot paths
// keep the pointer rather than calling this per record.
func (m *Metrics) counter(name string, labels ...string) *atomic.Int64 {
	key := name
	if len(labels) > 0 {
		var b strings.Builder
		b.WriteString(name)
		b.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%s=%q", labels[i], labels[i+1])
		}
		b.WriteByte('}')
		key = b.String()
	}
	c, ok := m.counters.Load(key)
	if !ok {
		c, _ = m.counters.LoadOrStore(key, new(atomic.Int64))
	}
	return c.(*atomic.Int64)
}

// recordCounters are the counters one record of a source and log type
// adds to, cached by a Worker.
type recordCounters struct{ in, kind *atomic.Int64 }

type counterKey struct{ source, logType string }

// recordCounters returns the counters for records of source classified as
// logType ("" for unclassified).
func (m *Metrics) recordCounters(source, logType string) recordCounters {
	rc := recordCounters{in: m.counter("streamalert_records_in_total", "source", source)}
	if logType == "" {
		rc.kind = m.counter("streamalert_records_unclassified_total", "source", source)
	} else {
		rc.kind = m.counter("streamalert_records_classified_total", "source", source, "log_type", logType)
	}
	return rc
}

func (m *Metrics) batch(source string, records int) {
	m.add("streamalert_batches_total", 1, "source", source)
}
func (m *Metrics) alerts(n int) { m.add("streamalert_alerts_total", int64(n)) }

// OutputFailure counts a failed delivery to an output.
func (m *Metrics) OutputFailure(output string) {
	m.add("streamalert_output_failures_total", 1, "output", output)
}

// SyslogLost counts syslog messages lost for a reason: "rcvbuf" (the
// kernel's UDP receive buffer was full: /proc/net/udp drops of the
// listener's socket) or "not_stored" (the ingest log refused them, or the
// pipeline stayed busy past the wait).
func (m *Metrics) SyslogLost(source, reason string, n int64) {
	m.add("streamalert_syslog_lost_total", n, "source", source, "reason", reason)
}

// OutputFallback counts a payload an output's service refused, after which
// the minimal payload was sent.
func (m *Metrics) OutputFallback(output string) {
	m.add("streamalert_output_fallbacks_total", 1, "output", output)
}

// Rejected counts an ingest request refused for a reason.
func (m *Metrics) Rejected(source, reason string) {
	m.add("streamalert_ingest_rejected_total", 1, "source", source, "reason", reason)
}

// Gauge registers a value read at every scrape.
func (m *Metrics) Gauge(name, help string, f func() float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.help[name] = help
	m.gauges[name] = f
}

// Value returns a counter's value by its exposition key, e.g.
// `streamalert_records_in_total{source="http"}`; 0 when never counted.
func (m *Metrics) Value(key string) int64 {
	if c, ok := m.counters.Load(key); ok {
		return c.(*atomic.Int64).Load()
	}
	return 0
}

// Sum adds every counter of a metric name across its labels.
func (m *Metrics) Sum(name string) int64 {
	var n int64
	m.counters.Range(func(k, v any) bool {
		key := k.(string)
		if key == name || strings.HasPrefix(key, name+"{") {
			n += v.(*atomic.Int64).Load()
		}
		return true
	})
	return n
}

// WriteText writes the metrics in the Prometheus text exposition format.
func (m *Metrics) WriteText(w io.Writer) error {
	byName := map[string][]string{}
	m.counters.Range(func(k, v any) bool {
		key := k.(string)
		name, _, _ := strings.Cut(key, "{")
		byName[name] = append(byName[name], fmt.Sprintf("%s %d", key, v.(*atomic.Int64).Load()))
		return true
	})
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(byName)+len(m.gauges))
	for n := range byName {
		names = append(names, n)
	}
	for n := range m.gauges {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if help := m.help[n]; help != "" {
			fmt.Fprintf(w, "# HELP %s %s\n", n, help)
		}
		if g, ok := m.gauges[n]; ok {
			fmt.Fprintf(w, "# TYPE %s gauge\n%s %g\n", n, n, g())
			continue
		}
		fmt.Fprintf(w, "# TYPE %s counter\n", n)
		lines := byName[n]
		sort.Strings(lines)
		for _, l := range lines {
			if _, err := fmt.Fprintln(w, l); err != nil {
				return err
			}
		}
	}
	return nil
}
