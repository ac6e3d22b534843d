package metrics

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

// TestParse_ReadsBackWhatTheWriterWrote: values, units, dimensions and the
// timestamp survive a write and a read.
func TestParse_ReadsBackWhatTheWriterWrote(t *testing.T) {
	var out bytes.Buffer
	w, err := NewWriter(&out, Namespace, map[string]string{"Function": "acme_alerts", "Stage": "prod"})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 8, 5, 0, 0, 123e6, time.UTC)
	w.Now = func() time.Time { return at }
	want := []Metric{{Alerts, Count, 7}, {FirehoseFailures, Count, 0}, {Duration, Milliseconds, 12.25}}
	if err := w.Write(want...); err != nil {
		t.Fatal(err)
	}
	l, err := Parse(bytes.TrimSpace(out.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !l.Timestamp.Equal(at) || l.Namespace != Namespace || len(l.Dimensions) != 2 ||
		l.Dimensions["Function"] != "acme_alerts" || l.Dimensions["Stage"] != "prod" {
		t.Errorf("line %+v", l)
	}
	for _, m := range want {
		if v, ok := l.Value(m.Name); !ok || v != m.Value || l.Unit(m.Name) != m.Unit {
			t.Errorf("%s: %v %v (%s), want %v %s", m.Name, v, ok, l.Unit(m.Name), m.Value, m.Unit)
		}
	}
	if _, ok := l.Value(RecordsIn); ok {
		t.Error("a metric not written is read back")
	}
}

func TestParse_ArrayValuesAreSummed(t *testing.T) {
	l, err := Parse([]byte(`{"_aws":{"Timestamp":1765000000000,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":"A","Unit":"Count"}]}]},"A":[1,2,3.5]}`))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := l.Value("A"); v != 6.5 || len(l.Metrics) != 3 {
		t.Errorf("A = %v from %d values, want 6.5 from 3", v, len(l.Metrics))
	}
}

// TestLines_PicksTheEMFLinesOutOfALog: plain and JSON log lines are
// skipped; an EMF line CloudWatch would refuse is an error naming its line.
func TestLines_PicksTheEMFLinesOutOfALog(t *testing.T) {
	good := `{"_aws":{"Timestamp":1765000000000,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["Function"]],"Metrics":[{"Name":"A","Unit":"Count"}]}]},"Function":"f","A":%s}`
	log := strings.Join([]string{
		`START RequestId: 1 Version: $LATEST`,
		`{"time":"2026-12-08T05:00:00Z","level":"INFO","msg":"invocation done","records":3}`,
		strings.Replace(good, "%s", "3", 1),
		`not json {`,
		"",
		strings.Replace(good, "%s", "4", 1),
	}, "\n")
	lines, err := Lines([]byte(log))
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 {
		t.Fatalf("%d EMF lines, want 2", len(lines))
	}
	if a, _ := lines[1].Value("A"); a != 4 {
		t.Errorf("second line A = %v", a)
	}
	bad := log + "\n" + strings.Replace(good, "%s", `"x"`, 1)
	if _, err := Lines([]byte(bad)); err == nil || !strings.Contains(err.Error(), "line 7:") {
		t.Errorf("a refused EMF line gave %v, want an error at line 7", err)
	}
}

// FuzzParse: Parse never panics, and what it accepts is what CloudWatch
// takes: a namespace, a millisecond timestamp, finite values.
func FuzzParse(f *testing.F) {
	f.Add(`{"_aws":{"Timestamp":1765000000000,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["D"]],"Metrics":[{"Name":"A","Unit":"Count"}]}]},"D":"d","A":1}`)
	f.Add(`{"_aws":{"Timestamp":1765000000000,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[],"Metrics":[{"Name":"A"}]}]},"A":[1,2]}`)
	f.Add(`{"_aws":{"Timestamp":1.5e12,"CloudWatchMetrics":[]}}`)
	f.Add(`{"_aws":null}`)
	f.Fuzz(func(t *testing.T, line string) {
		l, err := Parse([]byte(line))
		if err != nil {
			return
		}
		if l.Namespace == "" || l.Timestamp.UnixMilli() < 1e12 || len(l.Metrics) == 0 {
			t.Fatalf("accepted %q as %+v", line, l)
		}
		for _, m := range l.Metrics {
			if m.Name == "" || math.IsNaN(m.Value) || math.IsInf(m.Value, 0) || (m.Unit != "" && !units[m.Unit]) {
				t.Fatalf("accepted metric %+v of %q", m, line)
			}
		}
	})
}
