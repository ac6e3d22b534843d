package metrics

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParse_RefusesWhatTheSpecRefuses(t *testing.T) {
	good := `{"_aws":{"Timestamp":1765000000000,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["Function"]],"Metrics":[{"Name":"A","Unit":"Count"}]}]},"Function":"f","A":1}`
	if _, err := Parse([]byte(good)); err != nil {
		t.Fatalf("the spec's shape refused: %v", err)
	}
	for name, bad := range map[string]string{
		"no _aws":            `{"A":1}`,
		"no timestamp":       `{"_aws":{"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":"A"}]}]},"A":1}`,
		"seconds timestamp":  strings.Replace(good, "1765000000000", "1765000000", 1),
		"no namespace":       strings.Replace(good, `"Namespace":"N",`, "", 1),
		"metric not at root": strings.Replace(good, `,"A":1}`, "}", 1),
		"string metric":      strings.Replace(good, `"A":1}`, `"A":"1"}`, 1),
		"dimension missing":  strings.Replace(good, `"Function":"f",`, "", 1),
		"bad unit":           strings.Replace(good, `"Count"`, `"Items"`, 1),
		"unknown member":     strings.Replace(good, `"Timestamp"`, `"Extra":1,"Timestamp"`, 1),
	} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("%s: accepted %s", name, bad)
		}
	}
}

func TestWriter_LinesFollowTheEMFSpec(t *testing.T) {
	var out bytes.Buffer
	w, err := NewWriter(&out, Namespace, map[string]string{"Function": "acme_streamalert_classifier"})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 8, 4, 0, 0, 0, time.UTC)
	w.Now = func() time.Time { return at }
	err = w.Write(
		Metric{RecordsIn, Count, 1000}, Metric{Classified, Count, 990}, Metric{Unclassified, Count, 10},
		Metric{Alerts, Count, 3}, Metric{FirehoseFailures, Count, 0}, Metric{Duration, Milliseconds, 412.5},
	)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(out.Bytes(), []byte("\n")), []byte("\n"))
	if len(lines) != 1 {
		t.Fatalf("%d lines", len(lines))
	}
	if _, err := Parse(lines[0]); err != nil {
		t.Fatalf("%v\n%s", err, lines[0])
	}
	var got map[string]any
	json.Unmarshal(lines[0], &got)
	aws := got["_aws"].(map[string]any)
	if aws["Timestamp"].(float64) != float64(at.UnixMilli()) || got["Function"] != "acme_streamalert_classifier" ||
		got[RecordsIn].(float64) != 1000 || got[Duration].(float64) != 412.5 {
		t.Errorf("line %s", lines[0])
	}
	d := aws["CloudWatchMetrics"].([]any)[0].(map[string]any)
	if d["Namespace"] != "StreamAlert" || fmt.Sprint(d["Dimensions"]) != "[[Function]]" || len(d["Metrics"].([]any)) != 6 {
		t.Errorf("directive %v", d)
	}
}

func TestWriter_SplitsAtHundredMetrics(t *testing.T) {
	var out bytes.Buffer
	w, _ := NewWriter(&out, "N", nil)
	var ms []Metric
	for i := range 250 {
		ms = append(ms, Metric{Name: "m" + strconv.Itoa(i), Unit: Count, Value: float64(i)})
	}
	if err := w.Write(ms...); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines for 250 metrics, want 3", len(lines))
	}
	for _, l := range lines {
		if _, err := Parse([]byte(l)); err != nil {
			t.Error(err)
		}
	}
}

func TestWriter_RefusesBadMetrics(t *testing.T) {
	var out bytes.Buffer
	w, _ := NewWriter(&out, "N", map[string]string{"Function": "f"})
	for name, ms := range map[string][]Metric{
		"nothing":     nil,
		"no name":     {{Unit: Count, Value: 1}},
		"twice":       {{Name: "a", Value: 1}, {Name: "a", Value: 2}},
		"dimension":   {{Name: "Function", Value: 1}},
		"NaN":         {{Name: "a", Value: math.NaN()}},
		"infinity":    {{Name: "a", Value: math.Inf(1)}},
		"_aws member": {{Name: "_aws", Value: 1}},
	} {
		if err := w.Write(ms...); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if out.Len() != 0 {
		t.Errorf("wrote %q for refused metrics", out.String())
	}
	for name, dims := range map[string]map[string]string{"empty value": {"Function": ""}, "_aws": {"_aws": "x"}} {
		if _, err := NewWriter(&out, "N", dims); err == nil {
			t.Errorf("dimensions %s: no error", name)
		}
	}
	if _, err := NewWriter(&out, "", nil); err == nil {
		t.Error("empty namespace: no error")
	}
}

func BenchmarkWriter_ClassifierInvocation(b *testing.B) {
	w, _ := NewWriter(discard{}, Namespace, map[string]string{"Function": "f"})
	ms := []Metric{{RecordsIn, Count, 1000}, {Classified, Count, 990}, {Unclassified, Count, 10}, {Alerts, Count, 3}, {FirehoseFailures, Count, 0}, {Duration, Milliseconds, 412.5}}
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Write(ms...); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
