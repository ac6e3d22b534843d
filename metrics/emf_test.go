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

// emfUnits are the units the EMF specification allows.
var emfUnits = map[string]bool{}

func init() {
	for _, u := range strings.Fields(`Seconds Microseconds Milliseconds Bytes Kilobytes Megabytes Gigabytes
		Terabytes Bits Kilobits Megabits Gigabits Terabits Percent Count Bytes/Second Kilobytes/Second
		Megabytes/Second Gigabytes/Second Terabytes/Second Bits/Second Kilobits/Second Megabits/Second
		Gigabits/Second Terabits/Second Count/Second None`) {
		emfUnits[u] = true
	}
}

// validateEMF checks one log line against the EMF specification's shape:
// a root object with _aws {Timestamp: number of ms, CloudWatchMetrics:
// [directive]}; a directive has a Namespace, Dimensions (sets of at most
// 30 names, each a string member of the root) and at most 100 Metrics
// (Name: a numeric member of the root, or an array of at most 100
// numbers; Unit: one of the spec's units).
func validateEMF(line []byte) error {
	var root map[string]json.RawMessage
	if err := json.Unmarshal(line, &root); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	var meta struct {
		Timestamp         *json.Number
		CloudWatchMetrics *[]struct {
			Namespace  *string
			Dimensions *[][]string
			Metrics    *[]struct {
				Name              *string
				Unit              *string
				StorageResolution *int
			}
		}
	}
	raw, ok := root["_aws"]
	if !ok {
		return fmt.Errorf("no _aws member")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&meta); err != nil {
		return fmt.Errorf("_aws: %w", err)
	}
	if meta.Timestamp == nil {
		return fmt.Errorf("_aws.Timestamp missing")
	}
	if ts, err := meta.Timestamp.Int64(); err != nil || ts < 1e12 {
		return fmt.Errorf("_aws.Timestamp %v is not epoch milliseconds", *meta.Timestamp)
	}
	if meta.CloudWatchMetrics == nil || len(*meta.CloudWatchMetrics) == 0 {
		return fmt.Errorf("_aws.CloudWatchMetrics missing or empty")
	}
	for _, d := range *meta.CloudWatchMetrics {
		if d.Namespace == nil || *d.Namespace == "" || len(*d.Namespace) > 255 {
			return fmt.Errorf("bad Namespace")
		}
		if d.Dimensions == nil {
			return fmt.Errorf("Dimensions missing")
		}
		for _, set := range *d.Dimensions {
			if len(set) > 30 {
				return fmt.Errorf("%d dimensions in a set", len(set))
			}
			for _, name := range set {
				var s string
				if err := json.Unmarshal(root[name], &s); err != nil {
					return fmt.Errorf("dimension %s is not a string member of the root", name)
				}
			}
		}
		if d.Metrics == nil || len(*d.Metrics) == 0 || len(*d.Metrics) > 100 {
			return fmt.Errorf("Metrics missing or more than 100")
		}
		for _, m := range *d.Metrics {
			if m.Name == nil || *m.Name == "" {
				return fmt.Errorf("metric without Name")
			}
			if m.Unit != nil && !emfUnits[*m.Unit] {
				return fmt.Errorf("metric %s: unit %q is not an EMF unit", *m.Name, *m.Unit)
			}
			if m.StorageResolution != nil && *m.StorageResolution != 1 && *m.StorageResolution != 60 {
				return fmt.Errorf("metric %s: StorageResolution %d", *m.Name, *m.StorageResolution)
			}
			var f float64
			var fs []float64
			if json.Unmarshal(root[*m.Name], &f) != nil {
				if err := json.Unmarshal(root[*m.Name], &fs); err != nil || len(fs) == 0 || len(fs) > 100 {
					return fmt.Errorf("metric %s has no numeric member at the root", *m.Name)
				}
			}
		}
	}
	return nil
}

func TestValidateEMF_RefusesWhatTheSpecRefuses(t *testing.T) {
	good := `{"_aws":{"Timestamp":1765000000000,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["Function"]],"Metrics":[{"Name":"A","Unit":"Count"}]}]},"Function":"f","A":1}`
	if err := validateEMF([]byte(good)); err != nil {
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
		if validateEMF([]byte(bad)) == nil {
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
	if err := validateEMF(lines[0]); err != nil {
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
		if err := validateEMF([]byte(l)); err != nil {
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
