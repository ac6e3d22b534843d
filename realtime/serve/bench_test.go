package serve

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/internal/schematest"
	"github.com/streamalert/streamalert/schema"
)

// BenchmarkServeAlertLatency posts CloudTrail batches to a running serve
// over loopback HTTP at a steady rate (SA_BENCH_RATE records/s, default
// 40,000) and measures, for the one alerting record in each batch, the time
// from the post to the alert being stored. It reports the p50 and p99
// latency and the records/s achieved.
func BenchmarkServeAlertLatency(b *testing.B) {
	cfg := testConfig(&testing.T{})
	data := b.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	sent := map[string]time.Time{}
	var lat []time.Duration
	app, err := OpenApp(ctx, cfg, data, AppOptions{NoOutputs: true, Logger: slog.New(slog.DiscardHandler),
		OnAlerts: func(as []*alerts.Alert) {
			now := time.Now()
			mu.Lock()
			defer mu.Unlock()
			for _, a := range as {
				if t, ok := sent[a.RecordID]; ok && a.Rule == "cloudtrail_logging_stopped" {
					lat = append(lat, now.Sub(t))
					delete(sent, a.RecordID)
				}
			}
		}})
	if err != nil {
		b.Fatal(err)
	}
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, "127.0.0.1:0", func(a string) { addrc <- a }) }()
	var url string
	select {
	case a := <-addrc:
		url = "http://" + a + "/v1/ingest/http"
	case err := <-done:
		b.Fatalf("serve: %v", err)
	}
	src, _ := cfg.Source("http")
	const perBatch = 500
	base := schematest.CloudTrailCorpusBatch(b, perBatch-1, -1)
	rate := 40000
	if s := os.Getenv("SA_BENCH_RATE"); s != "" {
		fmt.Sscan(s, &rate)
	}
	// The load generator: a pacer hands out batches at the offered rate
	// and a few concurrent posters send them, as several log shippers
	// would; one poster alone would be bounded by its own round trips
	// (the server answers after an fsync).
	const posters = 4
	interval := time.Second * perBatch / time.Duration(rate)
	var refused atomic.Int64
	work := make(chan int, 64)
	var wg sync.WaitGroup
	post := func(i int) error {
		alerting := schematest.CloudTrailRecord(i, "StopLogging")
		body := append([]byte(alerting+"\n"), base...)
		id := schema.RecordID("cloudtrail:events", mustCompact(b, alerting))
		mu.Lock()
		sent[id] = time.Now()
		mu.Unlock()
		for {
			req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+src.Token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusTooManyRequests {
				refused.Add(1) // back-pressure: a real client waits and retries
				time.Sleep(10 * time.Millisecond)
				continue
			}
			if resp.StatusCode != http.StatusAccepted {
				return fmt.Errorf("post: %s", resp.Status)
			}
			return nil
		}
	}
	errs := make(chan error, posters)
	for range posters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := post(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		// Batch i is due at start + i·interval: a late batch does not
		// push back the ones after it, so the offered rate holds.
		time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		work <- i
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
	app.Runner.Drain()
	elapsed := time.Since(start)
	b.StopTimer()
	mu.Lock()
	got := slices.Clone(lat)
	mu.Unlock()
	slices.Sort(got)
	if len(got) > 0 {
		b.ReportMetric(float64(got[len(got)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(got[len(got)*99/100].Microseconds())/1000, "p99-ms")
	}
	b.ReportMetric(float64(b.N*perBatch)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(rate), "offered/s")
	b.ReportMetric(float64(refused.Load()), "429s")
	cancel()
	<-done
}

// mustCompact returns the compact JSON text the classifier keeps as Raw.
func mustCompact(b *testing.B, s string) []byte {
	var out []byte
	schema.NewClassifier(nil).Classify([]byte(s), schema.Input{}, func(r *schema.Record) { out = bytes.Clone(r.Raw) }, func(*schema.Unclassified) {})
	if out == nil {
		b.Fatalf("not a record: %s", s)
	}
	return out
}
