package scheduler

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Run is the record of one run of a hunt over one window (or of windows
// skipped), as kept in the run store and printed by `hunt history`.
type Run struct {
	Hunt        string    `json:"hunt"`
	Engine      string    `json:"engine,omitempty"`
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
	Started     time.Time `json:"started"`
	// Duration is how long the run took (the query, and turning its rows
	// into alerts or a feed record).
	Duration     time.Duration `json:"duration_ns"`
	QueryID      string        `json:"query_id,omitempty"`
	Rows         int64         `json:"rows"`
	BytesScanned int64         `json:"bytes_scanned"`
	CostUSD      float64       `json:"cost_usd"`
	// Alerts counts the alerts the rows raised that were new (output
	// alerts); Fed is set when the rows went back as a record (feed).
	Alerts int    `json:"alerts,omitempty"`
	Fed    bool   `json:"fed,omitempty"`
	Error  string `json:"error,omitempty"`
	// Attempt numbers the runs of one window (1 for the first).
	Attempt int `json:"attempt,omitempty"`
	// GaveUp marks the last failed attempt of a window: it is not run again.
	GaveUp bool `json:"gave_up,omitempty"`
	// Skipped marks windows not run because catch-up was over its bound.
	Skipped bool `json:"skipped,omitempty"`
	// Manual marks a run asked for by hand (`hunt run`); it does not
	// count for the schedule.
	Manual bool `json:"manual,omitempty"`
}

// done reports whether the run settles its window for the schedule.
func (r *Run) done() bool { return !r.Manual && (r.Error == "" || r.GaveUp || r.Skipped) }

// RunStore keeps the runs of hunts: the file Store (serve, `hunt run`)
// or the DynamoStore (the hunts Lambda, whose invocations may overlap and
// be retried).
type RunStore interface {
	// Record appends a run. A store shared between processes refuses, with
	// an error that wraps ErrConflict, a run of a window that another
	// process settled or recorded after this one read the state: the
	// caller's view is stale and the window is not run twice on record.
	Record(ctx context.Context, r Run) error
	// Runs returns the runs of a hunt, oldest first (a store may keep only
	// the latest ones; the schedule's state is never lost with them).
	Runs(ctx context.Context, hunt string) ([]Run, error)
}

// ErrConflict is wrapped by a RunStore's Record when another process
// changed the hunt's runs since they were read.
var ErrConflict = errors.New("the hunt's runs changed meanwhile (another invocation ran it)")

// stateReader is a RunStore that keeps the schedule's state itself
// (the DynamoStore keeps it apart from the bounded history).
type stateReader interface {
	state(ctx context.Context, hunt string) (state, error)
}

// loadState returns the schedule's state of a hunt from a store.
func loadState(ctx context.Context, s RunStore, hunt string) (state, error) {
	if sr, ok := s.(stateReader); ok {
		return sr.state(ctx, hunt)
	}
	runs, err := s.Runs(ctx, hunt)
	if err != nil {
		return newState(), err
	}
	return stateOf(runs), nil
}

var _ RunStore = (*Store)(nil)

// Store keeps the runs of each hunt as JSON lines in dir/<hunt>.jsonl,
// appended and synced one record at a time.
type Store struct {
	dir string
	mu  sync.Mutex
}

// OpenStore returns the store in dir (created on the first record).
func OpenStore(dir string) *Store { return &Store{dir: dir} }

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) path(hunt string) string { return filepath.Join(s.dir, hunt+".jsonl") }

// Append records a run.
func (s *Store) Append(r Run) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("hunt runs: %w", err)
	}
	line, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("hunt runs: %s: %w", r.Hunt, err)
	}
	f, err := os.OpenFile(s.path(r.Hunt), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("hunt runs: %w", err)
	}
	_, werr := f.Write(append(line, '\n'))
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return fmt.Errorf("hunt runs: %s: %w", s.path(r.Hunt), err)
	}
	return nil
}

// History returns the runs of a hunt, oldest first (none for a hunt that
// never ran). A line that does not decode is an error naming file:line.
func (s *Store) History(hunt string) ([]Run, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := os.ReadFile(s.path(hunt))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("hunt runs: %w", err)
	}
	var out []Run
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r Run
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("hunt runs: %s:%d: %w", s.path(hunt), line, err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// state is what the schedule needs from a hunt's history: the end of the
// latest settled window and the failed attempts of later windows.
type state struct {
	lastEnd  time.Time
	attempts map[int64]int // failed attempts by window end (Unix ns)
	// first is the start of the earliest window run: where a hunt whose
	// runs all failed so far resumes.
	first time.Time
}

func newState() state { return state{attempts: map[int64]int{}} }

// add counts one run into the state.
func (st *state) add(r *Run) {
	if r.Manual {
		return
	}
	if r.done() && r.WindowEnd.After(st.lastEnd) {
		st.lastEnd = r.WindowEnd
		for end := range st.attempts {
			if end <= st.lastEnd.UnixNano() {
				delete(st.attempts, end)
			}
		}
	}
	if !r.done() && r.WindowEnd.After(st.lastEnd) {
		st.attempts[r.WindowEnd.UnixNano()]++
	}
	if st.first.IsZero() || r.WindowStart.Before(st.first) {
		st.first = r.WindowStart
	}
}

// resumed is the state as Due reads it: a hunt whose runs all failed so
// far resumes at its first window.
func (st state) resumed() state {
	if st.lastEnd.IsZero() {
		st.lastEnd = st.first
	}
	return st
}

// stateOf reads the schedule's state out of a hunt's runs.
func stateOf(runs []Run) state {
	st := newState()
	for i := range runs {
		st.add(&runs[i])
	}
	return st.resumed()
}

// Record appends a run (RunStore). Runs of one process go through one
// Scheduler, which runs a hunt once at a time, so the file store needs no
// conflict check.
func (s *Store) Record(_ context.Context, r Run) error { return s.Append(r) }

// Runs returns a hunt's runs (RunStore).
func (s *Store) Runs(_ context.Context, hunt string) ([]Run, error) { return s.History(hunt) }

func (s *Store) state(hunt string) (state, error) {
	runs, err := s.History(hunt)
	if err != nil {
		return newState(), err
	}
	return stateOf(runs), nil
}
