package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamalert/streamalert/internal/schematest"
)

// TestIngestClient_PostsToServe: against a running serve, every record of
// the payload is accepted and lands in the pipeline.
func TestIngestClient_PostsToServe(t *testing.T) {
	cfg := testConfig(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	app, err := OpenApp(ctx, cfg, t.TempDir(), AppOptions{NoOutputs: true, CommitInterval: 100 * time.Millisecond, Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, "127.0.0.1:0", func(a string) { addrc <- a }) }()
	src, _ := cfg.Source("http")
	var lines []string
	for i := range 40 {
		lines = append(lines, schematest.CloudTrailRecord(i, "DescribeInstances"))
	}
	c := &IngestClient{URL: "http://" + <-addrc + "/", Source: "http", Token: src.Token}
	n, err := c.Post(ctx, []byte(strings.Join(lines, "\n")+"\n"))
	if err != nil || n != 40 {
		t.Fatalf("Post: %d records accepted, err %v; want 40", n, err)
	}
	waitFor(t, "the records", func() bool { return app.Metrics.Sum("streamalert_records_classified_total") == 40 })
	c.Token = "wrong"
	if _, err := c.Post(ctx, []byte(lines[0])); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("a wrong token: %v, want a 401 error", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// busyServer answers 429 to the first refusals requests, then 202; it
// checks the request as serve would.
type busyServer struct {
	*httptest.Server
	mu       sync.Mutex
	refusals int
	calls    int
	bodies   []string
}

func newBusyServer(t *testing.T, refusals int, status int) *busyServer {
	s := &busyServer{refusals: refusals}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.calls++
		if r.Method != http.MethodPost || r.URL.Path != "/v1/ingest/web" || r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, fmt.Sprintf("bad request %s %s %q", r.Method, r.URL.Path, r.Header.Get("Authorization")), http.StatusBadRequest)
			return
		}
		if s.refusals > 0 {
			s.refusals--
			http.Error(w, `{"error":"pipeline is behind; retry later"}`, status)
			return
		}
		b, _ := io.ReadAll(r.Body)
		s.bodies = append(s.bodies, string(b))
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(s.Close)
	return s
}

func TestIngestClient_Retries(t *testing.T) {
	for _, c := range []struct {
		name             string
		refusals, status int
		attempts         int
		wantErr          string
		wantCalls        int
	}{
		{name: "busy twice, then accepted", refusals: 2, status: http.StatusTooManyRequests, wantCalls: 3},
		{name: "not stored once, then accepted", refusals: 1, status: http.StatusServiceUnavailable, wantCalls: 2},
		{name: "busy past the attempts", refusals: 5, status: http.StatusTooManyRequests, attempts: 3, wantErr: "429 Too Many Requests after 3 attempts", wantCalls: 3},
		{name: "a refusal for good is not retried", refusals: 1, status: http.StatusRequestEntityTooLarge, wantErr: "413", wantCalls: 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := newBusyServer(t, c.refusals, c.status)
			cl := &IngestClient{URL: srv.URL, Source: "web", Token: "tok", RetryWait: time.Millisecond, MaxAttempts: c.attempts}
			n, err := cl.Post(context.Background(), []byte("a\nb\n"))
			switch {
			case c.wantErr == "" && (err != nil || n != 2):
				t.Fatalf("Post: %d, %v; want 2 records", n, err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("Post: %v, want an error with %q", err, c.wantErr)
			}
			if srv.calls != c.wantCalls {
				t.Errorf("%d requests, want %d", srv.calls, c.wantCalls)
			}
			if c.wantErr == "" && strings.Join(srv.bodies, "") != "a\nb\n" {
				t.Errorf("bodies %q", srv.bodies)
			}
		})
	}
}

// TestIngestClient_StopsWithItsContext: a client waiting to retry returns
// when its context ends, not after its attempts.
func TestIngestClient_StopsWithItsContext(t *testing.T) {
	srv := newBusyServer(t, 1<<30, http.StatusTooManyRequests)
	cl := &IngestClient{URL: srv.URL, Source: "web", Token: "tok", RetryWait: time.Hour}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := cl.Post(ctx, []byte("a\n"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the context's deadline", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("returned after %v", time.Since(start))
	}
}
