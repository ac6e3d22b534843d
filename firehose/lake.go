// Package firehose delivers records to the lake: Parquet files per table
// under <lake>/parquet/<table>/dt=YYYY-MM-DD-HH/, written either by AWS
// Firehose's format conversion (Client sends the records) or by the
// embedded writer (Lake), which buffers and writes the same files itself.
package firehose

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/streamalert/streamalert/schema"
)

// Options tune a Lake. The zero value gives Firehose-like defaults.
type Options struct {
	// BufferSize is how many bytes of input (raw record size) a table's
	// buffer takes before it is written out. Default 64 MiB.
	BufferSize int64
	// BufferInterval is the longest a record waits in a buffer. Default 300s.
	BufferInterval time.Duration
	// Compression is "auto" (default: each column chunk with the codec that
	// suits it, see CompressionAuto), "zstd" or "snappy".
	Compression string
	// RowGroupRows caps the rows of one row group. Default 1,048,576; a
	// buffer of the default size usually makes a single row group.
	RowGroupRows int64
	// Now returns the current time (default time.Now). A record's arrival
	// hour is its IngestTime, or Now when it has none.
	Now func() time.Time
	// Logger receives errors of flushes made in the background (by the
	// buffer interval); they are also returned by the next Flush or Close.
	Logger *slog.Logger
	// Manual turns off the size and interval flushes: the owner decides
	// when rows are written out, with Commit (see commit.go).
	Manual bool
}

// Default option values.
const (
	DefaultBufferSize     = 64 << 20
	DefaultBufferInterval = 300 * time.Second
	DefaultRowGroupRows   = 1 << 20
)

// Lake is the embedded lake writer. It buffers records per table and
// arrival hour, and writes a buffer out as one Parquet file when it reaches
// BufferSize bytes or BufferInterval age, whichever comes first, as AWS
// Firehose does. Files appear at
//
//	parquet/<table>/dt=YYYY-MM-DD-HH/<table>-<time>-<random>.parquet
//
// atomically (see Destination). A Lake is safe for concurrent use; Close
// must be called to write what is buffered.
type Lake struct {
	dest  Destination
	opts  Options
	codec codecSet

	mu      sync.Mutex
	tables  map[*schema.LogType]*table
	names   map[string]*schema.LogType // the current log type of each table name
	buffers map[bufferKey]*buffer
	retry   []*file // finished files whose Put failed; tried again on the next flush
	errs    []error // background flush errors not yet reported
	closed  bool
	stats   Stats

	lastHour int64  // arrival's cache: the hour (Unix hours) last named,
	lastDT   string // and its partition name

	stop chan struct{}
	done chan struct{}
}

type bufferKey struct{ table, dt string }

// buffer is the open file of one table and hour.
type buffer struct {
	t      *table
	dt     string
	fw     *fileWriter
	bytes  int64
	opened time.Time
}

// file is a finished Parquet file waiting to be stored.
type file struct {
	key  string
	buf  *fileBuffer
	rows int64
}

// Stats counts what a Lake has written.
type Stats struct {
	Rows  int64 // rows in stored files
	Files int64 // files stored
	Bytes int64 // bytes of stored files
}

