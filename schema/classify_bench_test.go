package schema

import (
	"bytes"
	"encoding/json"
	"github.com/streamalert/streamalert/internal/benchtest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// cloudTrailFixtureRecords returns the CloudTrail records of
// testdata/classify/cloudtrail (Stratus Red Team detonations), each as
// compact JSON.
func cloudTrailFixtureRecords(tb testing.TB) [][]byte {
	tb.Helper()
	files, err := filepath.Glob("testdata/classify/cloudtrail/*.json")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no CloudTrail fixtures: %v", err)
	}
	var out [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var recs []json.RawMessage
		if err := json.Unmarshal(data, &recs); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		for _, r := range recs {
			var buf bytes.Buffer
			if err := json.Compact(&buf, r); err != nil {
				tb.Fatal(err)
			}
			out = append(out, buf.Bytes())
		}
	}
	return out
}

// benchPayloads builds an S3-style {"Records":[…]} file and a JSON-lines
// payload of n records cycling through the fixtures.
func benchPayloads(tb testing.TB, n int) (envelope, lines []byte) {
	recs := cloudTrailFixtureRecords(tb)
	var env, jl bytes.Buffer
	env.WriteString(`{"Records":[`)
	for i := 0; i < n; i++ {
		r := recs[i%len(recs)]
		if i > 0 {
			env.WriteByte(',')
		}
		env.Write(r)
		jl.Write(r)
		jl.WriteByte('\n')
	}
	env.WriteString(`]}`)
	return env.Bytes(), jl.Bytes()
}

// BenchmarkClassify measures raw CloudTrail JSON to typed, normalized
// Records on one goroutine. records/s is the figure to watch (target
// 200,000); ns/op and B/op are per payload of 1,000 records.
func BenchmarkClassify(b *testing.B) {
	const n = 1000
	envelope, lines := benchPayloads(b, n)
	reg := Builtin()
	ct := reg.Get("cloudtrail:events")
	cases := []struct {
		name    string
		payload []byte
		types   []*LogType
	}{
		{"cloudtrail", envelope, []*LogType{ct}},
		{"cloudtrail_jsonlines", lines, []*LogType{ct}},
		{"cloudtrail_all_types", envelope, nil},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			c := NewClassifier(reg)
			in := Input{Source: "bench", Types: tc.types, IngestTime: time.Unix(1722400000, 0)}
			got, bad := 0, 0
			onRec := func(*Record) { got++ }
			onUnc := func(*Unclassified) { bad++ }
			b.SetBytes(int64(len(tc.payload)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu := int64(benchtest.CPUTime())
			for i := 0; i < b.N; i++ {
				c.Classify(tc.payload, in, onRec, onUnc)
			}
			cpu = int64(benchtest.CPUTime()) - cpu
			b.StopTimer()
			if bad != 0 || got != n*b.N {
				b.Fatalf("%d records, %d unclassified; want %d and 0", got, bad, n*b.N)
			}
			b.ReportMetric(float64(got)/b.Elapsed().Seconds(), "records/s")
			if cpu > 0 {
				// With -cpu 1 this is the rate one core sustains, garbage
				// collection included, even on a busy machine.
				b.ReportMetric(float64(got)/(float64(cpu)/1e9), "records/cpu-s")
			}
		})
	}
}
