// Package historical runs SQL over the lake: the embedded DuckDB engine
// over a local lake directory, rule back-tests, and ad-hoc queries.
//
// DuckDB is linked through cgo and needs libstdc++; only the streamalert
// binary imports this package, never the Lambda functions.
package historical

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" database/sql driver

	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/historical/sqlengine"
	"github.com/streamalert/streamalert/intel"
	"github.com/streamalert/streamalert/schema"
)

// Options tune an Engine. The zero value is fine.
type Options struct {
	// Threads caps DuckDB's worker threads; 0 lets DuckDB choose (one per
	// core).
	Threads int
	// MemoryLimit is DuckDB's memory_limit, such as "2GB"; "" is DuckDB's
	// default (80% of RAM).
	MemoryLimit string
	// TempDir is where DuckDB may spill; "" means a directory under
	// os.TempDir().
	TempDir string
	// ProgressEvery is how often Query reports progress; 0 means 1s.
	ProgressEvery time.Duration
}

// Engine is an embedded DuckDB database over a lake directory: one view
// per log type table (and the unclassified and alerts tables), the
// functions compiled rules call, and nothing else. It is read-only: Query
// accepts only queries, DuckDB may read only the lake, and its
// configuration is locked after setup. DuckDB never reaches the network
// (extension autoloading and autoinstalling are off).
//
// An Engine runs one statement at a time (it holds a single connection);
// it is safe for concurrent use, callers wait their turn.
type Engine struct {
	lake  string // absolute
	db    *sql.DB
	conn  *sql.Conn
	types []*schema.LogType
	every time.Duration
	views map[string]string // table → the statement that made its view

	mu     sync.Mutex // held while a statement runs, until its Result is finished
	closed bool
}

// Open opens an engine over the lake directory (holding parquet/<table>/
// dt=…/*.parquet) with a view for each log type and for the lake's own
// tables (unclassified, alerts, iocs).
func Open(ctx context.Context, lake string, types []*schema.LogType, opts Options) (*Engine, error) {
	abs, err := filepath.Abs(lake)
	if err != nil {
		return nil, fmt.Errorf("open lake %s: %w", lake, err)
	}
	tmp := opts.TempDir
	if tmp == "" {
		tmp = filepath.Join(os.TempDir(), "streamalert-duckdb")
	}
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, fmt.Errorf("open lake %s: temp dir: %w", lake, err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("open lake %s: duckdb: %w", lake, err)
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open lake %s: duckdb: %w", lake, err)
	}
	e := &Engine{lake: abs, db: db, conn: conn, every: opts.ProgressEvery}
	if e.every <= 0 {
		e.every = time.Second
	}
	seen := map[string]bool{}
	for _, lt := range append(append([]*schema.LogType(nil), types...), firehose.Unclassified, firehose.Alerts, intel.IOCTable) {
		if lt != nil && !seen[lt.Table()] {
			seen[lt.Table()] = true
			e.types = append(e.types, lt)
		}
	}
	if err := e.setup(ctx, opts, tmp); err != nil {
		e.Close()
		return nil, fmt.Errorf("open lake %s: %w", lake, err)
	}
	return e, nil
}