// NewLake returns a Lake writing to dest. It starts a goroutine that writes
// buffers out when their interval passes; Close stops it.
func NewLake(dest Destination, opts Options) (*Lake, error) {
	codec, err := codecOf(opts.Compression)
	if err != nil {
		return nil, fmt.Errorf("lake %s: %w", dest, err)
	}
	if opts.BufferSize <= 0 {
		opts.BufferSize = DefaultBufferSize
	}
	if opts.BufferInterval <= 0 {
		opts.BufferInterval = DefaultBufferInterval
	}
	if opts.RowGroupRows <= 0 {
		opts.RowGroupRows = DefaultRowGroupRows
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	l := &Lake{dest: dest, opts: opts, codec: codec,
		tables: map[*schema.LogType]*table{}, names: map[string]*schema.LogType{},
		buffers: map[bufferKey]*buffer{},
		stop:    make(chan struct{}), done: make(chan struct{})}
	l.sweepTemps()
	go l.run()
	return l, nil
}

// ErrClosed is returned by writes to a closed Lake.
var ErrClosed = errors.New("firehose: lake is closed")

// Write buffers a classified record in its log type's table.
func (l *Lake) Write(rec *schema.Record) error {
	if rec.LogType == nil {
		return fmt.Errorf("firehose: record %s has no log type", rec.ID)
	}
	l.mu.Lock()
	t, err := l.table(rec.LogType)
	if err != nil {
		l.mu.Unlock()
		return err
	}
	size := int64(len(rec.Raw))
	if size == 0 {
		size = rowSize(rec.Values)
	}
	return l.addLocked(t, l.arrival(rec.IngestTime), rec.Values, len(t.lt.Fields), t.recordTail(rec), size)
}

// WriteUnclassified buffers an unclassified record in the unclassified table.
func (l *Lake) WriteUnclassified(u *schema.Unclassified) error {
	l.mu.Lock()
	t, err := l.table(Unclassified)
	if err != nil {
		l.mu.Unlock()
		return err
	}
	row := unclassifiedRow(u)
	return l.addLocked(t, l.arrival(u.IngestTime), row, len(row), nil, int64(len(u.Raw)+len(u.Reason)))
}

// WriteRows buffers rows of a table that is not fed by records, such as
// Alerts. Each row is aligned with lt.Columns(); a shorter row has nulls
// for the columns it lacks. The arrival hour is the current time's.
func (l *Lake) WriteRows(lt *schema.LogType, rows ...[]schema.Value) error {
	for _, row := range rows {
		l.mu.Lock()
		t, err := l.table(lt)
		if err != nil {
			l.mu.Unlock()
			return err
		}
		if err := l.addLocked(t, l.arrival(time.Time{}), row, len(row), nil, rowSize(row)); err != nil {
			return err
		}
	}
	return nil
}

func (l *Lake) arrival(t time.Time) string {
	if t.IsZero() {
		t = l.opts.Now()
	}
	// Records come in arrival order, so the hour rarely changes: its name
	// is made once per hour, not per record.
	if h := t.Unix() / 3600; h != l.lastHour || l.lastDT == "" {
		l.lastHour, l.lastDT = h, schema.PartitionOf(t)
	}
	return l.lastDT
}

// table returns the table of a log type, building it on first use. A log
// type reloaded with a different definition gets a new table; buffers of
// the old definition are written out first. Called with l.mu held.
func (l *Lake) table(lt *schema.LogType) (*table, error) {
	if t := l.tables[lt]; t != nil {
		return t, nil
	}
	nt, err := newTable(lt)
	if err != nil {
		return nil, fmt.Errorf("firehose: %w", err)
	}
	if old := l.names[nt.name]; old != nil {
		for k, b := range l.buffers {
			if k.table == nt.name {
				delete(l.buffers, k)
				l.finishLocked(b)
			}
		}
		delete(l.tables, old)
	}
	l.tables[lt], l.names[nt.name] = nt, lt
	return nt, nil
}

// addLocked adds a row to the buffer of (t, dt), unlocks l, and writes the
// buffer out if it is full. The row's first nHead columns come from head
// (nulls past its end), the others from tail (see pqWriter.add).
func (l *Lake) addLocked(t *table, dt string, head []schema.Value, nHead int, tail []schema.Value, size int64) error {
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	k := bufferKey{t.name, dt}
	b := l.buffers[k]
	if b == nil {
		fw, err := newFileWriter(t.name, t.cols, l.codec, l.opts.RowGroupRows, &t.pool)
		if err != nil {
			l.mu.Unlock()
			return fmt.Errorf("firehose: table %s: %w", t.name, err)
		}
		b = &buffer{t: t, dt: dt, fw: fw, opened: l.opts.Now()}
		l.buffers[k] = b
	}
	if err := b.fw.add(head, nHead, tail); err != nil {
		// The Parquet writer is unusable after an error (none is expected
		// writing to memory); the buffer's rows are dropped with it.
		delete(l.buffers, k)
		putFileBuffer(b.fw.out)
		l.mu.Unlock()
		return fmt.Errorf("firehose: table %s: %w", t.name, err)
	}
	b.bytes += size
	if l.opts.Manual || b.bytes < l.opts.BufferSize {
		l.mu.Unlock()
		return nil
	}
	delete(l.buffers, k)
	l.mu.Unlock()
	// The row is accepted: a file that cannot be stored now is kept and
	// tried again, and the error is reported by the next Flush or Close.
	f, err := l.finish(b)
	if err == nil {
		err = l.store(context.Background(), []*file{f})
	}
	if err != nil {
		l.background(err)
	}
	return nil
}

// background logs an error of a flush no caller waits for, and keeps it for
// the next Flush or Close (the latest maxKeptErrors of them).
func (l *Lake) background(err error) {
	l.opts.Logger.Error("lake: writing out buffered rows failed; files not stored are kept for the next flush", "lake", l.dest.String(), "err", err)
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.errs) >= maxKeptErrors {
		l.errs = append(l.errs[:0], l.errs[len(l.errs)-maxKeptErrors+1:]...)
	}
	l.errs = append(l.errs, err)
}

const maxKeptErrors = 16

