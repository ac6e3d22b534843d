package intel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sync"
	"time"
)

// Feed is an IOC set downloaded over HTTP(S).
type Feed struct {
	Name string
	URL  string
	// Format is the feed's format; 0 chooses it from the URL's extension
	// and the content, as DetectFormat does for files.
	Format Format
	// ListType is the type of a plain list's values (0: guessed per value).
	ListType Type
	// Interval is how often Run fetches it (0: DefaultInterval).
	Interval time.Duration
}

// DefaultInterval is how often a feed is fetched when it sets no interval.
const DefaultInterval = time.Hour

// MaxFeedBytes bounds a feed download.
const MaxFeedBytes = 2 << 30

// FeedStatus is what a fetch did.
type FeedStatus uint8

// The outcomes of a fetch.
const (
	FeedUpdated     FeedStatus = iota + 1 // a new set is active
	FeedNotModified                       // the server said 304; the cached set stays
	FeedFailed                            // download or validation failed; the previous set stays
)

func (s FeedStatus) String() string {
	switch s {
	case FeedUpdated:
		return "updated"
	case FeedNotModified:
		return "not modified"
	case FeedFailed:
		return "failed"
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// FeedResult reports one fetch.
type FeedResult struct {
	Feed   string
	Status FeedStatus
	Set    *Set  // the active set after the fetch (nil when there is none)
	Err    error // why it failed; the previous set is kept
}

// feedState is what the cache remembers about a feed between runs.
type feedState struct {
	URL          string    `json:"url"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	Fetched      time.Time `json:"fetched"`
	Format       string    `json:"format"`
}

// Fetcher downloads feeds into a Store. It keeps the last good body of
// each feed in CacheDir (so that a restart, or a command run without
// network, has the last good set) with the ETag and Last-Modified the
// server sent, and sends them back as If-None-Match / If-Modified-Since.
// A download that fails, or a body that does not parse or holds no IOC,
// leaves both the cache and the active set as they were.
type Fetcher struct {
	Client   *http.Client // nil: a client with a 5-minute timeout
	Store    *Store
	CacheDir string
	Now      func() time.Time

	mu sync.Mutex // one fetch of a feed at a time
}

func (f *Fetcher) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func (f *Fetcher) client() *http.Client {
	if f.Client != nil {
		return f.Client
	}
	return &http.Client{Timeout: 5 * time.Minute}
}

func (f *Fetcher) statePath(name string) string { return filepath.Join(f.CacheDir, name+".json") }
func (f *Fetcher) bodyPath(name string) string  { return filepath.Join(f.CacheDir, name+".body") }

// LoadCached activates the cached set of each feed, without the network.
// A feed with no cache yet is left out; a cache that no longer parses is
// an error for that feed (the others still load).
func (f *Fetcher) LoadCached(feeds []Feed) []error {
	var errs []error
	for _, fd := range feeds {
		st, ok := f.readState(fd.Name)
		if !ok || st.URL != fd.URL {
			continue
		}
		data, err := os.ReadFile(f.bodyPath(fd.Name))
		if err != nil {
			errs = append(errs, fmt.Errorf("feed %s: cache: %w", fd.Name, err))
			continue
		}
		format, err := ParseFormat(st.Format)
		if err == nil {
			var set *Set
			set, err = Parse(Source{Name: fd.Name, Origin: fd.URL, Format: format, ListType: fd.ListType, Now: st.Fetched}, data)
			if err == nil {
				f.Store.Replace(set)
				continue
			}
		}
		errs = append(errs, fmt.Errorf("feed %s: cache: %w", fd.Name, err))
	}
	return errs
}

func (f *Fetcher) readState(name string) (feedState, bool) {
	var st feedState
	data, err := os.ReadFile(f.statePath(name))
	if err != nil || json.Unmarshal(data, &st) != nil {
		return feedState{}, false
	}
	return st, true
}

// Fetch downloads one feed and, when it changed and is valid, swaps its
// new set in.
func (f *Fetcher) Fetch(ctx context.Context, fd Feed) FeedResult {
	f.mu.Lock()
	defer f.mu.Unlock()
	res := FeedResult{Feed: fd.Name, Set: f.Store.Get(fd.Name)}
	fail := func(err error) FeedResult {
		res.Status, res.Err = FeedFailed, fmt.Errorf("feed %s (%s): %w; keeping the previous set", fd.Name, fd.URL, err)
		return res
	}
	st, cached := f.readState(fd.Name)
	if cached && st.URL != fd.URL {
		cached = false // the feed moved: its cache validators do not apply
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fd.URL, nil)
	if err != nil {
		return fail(err)
	}
	if cached && res.Set != nil {
		if st.ETag != "" {
			req.Header.Set("If-None-Match", st.ETag)
		}
		if st.LastModified != "" {
			req.Header.Set("If-Modified-Since", st.LastModified)
		}
	}
	resp, err := f.client().Do(req)
	if err != nil {
		return fail(err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && res.Set != nil:
		res.Status = FeedNotModified
		return res
	case resp.StatusCode != http.StatusOK:
		return fail(fmt.Errorf("HTTP %s", resp.Status))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxFeedBytes+1))
	if err != nil {
		return fail(fmt.Errorf("reading the body: %w", err))
	}
	if len(data) > MaxFeedBytes {
		return fail(fmt.Errorf("the body is larger than %d bytes", MaxFeedBytes))
	}
	format := fd.Format
	if format == 0 {
		name := "feed.txt"
		if u, err := url.Parse(fd.URL); err == nil && path.Ext(u.Path) != "" {
			name = path.Base(u.Path)
		}
		if format, err = DetectFormat(name, data); err != nil {
			return fail(err)
		}
	}
	now := f.now()
	set, err := Parse(Source{Name: fd.Name, Origin: fd.URL, Format: format, ListType: fd.ListType, Now: now}, data)
	if err != nil {
		return fail(err)
	}
	if set.Total() == 0 {
		return fail(errors.New("the feed holds no IOC"))
	}
	st = feedState{URL: fd.URL, ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), Fetched: now, Format: format.String()}
	if err := f.writeCache(fd.Name, data, st); err != nil {
		return fail(err)
	}
	f.Store.Replace(set)
	res.Status, res.Set = FeedUpdated, set
	return res
}

// writeCache replaces the cached body and state, each with a rename.
func (f *Fetcher) writeCache(name string, body []byte, st feedState) error {
	if err := os.MkdirAll(f.CacheDir, 0o755); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	js, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(f.bodyPath(name), body); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if err := writeAtomic(f.statePath(name), js); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// FetchAll fetches every feed once, in order.
func (f *Fetcher) FetchAll(ctx context.Context, feeds []Feed) []FeedResult {
	out := make([]FeedResult, 0, len(feeds))
	for _, fd := range feeds {
		out = append(out, f.Fetch(ctx, fd))
	}
	return out
}

// Run fetches each feed at once and then every Interval until ctx ends,
// calling report with each result. It returns when ctx is done; the
// caller owns the goroutine it runs in.
func (f *Fetcher) Run(ctx context.Context, feeds []Feed, report func(FeedResult)) {
	due := make([]time.Time, len(feeds))
	for {
		now := f.now()
		next := now.Add(DefaultInterval)
		for i, fd := range feeds {
			if !due[i].After(now) {
				report(f.Fetch(ctx, fd))
				every := fd.Interval
				if every <= 0 {
					every = DefaultInterval
				}
				due[i] = f.now().Add(every)
			}
			if due[i].Before(next) {
				next = due[i]
			}
		}
		t := time.NewTimer(max(time.Until(next), time.Second))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