func (e *Engine) setup(ctx context.Context, opts Options, tmp string) error {
	stmts := []string{
		"SET autoinstall_known_extensions = false",
		"SET autoload_known_extensions = false",
		"SET TimeZone = 'UTC'",
		"SET temp_directory = " + literal(tmp),
		// Profiling names the files each scan read: bytes scanned.
		"SET enable_profiling = 'no_output'",
	}
	if opts.Threads > 0 {
		stmts = append(stmts, fmt.Sprintf("SET threads = %d", opts.Threads))
	}
	if opts.MemoryLimit != "" {
		stmts = append(stmts, "SET memory_limit = "+literal(opts.MemoryLimit))
	}
	for _, s := range stmts {
		if _, err := e.conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	if err := registerFunctions(e.conn); err != nil {
		return err
	}
	if err := e.createViews(ctx); err != nil {
		return err
	}
	lock := []string{
		"SET allowed_directories = [" + literal(e.lake+"/") + ", " + literal(filepath.ToSlash(tmp)+"/") + "]",
		"SET enable_external_access = false",
		"SET lock_configuration = true",
	}
	for _, s := range lock {
		if _, err := e.conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

func (e *Engine) createViews(ctx context.Context) error {
	if e.views == nil {
		e.views = make(map[string]string, len(e.types))
	}
	for _, lt := range e.types {
		stmt, err := createView(ctx, e.conn, e.lake, lt)
		if err != nil {
			return err
		}
		e.views[lt.Table()] = stmt
	}
	return nil
}

// View returns the statement that made a table's view, as the engine
// executed it when it opened or last refreshed (see
// schema.LogType.DuckDBViewOver), and whether the table has a view.
func (e *Engine) View(table string) (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	stmt, ok := e.views[table]
	return stmt, ok
}

// Refresh recreates the views, so that tables whose first files arrived
// after Open are read (tables with files pick up new files by themselves).
func (e *Engine) Refresh(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return errClosed
	}
	return e.createViews(ctx)
}

// Lake returns the lake directory (absolute).
func (e *Engine) Lake() string { return e.lake }

// Tables returns the names of the tables (views), sorted.
func (e *Engine) Tables() []string {
	out := make([]string, len(e.types))
	for i, lt := range e.types {
		out[i] = lt.Table()
	}
	sort.Strings(out)
	return out
}

var errClosed = errors.New("historical: engine is closed")

// Close releases the database.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	return errors.Join(e.conn.Close(), e.db.Close())
}

// Progress reports a running statement.
type Progress struct {
	Elapsed time.Duration
}

// Stats describes a finished statement.
type Stats struct {
	Rows    int64 // rows returned (counted by Run; Finish leaves it 0)
	Files   int   // Parquet files read
	Bytes   int64 // total size of those files
	Elapsed time.Duration
}

// AthenaCostUSD is what Athena would charge for scanning bytes: $5 per TB,
// at least 10 MB per query. It is an upper bound: Athena counts only the
// columns it reads, Bytes counts whole files.
func AthenaCostUSD(bytes int64) float64 {
	return sqlengine.Cost(bytes, sqlengine.DefaultPricePerTB)
}

// Result is a running query. Read Rows, then call Finish (always, also
// after an error) to release the engine and get the statistics.
type Result struct {
	Rows *sql.Rows

	e        *Engine
	start    time.Time
	stop     chan struct{}
	done     chan struct{}
	finished bool
}

// Query runs one read-only statement. progress, if not nil, is called
// every Options.ProgressEvery while the statement runs (from another
// goroutine). DuckDB's query progress is not exposed by its Go driver, so
// progress is the elapsed time.
func (e *Engine) Query(ctx context.Context, query string, progress func(Progress)) (*Result, error) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, errClosed
	}
	if err := checkReadOnly(ctx, e.conn, query); err != nil {
		e.mu.Unlock()
		return nil, err
	}
	return e.run(ctx, query, progress)
}

// run executes a statement; e.mu is held and passes to the Result.
func (e *Engine) run(ctx context.Context, query string, progress func(Progress)) (*Result, error) {
	r := &Result{e: e, start: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	go r.tick(progress)
	rows, err := e.conn.QueryContext(ctx, query)
	if err != nil {
		r.stopTicking()
		e.mu.Unlock()
		return nil, err
	}
	r.Rows = rows
	return r, nil
}

func (r *Result) tick(progress func(Progress)) {
	defer close(r.done)
	if progress == nil {
		<-r.stop
		return
	}
	t := time.NewTicker(r.e.every)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			progress(Progress{Elapsed: time.Since(r.start)})
		}
	}
}

func (r *Result) stopTicking() {
	close(r.stop)
	<-r.done
}

// Finish closes the rows, stops progress reports, releases the engine and
// returns what the statement read.
func (r *Result) Finish() (Stats, error) {
	if r.finished {
		return Stats{}, nil
	}
	r.finished = true
	defer r.e.mu.Unlock()
	r.stopTicking()
	err := r.Rows.Close()
	st := Stats{Elapsed: time.Since(r.start)}
	files, bytes, serr := r.e.scanned()
	st.Files, st.Bytes = files, bytes
	return st, errors.Join(err, serr)
}

// Run runs a read-only statement and writes its rows to w in a format of
// Formats (see WriteRows); Stats.Rows is the number of rows written.
func (e *Engine) Run(ctx context.Context, query string, w io.Writer, format string, progress func(Progress)) (Stats, error) {
	if !validFormat(format) {
		return Stats{}, fmt.Errorf("format %q: want %s", format, strings.Join(Formats, ", "))
	}
	res, err := e.Query(ctx, query, progress)
	if err != nil {
		return Stats{}, err
	}
	n, werr := WriteRows(w, res.Rows, format)
	st, ferr := res.Finish()
	st.Rows = int64(n)
	return st, errors.Join(werr, ferr)
}

func validFormat(f string) bool {
	for _, x := range Formats {
		if f == x {
			return true
		}
	}
	return f == ""
}
