package bench

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/streamalert/streamalert/internal/workload"
	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

func TestBaseline_DecodesJSONLinesAndRefusesText(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		want    int
		wantErr string
	}{
		{"json lines", "{\"a\":1}\n\n{\"b\":[1,2]}\n", 2, ""},
		{"no final newline", "{\"a\":1}\n{\"b\":2}", 2, ""},
		{"text line", "{\"a\":1}\nMay  1 10:00:00 host sshd[1]: hi\n", 1, "line 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n, err := Baseline(strings.NewReader(tc.in))
			if n != tc.want || (tc.wantErr == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Baseline = %d, %v; want %d, error containing %q", n, err, tc.want, tc.wantErr)
			}
		})
	}
}

// TestLibrary_ClassifiesEveryRecordInPayloads: the library path sees each
// generated record once, and with rules counts the matches the matcher
// reports.
func TestLibrary_ClassifiesEveryRecordInPayloads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mixed.log")
	n, _, err := writeRecords(path, workload.Mixed, 3, 2500)
	if err != nil {
		t.Fatal(err)
	}
	c, u, m, err := Library(path, nil, nil)
	if err != nil || c != n || u != 0 || m != 0 {
		t.Fatalf("Library without rules = %d, %d, %d, %v; want %d classified", c, u, m, err, n)
	}
	rule := `name: stop_logging
title: t
description: d
severity: high
logs: [cloudtrail:events]
detection:
  sel:
    eventName: StopLogging
  condition: sel
`
	set, errs := rules.LoadFS(fstest.MapFS{"stop_logging.yaml": {Data: []byte(rule)}}, "test", schema.Builtin())
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := 0
	for _, l := range workload.Lines(workload.Mixed, 3, 2500) {
		if bytes.Contains(l, []byte(`"eventName":"StopLogging"`)) {
			want++
		}
	}
	_, _, m, err = Library(path, nil, set)
	if err != nil || m != want || want == 0 {
		t.Errorf("matches = %d, %v; want %d", m, err, want)
	}
}

func TestReport_WriteMarkdownGivesRatiosToTheBaseline(t *testing.T) {
	rep := &Report{
		Machine:  Machine{CPU: "Test CPU", CPUs: 2, GoVersion: "go1.x", OS: "linux/amd64", Load: "1.00 2.00 3.00", Date: time.Date(2026, 12, 8, 5, 0, 0, 0, time.UTC)},
		Workload: workload.CloudTrail, Records: 100_000, Bytes: 102_400_000, Seed: 1,
		Results: []Result{
			{Path: "baseline", Records: 100_000, CPU: 2 * time.Second, Wall: 4 * time.Second, PeakRSS: 50 << 20},
			{Path: "ingest", Records: 100_000, CPU: time.Second, Wall: 5 * time.Second, PeakRSS: 200 << 20},
		},
	}
	var b strings.Builder
	if err := rep.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Machine: Test CPU, 2 CPUs, linux/amd64, go1.x; load average at the start 1.00 2.00 3.00; 2026-12-08 05:00 UTC.",
		"Baseline: 50000 records/CPU-s, 25000 records/s, peak RSS 50 MiB.",
		"| baseline | 50.0k | 1.00x | 25.0k | 1.00x | 50 MiB |",
		"| ingest | 100.0k | 2.00x | 20.0k | 0.80x | 200 MiB |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestInitConfig_FreesTheSyslogPortAndGivesTheToken(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "conf")
	token, err := initConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "sources.yaml"))
	if token == "" || strings.Contains(string(b), "5514") || !strings.Contains(string(b), token) {
		t.Errorf("token %q; sources.yaml:\n%s", token, b)
	}
}
