package serve

import (
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamalert/streamalert/internal/workload"
)

// writeWorkload writes a generated CloudTrail file of at least size bytes.
func writeWorkload(t *testing.T, path string, size int64, gz bool) int {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !gz {
		n, _, err := workload.Write(f, workload.CloudTrail, 1, size)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	zw := gzip.NewWriter(f)
	n, _, err := workload.Write(zw, workload.CloudTrail, 1, size)
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// heapPeak samples the live heap (as the latest garbage collection found
// it) until stop is called, and returns the highest sample. The live heap,
// not the heap with its garbage, is what input could make grow; the
// garbage on top of it is the collector's pacing (GOGC).
func heapPeak() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}

// ingestPeak ingests path through a fresh app with the pack's rules and
// returns the peak heap while it ran and the records classified.
func ingestPeak(t *testing.T, path string) (uint64, int64) {
	t.Helper()
	ctx := context.Background()
	cfg := testConfig(t)
	cfg.Global.Buffer.SizeMiB = 1 // the lake commits often: its buffer is not what is measured
	runtime.GC()
	stop := heapPeak()
	app, err := OpenApp(ctx, cfg, t.TempDir(), AppOptions{NoOutputs: true, Logger: quietLog, MaxPendingBytes: 1 << 20, CommitInterval: 50 * time.Millisecond})
	if err != nil {
		stop()
		t.Fatal(err)
	}
	app.Pipeline.AddSource("ingest", nil)
	app.Start(ctx)
	if err := app.IngestFile(ctx, "ingest", path, IngestOptions{BatchBytes: 256 << 10}); err != nil {
		app.Close(ctx)
		stop()
		t.Fatal(err)
	}
	app.Runner.Drain()
	classified := app.Metrics.Sum("streamalert_records_classified_total")
	err = app.Finish(ctx)
	peak := stop()
	if err != nil {
		t.Fatal(err)
	}
	return peak, classified
}

// TestIngestFile_PeakHeapDoesNotGrowWithTheFile: ingesting a file ten
// times the size of another (the pack's rules on, alerts stored) peaks at
// about the same heap, below the size of the larger file: the file is read
// as a stream, never held whole.
func TestIngestFile_PeakHeapDoesNotGrowWithTheFile(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests 44 MiB")
	}
	dir := t.TempDir()
	small, large := filepath.Join(dir, "small.json"), filepath.Join(dir, "large.json.gz")
	nSmall := writeWorkload(t, small, 4<<20, false)
	nLarge := writeWorkload(t, large, 40<<20, true)
	peakSmall, gotSmall := ingestPeak(t, small)
	peakLarge, gotLarge := ingestPeak(t, large)
	t.Logf("4 MiB file: %d records, peak live heap %.1f MiB; 40 MiB file (gzip): %d records, peak live heap %.1f MiB",
		nSmall, float64(peakSmall)/(1<<20), nLarge, float64(peakLarge)/(1<<20))
	if int(gotSmall) != nSmall || int(gotLarge) != nLarge {
		t.Fatalf("classified %v of %d and %v of %d records", gotSmall, nSmall, gotLarge, nLarge)
	}
	// The bound: the small file's peak plus 32 MiB for what settles as
	// the load goes on (open merge groups, dictionaries; measured 25-28
	// MiB over the small peak on a loaded 2-core machine, where the small
	// peak itself varies by half); it must stay below the large file's
	// size on top of the small peak, or a whole-file read could pass.
	bound := peakSmall + 32<<20
	if bound >= 40<<20+peakSmall {
		t.Fatalf("bound %d MiB is too loose to tell streaming from reading whole", bound>>20)
	}
	if peakLarge > bound {
		t.Errorf("peak live heap %.1f MiB for the 10x file, bound %.1f MiB (small file: %.1f MiB)",
			float64(peakLarge)/(1<<20), float64(bound)/(1<<20), float64(peakSmall)/(1<<20))
	}
}

// TestIngestFile_TruncatedGzipNamesTheFile: a damaged file is an error
// that names it, not records quietly missing.
func TestIngestFile_TruncatedGzipNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cut.json.gz")
	writeWorkload(t, path, 1<<20, true)
	data, _ := os.ReadFile(path)
	os.WriteFile(path, data[:len(data)/2], 0o600)
	ctx := context.Background()
	app, err := OpenApp(ctx, testConfig(t), t.TempDir(), AppOptions{NoOutputs: true, Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	app.Pipeline.AddSource("ingest", nil)
	app.Start(ctx)
	err = app.IngestFile(ctx, "ingest", path, IngestOptions{})
	app.Close(ctx)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("err = %v, want the file named and the gzip stream truncated", err)
	}
}
