package realtime

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/internal/benchtest"
	"github.com/streamalert/streamalert/internal/schematest"
	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// benchRules is the rule pack plus generated CloudTrail rules, so that 100
// rules apply to CloudTrail records.
func benchRules(b *testing.B, reg *schema.Registry) *rules.Set {
	b.Helper()
	pack, errs := rules.Pack(reg)
	if len(errs) > 0 {
		b.Fatal(errs[0])
	}
	onTrail := 0
	for _, r := range pack.Rules() {
		if r.AppliesTo("cloudtrail:events") {
			onTrail++
		}
	}
	var doc strings.Builder
	for i := 0; onTrail+i < 100; i++ {
		fmt.Fprintf(&doc, "---\nname: bench_rule_%d\nlogs: [cloudtrail:events]\ndetection:\n  sel:\n    eventName: Bench%dCall\n    userIdentity.arn|contains: ':user/'\n  condition: sel\n", i, i)
	}
	extra, errs := (&rules.Loader{LogTypes: reg}).LoadBytes("bench.yaml", []byte(doc.String()), false)
	if len(errs) > 0 {
		b.Fatal(errs[0])
	}
	more, _ := rules.NewSet(extra...)
	set, errs := rules.Merge(pack, more)
	if len(errs) > 0 {
		b.Fatal(errs[0])
	}
	return set
}

// BenchmarkPipeline measures the embedded pipeline end to end for CloudTrail:
// classify, 100 rules, alerts to an in-memory store, Parquet (zstd) to a
// local lake, committed every 20 batches of 1,000 records.
func BenchmarkPipeline(b *testing.B) {
	reg := schema.Builtin()
	set := benchRules(b, reg)
	lake, err := firehose.NewLake(firehose.NewDir(b.TempDir()), firehose.Options{Manual: true})
	if err != nil {
		b.Fatal(err)
	}
	proc, err := alerts.NewProcessor(alerts.ProcessorConfig{Store: alerts.NewMemoryStore(), Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	p, err := New(Config{Registry: reg, Rules: set, Lake: lake, Alerter: proc})
	if err != nil {
		b.Fatal(err)
	}
	w := p.NewWorker()
	const perBatch = 1000
	batches := make([][]byte, 20)
	for i := range batches {
		batches[i] = schematest.CloudTrailCorpusBatch(b, perBatch, i)
	}
	ctx := context.Background()
	b.SetBytes(int64(len(batches[0])))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := benchtest.CPUTime()
	for i := 0; i < b.N; i++ {
		if _, err := w.Process(ctx, Batch{Seq: uint64(i + 1), Source: "bench", Received: time.Now(), Payload: batches[i%len(batches)]}, nil); err != nil {
			b.Fatal(err)
		}
		if i%20 == 19 {
			if err := lake.Commit(ctx, uint64(i)); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := lake.Commit(ctx, uint64(b.N)); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	recs := float64(b.N * perBatch)
	b.ReportMetric(recs/b.Elapsed().Seconds(), "records/s")
	if cpu := benchtest.CPUTime() - cpu0; cpu > 0 {
		b.ReportMetric(recs/cpu.Seconds(), "records/cpu-s")
	}
}
