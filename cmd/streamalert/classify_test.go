package main

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

var eventTimeRE = regexp.MustCompile(`"event_time":"([^"]+)"`)

// maskNow replaces event times from since on (records without an event
// time of their own get the ingest time, now) with NOW.
func maskNow(out string, since time.Time) string {
	return eventTimeRE.ReplaceAllStringFunc(out, func(m string) string {
		t, err := time.Parse(time.RFC3339Nano, eventTimeRE.FindStringSubmatch(m)[1])
		if err == nil && !t.Before(since) {
			return `"event_time":"NOW"`
		}
		return m
	})
}

// TestClassify_OutputGolden: classify's lines, written straight from each
// record's typed values, are the bytes the command wrote when it encoded
// Record.Map() with encoding/json (the golden file was made by that
// version): a generated mixed workload and every built-in type's sample.
func TestClassify_OutputGolden(t *testing.T) {
	files := []string{filepath.Join("testdata", "classify", "mixed.log")}
	samples, _ := filepath.Glob(filepath.Join("..", "..", "schema", "testdata", "samples", "*", "*"))
	for _, s := range samples {
		if !strings.HasSuffix(s, "truncated.gz") { // an error now, not a record: below
			files = append(files, s)
		}
	}
	since := time.Now().Add(-time.Minute)
	out, errs, code := run(t, append([]string{"classify"}, files...)...)
	if code != 0 {
		t.Fatalf("classify: exit %d: %s", code, errs)
	}
	got := maskNow(out, since)
	golden := filepath.Join("testdata", "classify", "output.golden.jsonl")
	if *update {
		os.WriteFile(golden, []byte(got), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		g, w := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Fatalf("line %d differs (of %d and %d):\n got %s\nwant %s", i+1, len(g), len(w), g[i], w[i])
			}
		}
		t.Fatalf("%d lines, want %d", len(g), len(w))
	}
	if n := strings.Count(got, "\n"); n < 400 {
		t.Errorf("only %d lines", n)
	}
}

// TestClassify_TruncatedGzipIsAnError: a damaged compressed file stops
// classify with an error naming it (the records before the damage are
// printed).
func TestClassify_TruncatedGzipIsAnError(t *testing.T) {
	f := filepath.Join("..", "..", "schema", "testdata", "samples", "_unclassified", "truncated.gz")
	_, errs, code := run(t, "classify", f)
	if code == 0 || !strings.Contains(errs, f) || !strings.Contains(errs, "truncated") {
		t.Errorf("exit %d, stderr %q: want an error naming %s as truncated", code, errs, f)
	}
}
