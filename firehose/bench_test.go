package firehose

import (
	"context"
	"github.com/streamalert/streamalert/internal/benchtest"
	"sync"
	"testing"
	"time"

	"github.com/streamalert/streamalert/firehose/internal/synth"
)

// countingDest is a Destination that keeps only the size of what it gets.
type countingDest struct {
	mu    sync.Mutex
	files int
	bytes int64
}

func (d *countingDest) Put(_ context.Context, _ string, data []byte) error {
	d.mu.Lock()
	d.files++
	d.bytes += int64(len(data))
	d.mu.Unlock()
	return nil
}

func (d *countingDest) String() string { return "counting" }

// BenchmarkParquetWrite measures the embedded writer on CloudTrail
// records (generated CloudTrail log files classified as the built-in
// cloudtrail:events type): Lake.Write through to finished Parquet files
// (the Destination only counts bytes). It reports records/s, records per
// CPU-second, MB/s of raw JSON taken in, and parquet/json, the size of the
// Parquet files over the raw JSON's.
func BenchmarkParquetWrite(b *testing.B) {
	recs, err := synth.CloudTrailEvents(200_000, 1)
	if err != nil {
		b.Fatal(err)
	}
	var raw int64
	for _, r := range recs {
		raw += int64(len(r.Raw))
	}
	for _, comp := range []string{CompressionAuto, CompressionZstd, CompressionSnappy} {
		b.Run(comp, func(b *testing.B) {
			dest := &countingDest{}
			w, err := NewLake(dest, Options{Compression: comp, BufferInterval: time.Hour})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(raw / int64(len(recs)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := benchtest.CPUTime()
			var in int64
			for i := 0; i < b.N; i++ {
				rec := recs[i%len(recs)]
				in += int64(len(rec.Raw))
				if err := w.Write(rec); err != nil {
					b.Fatal(err)
				}
			}
			if err := w.Close(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
			// The machine is shared: records per second of this process's CPU
			// time is the per-core rate even when the wall clock is not.
			b.ReportMetric(float64(b.N)/(benchtest.CPUTime()-cpu0).Seconds(), "records/cpu-s")
			b.ReportMetric(float64(dest.bytes)/float64(in), "parquet/json")
		})
	}
}

// BenchmarkParquetWriteIngest measures the writer as `streamalert ingest`
// and `serve` drive it: a fresh Lake with manual commits (Options.Manual),
// records written as a worker hands them over, a batch of 3,500 (4 MiB of
// JSON) at a time, and a commit whenever 128 MiB of input is buffered (the
// default buffer.size_mib), so every run pays for its first file's
// buffers as a process does.
func BenchmarkParquetWriteIngest(b *testing.B) {
	recs, err := synth.CloudTrailEvents(200_000, 1)
	if err != nil {
		b.Fatal(err)
	}
	var raw int64
	for _, r := range recs {
		raw += int64(len(r.Raw))
	}
	const batch = 3500
	const commitBytes = 128 << 20
	dest := &countingDest{}
	w, err := NewLake(dest, Options{Manual: true})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(raw / int64(len(recs)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := benchtest.CPUTime()
	var in, buffered int64
	var tag uint64
	for i := 0; i < b.N; i++ {
		rec := recs[i%len(recs)]
		in += int64(len(rec.Raw))
		buffered += int64(len(rec.Raw))
		if err := w.Write(rec); err != nil {
			b.Fatal(err)
		}
		if (i+1)%batch == 0 && buffered >= commitBytes {
			tag++
			if err := w.Commit(context.Background(), tag); err != nil {
				b.Fatal(err)
			}
			buffered = 0
		}
	}
	if err := w.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(b.N)/(benchtest.CPUTime()-cpu0).Seconds(), "records/cpu-s")
	b.ReportMetric(float64(dest.bytes)/float64(in), "parquet/json")
}
