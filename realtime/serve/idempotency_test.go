package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/streamalert/streamalert/internal/schematest"
)

// TestServe_IdempotencyKeyMakesAResendANoOp: a body sent again with the
// same Idempotency-Key (the client lost the first 202) is answered 202
// with duplicate:true and stored once, also after a restart that
// committed the first; another key, or none, stores again; a bad key is
// refused.
func TestServe_IdempotencyKeyMakesAResendANoOp(t *testing.T) {
	cfg := testConfig(t)
	data := t.TempDir()
	src, _ := cfg.Source("http")
	body := []byte(schematest.CloudTrailRecord(1, "DescribeInstances"))
	send := func(url, key string) (int, map[string]any) {
		req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+src.Token)
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	serveOnce := func(fn func(url string)) int64 {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		app, err := OpenApp(ctx, cfg, data, AppOptions{CommitInterval: 100 * time.Millisecond, Logger: quietLog, NoOutputs: true})
		if err != nil {
			t.Fatal(err)
		}
		addrc := make(chan string, 1)
		done := make(chan error, 1)
		go func() { done <- app.Serve(ctx, "127.0.0.1:0", func(a string) { addrc <- a }) }()
		fn("http://" + <-addrc + "/v1/ingest/http")
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		return app.Metrics.Sum("streamalert_batches_total")
	}
	n := serveOnce(func(url string) {
		if code, out := send(url, "batch-0001"); code != 202 || out["duplicate"] != nil || out["batch"] == nil {
			t.Fatalf("first send: %d %v", code, out)
		}
		if code, out := send(url, "batch-0001"); code != 202 || out["duplicate"] != true || out["accepted"] != float64(1) {
			t.Fatalf("resend: %d %v", code, out)
		}
		if code, out := send(url, "batch-0002"); code != 202 || out["duplicate"] != nil {
			t.Fatalf("another key: %d %v", code, out)
		}
		if code, out := send(url, ""); code != 202 || out["duplicate"] != nil {
			t.Fatalf("no key: %d %v", code, out)
		}
		if code, _ := send(url, "has space"); code != http.StatusBadRequest {
			t.Fatalf("bad key: %d", code)
		}
	})
	if n != 3 {
		t.Fatalf("first run processed %d batches, want 3", n)
	}
	n = serveOnce(func(url string) {
		if code, out := send(url, "batch-0001"); code != 202 || out["duplicate"] != true {
			t.Fatalf("resend after a restart: %d %v", code, out)
		}
	})
	if n != 0 {
		t.Fatalf("after the restart %d batches processed, want 0", n)
	}
}
