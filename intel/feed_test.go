package intel

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// feedServer serves files with http.ServeContent, which answers
// If-None-Match and If-Modified-Since as a real server does. A file's
// ETag is sent only when one is set.
type feedServer struct {
	mu       sync.Mutex
	files    map[string][]byte
	etags    map[string]string
	modified map[string]time.Time
	status   map[string]int
	requests []*http.Request
}

func newFeedServer(t *testing.T) (*feedServer, *httptest.Server) {
	fs := &feedServer{files: map[string][]byte{}, etags: map[string]string{}, modified: map[string]time.Time{}, status: map[string]int{}}
	srv := httptest.NewServer(fs)
	t.Cleanup(srv.Close)
	return fs, srv
}

func (s *feedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r.Clone(context.Background()))
	if code := s.status[r.URL.Path]; code != 0 {
		http.Error(w, "broken", code)
		return
	}
	data, ok := s.files[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if e := s.etags[r.URL.Path]; e != "" {
		w.Header().Set("ETag", e)
	}
	http.ServeContent(w, r, r.URL.Path, s.modified[r.URL.Path], bytes.NewReader(data))
}

func (s *feedServer) set(path string, data []byte, etag string, mod time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[path], s.etags[path], s.modified[path] = data, etag, mod
}

func (s *feedServer) last() *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[len(s.requests)-1]
}

