package serve

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/internal/duckdbtest"
)

func gzipOf(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// TestServe_DecompressionBombsStopAtTheLimit posts bodies that inflate
// past eight times max_body_bytes (64 KiB here, so 512 KiB) in a second
// layer: gzip inside gzip with Content-Encoding, and gzip without it.
// Each is answered 202 (its compressed size is within the limit) and ends
// as one unclassified record whose reason names the limit; it is never
// inflated past it.
func TestServe_DecompressionBombsStopAtTheLimit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "conf")
	if err := config.Init(dir); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "sources.yaml")
	b, _ := os.ReadFile(p)
	b = bytes.Replace(b, []byte("listen: 127.0.0.1:5514"), []byte("listen: 127.0.0.1:0"), 1)
	b = bytes.Replace(b, []byte("max_body_bytes: 16777216"), []byte("max_body_bytes: 65536"), 1)
	os.WriteFile(p, b, 0o600)
	cfg, ps := config.LoadDir(dir)
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	app, err := OpenApp(ctx, cfg, data, AppOptions{CommitInterval: 200 * time.Millisecond, Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, "127.0.0.1:0", func(a string) { addrc <- a }) }()
	url := "http://" + <-addrc + "/v1/ingest/http"
	src, _ := cfg.Source("http")

	zeros := make([]byte, 4<<20) // 4 MiB: 8 times the limit
	inner := gzipOf(t, zeros)
	bodies := []struct {
		name     string
		body     []byte
		encoding string
	}{
		{"gzip inside gzip", gzipOf(t, inner), "gzip"},
		{"gzip without Content-Encoding", inner, ""},
	}
	for _, tc := range bodies {
		req, _ := http.NewRequest("POST", url, bytes.NewReader(tc.body))
		req.Header.Set("Authorization", "Bearer "+src.Token)
		if tc.encoding != "" {
			req.Header.Set("Content-Encoding", tc.encoding)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("%s (%d bytes): %d", tc.name, len(tc.body), resp.StatusCode)
		}
	}
	m := app.Metrics
	waitFor(t, "both bodies through the pipeline", func() bool { return m.Sum("streamalert_batches_total") == 2 })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if got := m.Sum("streamalert_records_unclassified_total"); got != 2 {
		t.Errorf("unclassified records: %d, want 2 (one per bomb)", got)
	}
	db := duckdbtest.Open(t)
	lake := filepath.Join(data, "lake")
	duckdbtest.Exec(t, db, firehose.Unclassified.DuckDBView(lake))
	rows := duckdbtest.Query(t, db, "SELECT reason, length(raw) FROM unclassified ORDER BY 2")
	if len(rows) != 2 {
		t.Fatalf("unclassified rows %v", rows)
	}
	for _, r := range rows {
		reason, _ := r[0].(string)
		if !strings.Contains(reason, "inflates past 524288 bytes") {
			t.Errorf("unclassified reason %q, want the 512 KiB limit", reason)
		}
	}
}
