package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/streamalert/streamalert/realtime"
)

// FuzzIngestHandler posts fuzzed bodies with fuzzed Content-Encoding,
// Authorization and Idempotency-Key headers to the real ingest handler
// (an app with its ingest log and pipeline): no panic, every answer is
// one of the documented codes with a JSON body, and a 202 names its batch
// or says it is a duplicate.
func FuzzIngestHandler(f *testing.F) {
	cfg := testConfig(f)
	src, _ := cfg.Source("http")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	app, err := OpenApp(ctx, cfg, f.TempDir(), AppOptions{CommitInterval: time.Hour, Logger: quietLog, NoOutputs: true})
	if err != nil {
		f.Fatal(err)
	}
	defer app.Close(context.Background())
	app.Start(ctx)
	h := Handler(app.Runner, app.Metrics, realtime.SourcesOf[*realtime.HTTPSource](app.Sources), quietLog)

	gz := gzipOf(f, []byte(`{"a":1}`+"\n"))
	f.Add([]byte(`{"a":1}`), "", "Bearer "+src.Token, "")
	f.Add(gz, "gzip", "bearer "+src.Token, "k1")
	f.Add(gzipOf(f, gz), "gzip", "Bearer "+src.Token, "k1")
	f.Add([]byte("x"), "br", "Bearer "+src.Token, "")
	f.Add([]byte("x"), "", "Basic x", "")
	f.Add([]byte("   \n"), "identity", "Bearer "+src.Token, "has space")
	f.Fuzz(func(t *testing.T, body []byte, encoding, auth, key string) {
		req := httptest.NewRequest("POST", "/v1/ingest/http", bytes.NewReader(body))
		req.Header.Set("Authorization", auth)
		if encoding != "" {
			req.Header.Set("Content-Encoding", encoding)
		}
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%d answer is not JSON: %q", rec.Code, rec.Body.Bytes())
		}
		switch rec.Code {
		case http.StatusAccepted:
			if out["batch"] == nil && out["duplicate"] != true {
				t.Fatalf("202 without batch: %v", out)
			}
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusRequestEntityTooLarge,
			http.StatusUnsupportedMediaType, http.StatusTooManyRequests, http.StatusServiceUnavailable:
			if out["error"] == nil {
				t.Fatalf("%d without error: %v", rec.Code, out)
			}
		default:
			t.Fatalf("answer %d: %v", rec.Code, out)
		}
	})
}