// finishLocked completes a detached buffer into a file queued for storing.
func (l *Lake) finishLocked(b *buffer) {
	f, err := l.finish(b)
	if err != nil {
		l.errs = append(l.errs, err)
		return
	}
	l.retry = append(l.retry, f)
}

// finish completes a detached buffer's Parquet file.
func (l *Lake) finish(b *buffer) (*file, error) { return l.finishTagged(b, "") }

// finishTagged is finish with a commit tag in the file name.
func (l *Lake) finishTagged(b *buffer, tag string) (*file, error) {
	if err := b.fw.finish(); err != nil {
		putFileBuffer(b.fw.out)
		return nil, fmt.Errorf("firehose: table %s: %w", b.t.name, err)
	}
	now := l.opts.Now().UTC()
	name := b.t.name + "-" + tag + now.Format("2006-01-02-15-04-05") + "-" + randomHex(8)
	return &file{key: schema.LakeKey(b.t.name, b.dt, name), buf: b.fw.out, rows: b.fw.rows}, nil
}

// store puts files; those that fail are kept for the next flush.
func (l *Lake) store(ctx context.Context, files []*file) error {
	var errs []error
	for _, f := range files {
		if err := l.dest.Put(ctx, f.key, f.buf.b); err != nil {
			errs = append(errs, err)
			l.mu.Lock()
			l.retry = append(l.retry, f)
			l.mu.Unlock()
			continue
		}
		l.mu.Lock()
		l.stats.Rows += f.rows
		l.stats.Files++
		l.stats.Bytes += int64(len(f.buf.b))
		l.mu.Unlock()
		putFileBuffer(f.buf)
	}
	return errors.Join(errs...)
}

// flush writes out the buffers selected by due (all when due is nil) and
// retries earlier failed files. With report, its error also holds the
// errors of background flushes since the last report.
func (l *Lake) flush(ctx context.Context, due func(*buffer) bool, report bool) error {
	return l.flushTagged(ctx, due, report, "")
}

// flushTagged is flush with a commit tag for the new files' names.
func (l *Lake) flushTagged(ctx context.Context, due func(*buffer) bool, report bool, tag string) error {
	l.mu.Lock()
	var detached []*buffer
	for k, b := range l.buffers {
		if due == nil || due(b) {
			detached = append(detached, b)
			delete(l.buffers, k)
		}
	}
	files := l.retry
	l.retry = nil
	var errs []error
	if report {
		errs, l.errs = l.errs, nil
	}
	l.mu.Unlock()
	for _, b := range detached {
		f, err := l.finishTagged(b, tag)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		files = append(files, f)
	}
	if err := l.store(ctx, files); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Flush writes out every buffer now. When it returns nil, every record
// written before the call is stored.
func (l *Lake) Flush(ctx context.Context) error {
	return l.flush(ctx, nil, true)
}

// Close stops the interval flusher and writes out everything buffered.
// Writes after Close fail with ErrClosed.
func (l *Lake) Close(ctx context.Context) error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	close(l.stop)
	<-l.done
	return l.flush(ctx, nil, true)
}

// Stats returns what the Lake has stored so far.
func (l *Lake) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// run writes out buffers older than the interval until Close.
func (l *Lake) run() {
	defer close(l.done)
	tick := time.NewTicker(min(max(l.opts.BufferInterval/8, 10*time.Millisecond), time.Second))
	defer tick.Stop()
	sweep := time.NewTicker(TempMaxAge)
	defer sweep.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-sweep.C:
			l.sweepTemps()
		case <-tick.C:
			if l.opts.Manual {
				continue
			}
			if err := l.flushDue(); err != nil {
				l.background(err)
			}
		}
	}
}

// sweepTemps removes the temporary files of writes killed mid-file (at
// start, then every TempMaxAge), once they are older than TempMaxAge:
// a younger one may be another writer's on the same directory. Readers
// never see them (the lake globs match only *.parquet).
func (l *Lake) sweepTemps() {
	s, ok := l.dest.(tempSweeper)
	if !ok {
		return
	}
	n, err := s.RemoveTemps(l.opts.Now().Add(-TempMaxAge))
	if err != nil {
		l.opts.Logger.Warn("lake: temporary files of killed writes", "err", err)
	}
	if n > 0 {
		l.opts.Logger.Info("lake: removed temporary files of killed writes", "lake", l.dest.String(), "files", n)
	}
}

// flushDue writes out the buffers whose interval has passed, and retries
// failed files.
func (l *Lake) flushDue() error {
	now := l.opts.Now()
	return l.flush(context.Background(), func(b *buffer) bool {
		return now.Sub(b.opened) >= l.opts.BufferInterval
	}, false)
}