func readTestdata(t *testing.T, name string) []byte {
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestFetcher_EveryFormat(t *testing.T) {
	srv, ts := newFeedServer(t)
	mod := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	srv.set("/iocs.csv", readTestdata(t, "sample.csv"), `"v1"`, mod)
	srv.set("/scanners.txt", readTestdata(t, "sample.txt"), "", mod)
	srv.set("/bundle.json", readTestdata(t, "bundle.json"), `"b1"`, time.Time{})
	srv.set("/misp", readTestdata(t, "event.json"), "", mod) // no extension: detected from content
	store := NewStore()
	store.Now = func() time.Time { return t0 }
	f := &Fetcher{Store: store, CacheDir: t.TempDir(), Now: func() time.Time { return t0 }}
	feeds := []Feed{
		{Name: "csv", URL: ts.URL + "/iocs.csv"},
		{Name: "list", URL: ts.URL + "/scanners.txt", ListType: IP},
		{Name: "stix", URL: ts.URL + "/bundle.json"},
		{Name: "misp", URL: ts.URL + "/misp", Format: FormatMISP},
	}
	for _, r := range f.FetchAll(context.Background(), feeds) {
		if r.Status != FeedUpdated || r.Err != nil {
			t.Fatalf("%s: %v %v", r.Feed, r.Status, r.Err)
		}
	}
	for _, c := range []struct {
		typ  Type
		v    string
		want string
	}{
		{IP, "203.0.113.9", "csv"}, {IP, "192.0.2.3", "list"}, {SHA256, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "csv"},
		{Domain, "c2.bad.test", "misp"}, {IP, "2001:db8::1", "csv"},
	} {
		if h, ok := store.Match(c.typ, c.v); !ok || h.Set != c.want {
			t.Errorf("Match(%v, %q) = %+v, %v; want set %s", c.typ, c.v, h, ok, c.want)
		}
	}
	if e := store.Explain(IP, "198.51.100.7"); len(e.Hits) != 3 {
		t.Errorf("198.51.100.7 is in %d sets, want 3 (csv, misp, stix): %+v", len(e.Hits), e.Hits)
	}

	// Second round: the server answers 304 to the validators it sent.
	for _, r := range f.FetchAll(context.Background(), feeds) {
		if r.Status != FeedNotModified || r.Set == nil {
			t.Errorf("%s: second fetch %v %v, want not modified", r.Feed, r.Status, r.Err)
		}
	}
	srv.mu.Lock()
	var csvReq, listReq *http.Request
	for _, r := range srv.requests[4:] {
		switch r.URL.Path {
		case "/iocs.csv":
			csvReq = r
		case "/scanners.txt":
			listReq = r
		}
	}
	srv.mu.Unlock()
	if got := csvReq.Header.Get("If-None-Match"); got != `"v1"` {
		t.Errorf("If-None-Match %q, want \"v1\"", got)
	}
	if got := listReq.Header.Get("If-Modified-Since"); got != mod.Format(http.TimeFormat) {
		t.Errorf("If-Modified-Since %q, want %q", got, mod.Format(http.TimeFormat))
	}
}

func TestFetcher_BrokenFeedKeepsPreviousSet(t *testing.T) {
	srv, ts := newFeedServer(t)
	srv.set("/iocs.csv", []byte("type,value\nip,192.0.2.1\n"), `"v1"`, time.Time{})
	store := NewStore()
	cache := t.TempDir()
	f := &Fetcher{Store: store, CacheDir: cache}
	fd := Feed{Name: "bad_ips", URL: ts.URL + "/iocs.csv"}
	if r := f.Fetch(context.Background(), fd); r.Status != FeedUpdated {
		t.Fatalf("first fetch: %v %v", r.Status, r.Err)
	}
	for _, c := range []struct {
		name    string
		body    string
		status  int
		wantErr string
	}{
		{"invalid line", "type,value\nip,192.0.2.2\nip,192.0.2.300\n", 0, "/iocs.csv:3: ip: \"192.0.2.300\" is not an IP address; keeping the previous set"},
		{"no IOC", "type,value\n", 0, "holds no IOC"},
		{"server error", "", http.StatusInternalServerError, "HTTP 500"},
		{"wrong format", "<html>maintenance</html>", 0, "header: unknown column"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv.set("/iocs.csv", []byte(c.body), `"`+c.name+`"`, time.Time{})
			srv.mu.Lock()
			srv.status["/iocs.csv"] = c.status
			srv.mu.Unlock()
			r := f.Fetch(context.Background(), fd)
			if r.Status != FeedFailed || r.Err == nil || !strings.Contains(r.Err.Error(), c.wantErr) {
				t.Fatalf("fetch: %v %v, want failure containing %q", r.Status, r.Err, c.wantErr)
			}
			if _, ok := store.Match(IP, "192.0.2.1"); !ok {
				t.Error("the previous set is gone")
			}
			if _, ok := store.Match(IP, "192.0.2.2"); ok {
				t.Error("part of the broken feed is active")
			}
		})
	}
	srv.mu.Lock()
	srv.status["/iocs.csv"] = 0
	srv.mu.Unlock()

	// A new process starts from the cache: the last good body.
	restarted := NewStore()
	f2 := &Fetcher{Store: restarted, CacheDir: cache}
	if errs := f2.LoadCached([]Feed{fd}); len(errs) > 0 {
		t.Fatal(errs)
	}
	if _, ok := restarted.Match(IP, "192.0.2.1"); !ok {
		t.Error("the cached set did not load")
	}
	// A good body again replaces the set.
	srv.set("/iocs.csv", []byte("type,value\nip,192.0.2.50\n"), `"v2"`, time.Time{})
	if r := f2.Fetch(context.Background(), fd); r.Status != FeedUpdated {
		t.Fatalf("fetch: %v %v", r.Status, r.Err)
	}
	if req := srv.last(); req.Header.Get("If-None-Match") != `"v1"` {
		t.Errorf("If-None-Match %q after restart, want the cached \"v1\"", req.Header.Get("If-None-Match"))
	}
	if _, ok := restarted.Match(IP, "192.0.2.1"); ok {
		t.Error("the old set still matches after an update")
	}
	if _, ok := restarted.Match(IP, "192.0.2.50"); !ok {
		t.Error("the new set does not match")
	}
}

func TestFetcher_RunStopsWithContext(t *testing.T) {
	srv, ts := newFeedServer(t)
	srv.set("/a.txt", []byte("192.0.2.1\n"), `"a"`, time.Time{})
	f := &Fetcher{Store: NewStore(), CacheDir: t.TempDir()}
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan FeedResult, 4)
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.Run(ctx, []Feed{{Name: "a", URL: ts.URL + "/a.txt", Interval: time.Hour}}, func(r FeedResult) { got <- r })
	}()
	if r := <-got; r.Status != FeedUpdated {
		t.Errorf("first run: %v %v", r.Status, r.Err)
	}
	cancel()
	<-done
}
