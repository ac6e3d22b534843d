package realtime

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Batch is one acknowledged unit of input: an HTTP body, a syslog message,
// a Kinesis record, a file. Seq orders batches and never repeats.
type Batch struct {
	Seq      uint64
	Source   string
	Received time.Time
	Payload  []byte
	Cursor   Cursor // optional: the batch's position in its source
}

// IngestLog is the durable write-ahead log of accepted batches. Append
// returns only once the batch is fsync'd, so an acknowledged batch survives
// kill -9; batches up to the checkpoint are known to be fully processed and
// the rest are replayed at start. Concurrent appends share one fsync (group
// commit), so the cost of durability is paid once per burst, not per batch.
//
// On disk: segment files <first-seq>.log holding frames
// [len uint32][crc32c uint32][seq uint64][unix-nanos int64][len(source) uint16][source][payload],
// and a "checkpoint" file with the last processed seq. A torn frame at the
// tail of the last segment (a crash mid-write) is cut off at open.
type IngestLog struct {
	dir        string
	maxSegment int64

	open    openFunc
	mu      sync.Mutex
	cond    *sync.Cond
	f       segmentFile
	w       *bufio.Writer
	segSize int64
	next    uint64 // seq of the next append
	synced  uint64 // highest seq known durable
	goodOff int64  // size of the current segment through frame synced
	syncing bool
	err     error // set by Close: no more appends

	// A failed write or fsync (a full disk, an I/O error) fails every
	// append not yet durable, cuts the segment back to goodOff and hands
	// their numbers out again; the next append tries the disk again.
	// epoch counts failures so that a waiting append knows its frame went.
	epoch    uint64
	endSync  map[uint64]uint64 // epoch → synced when it ended (the last 1,024)
	lastFail error             // the last failure
	failErr  error             // the last failure while no write has succeeded since
	failAt   time.Time         // when failErr happened
	broken   bool              // the cut back failed: retry it before writing
	probedAt time.Time

	cursors []cursorAt          // of batches after the checkpoint, in seq order
	live    map[string]cursorAt // the latest of cursors per key

	ckMu       sync.Mutex
	checkpoint uint64
	ckCursors  map[string]string // cursors of batches up to checkpoint
	forget     func(key, value string) bool
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// segmentFile is what the log needs of an open segment; *os.File is one.
// It is the seam the full-disk tests use to make writes fail and succeed
// again (realtime/ingestlog_fault_test.go).
type segmentFile interface {
	io.Writer
	Sync() error
	Truncate(size int64) error
	Close() error
}

type openFunc func(name string, flag int, perm os.FileMode) (segmentFile, error)

func openOS(name string, flag int, perm os.FileMode) (segmentFile, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return f, nil
}

const frameHeader = 4 + 4 + 8 + 8 + 2

// OpenIngestLog opens (or creates) the log in dir. Segments are rolled at
// about maxSegment bytes (default 64 MiB when 0).
func OpenIngestLog(dir string, maxSegment int64) (*IngestLog, error) {
	return openIngestLog(dir, maxSegment, openOS)
}

func openIngestLog(dir string, maxSegment int64, open openFunc) (*IngestLog, error) {
	if maxSegment <= 0 {
		maxSegment = 64 << 20
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("ingest log: %w", err)
	}
	l := &IngestLog{dir: dir, maxSegment: maxSegment, open: open}
	l.cond = sync.NewCond(&l.mu)
	ck, ckCursors, err := readCheckpoint(filepath.Join(dir, "checkpoint"))
	if err != nil {
		return nil, err
	}
	l.checkpoint, l.ckCursors = ck, ckCursors
	segs, err := l.segments()
	if err != nil {
		return nil, err
	}
	l.next = ck + 1
	if len(segs) > 0 {
		last := segs[len(segs)-1]
		lastSeq, size, err := scanSegment(filepath.Join(dir, segName(last)), true)
		if err != nil {
			return nil, err
		}
		// The cursors of the batches after the checkpoint.
		for _, sg := range segs {
			f, err := os.Open(filepath.Join(dir, segName(sg)))
			if err != nil {
				return nil, fmt.Errorf("ingest log: %w", err)
			}
			err = readFrames(f, func(b Batch, _ int64) error {
				if b.Seq > ck && b.Cursor.Key != "" {
					l.addCursor(cursorAt{b.Seq, b.Cursor})
				}
				return nil
			})
			f.Close()
			if err != nil && !errors.Is(err, errTorn) {
				return nil, err
			}
		}
		if lastSeq >= l.next {
			l.next = lastSeq + 1
		}
		f, err := l.open(filepath.Join(dir, segName(last)), os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, fmt.Errorf("ingest log: %w", err)
		}
		l.f, l.segSize, l.goodOff = f, size, size
	} else if err := l.roll(); err != nil {
		return nil, err
	}
	l.w = bufio.NewWriterSize(l.f, 1<<16)
	l.synced = l.next - 1
	return l, nil
}

func segName(first uint64) string { return fmt.Sprintf("%020d.log", first) }

// segments lists the first seqs of the segment files, ascending.
func (l *IngestLog) segments() ([]uint64, error) {
	ents, err := os.ReadDir(l.dir)
	if err != nil {
		return nil, fmt.Errorf("ingest log: %w", err)
	}
	var out []uint64
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".log")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(name, 10, 64)
		if err == nil {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// roll starts a new segment whose first seq is l.next. Called with l.mu held
// (or before the log is shared). A failure leaves the current segment in
// place.
func (l *IngestLog) roll() error {
	if l.f != nil {
		err := l.w.Flush()
		if err == nil {
			err = l.f.Sync()
		}
		if err != nil {
			l.fail(err)
			return l.lastFail
		}
		if l.next-1 > l.synced { // what waited for a sync is durable now
			l.synced = l.next - 1
			l.cond.Broadcast()
		}
	}
	f, err := l.open(filepath.Join(l.dir, segName(l.next)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("ingest log: %w", err)
	}
	if err := SyncDir(l.dir); err != nil {
		f.Close()
		return fmt.Errorf("ingest log: %w", err)
	}
	if l.f != nil {
		l.f.Close()
	}
	l.f, l.segSize, l.goodOff = f, 0, 0
	if l.w != nil {
		l.w.Reset(f)
	}
	return nil
}

// Append writes a batch durably and returns its seq. When the write or
// its fsync fails, Append returns the error and the frame is gone from
// the segment (it is never replayed); later appends try again, so the log
// recovers by itself once the disk has room.
func (l *IngestLog) Append(source string, received time.Time, payload []byte) (uint64, error) {
	seqs, err := l.AppendBatches([]Batch{{Source: source, Received: received, Payload: payload}})
	if err != nil {
		return 0, err
	}
	return seqs, nil
}

// AppendBatches writes batches durably, in order and next to each other,
// with one fsync, and returns the seq of the first (the others follow it).
// Either all are stored or, with an error, none counts as stored. Their
// Seq fields are ignored.
func (l *IngestLog) AppendBatches(batches []Batch) (uint64, error) {
	for _, b := range batches {
		if n := len(b.Source) + len(b.Cursor.Key) + len(b.Cursor.Value); n > 0x7fff-2 {
			return 0, fmt.Errorf("ingest log: source name and cursor too long (%d bytes)", n)
		}
	}
	if len(batches) == 0 {
		return 0, errors.New("ingest log: no batches")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return 0, l.err
	}
	if l.broken {
		if err := l.repair(); err != nil {
			return 0, err
		}
	}
	if l.segSize >= l.maxSegment {
		for l.syncing { // a sync in flight holds the current file
			l.cond.Wait()
		}
		if err := l.roll(); err != nil {
			return 0, err
		}
	}
	first := l.next
	epoch := l.epoch
	for _, b := range batches {
		seq := l.next
		l.next++
		n, err := l.writeFrame(seq, b)
		if err != nil {
			l.fail(err)
			return 0, l.lastFail
		}
		l.segSize += n
		if b.Cursor.Key != "" {
			l.addCursor(cursorAt{seq, b.Cursor})
		}
	}
	seq := l.next - 1
	// Group commit: one appender syncs for everyone waiting.
	for {
		if l.epoch != epoch {
			// A failure came after this frame was written: it is
			// durable only if a sync covered it before.
			if end, ok := l.endSync[epoch]; ok && seq <= end {
				break
			}
			return 0, l.lastFail
		}
		if l.synced >= seq {
			break
		}
		if l.syncing {
			l.cond.Wait()
			continue
		}
		l.syncing = true
		upto, uptoOff, syncEpoch := l.next-1, l.segSize, l.epoch
		err := l.w.Flush()
		f := l.f
		l.mu.Unlock()
		if err == nil {
			err = f.Sync()
		}
		l.mu.Lock()
		l.syncing = false
		switch {
		case err != nil:
			if l.epoch == syncEpoch {
				l.fail(err)
			}
		case l.epoch == syncEpoch && upto > l.synced:
			l.synced, l.goodOff = upto, uptoOff
			l.failErr = nil
		}
		l.cond.Broadcast()
	}
	return first, nil
}

// writeFrame buffers the frame of batch b as seq and returns its size.
// The source field holds "source\x00key\x00value" when b has a cursor
// (bit 15 of its length says so).
func (l *IngestLog) writeFrame(seq uint64, b Batch) (int64, error) {
	src := b.Source
	flag := uint16(0)
	if b.Cursor.Key != "" {
		src = b.Source + "\x00" + b.Cursor.Key + "\x00" + b.Cursor.Value
		flag = 0x8000
	}
	var hdr [frameHeader]byte
	body := len(b.Payload) + len(src) + 8 + 8 + 2
	binary.LittleEndian.PutUint32(hdr[0:], uint32(body))
	binary.LittleEndian.PutUint64(hdr[8:], seq)
	binary.LittleEndian.PutUint64(hdr[16:], uint64(b.Received.UnixNano()))
	binary.LittleEndian.PutUint16(hdr[24:], uint16(len(src))|flag)
	crc := crc32.Update(0, crcTable, hdr[8:])
	crc = crc32.Update(crc, crcTable, []byte(src))
	crc = crc32.Update(crc, crcTable, b.Payload)
	binary.LittleEndian.PutUint32(hdr[4:], crc)
	l.w.Write(hdr[:])
	l.w.WriteString(src)
	if _, err := l.w.Write(b.Payload); err != nil {
		return 0, err
	}
	return int64(frameHeader + len(src) + len(b.Payload)), nil
}

// Cursor is where a batch came from in a source that can be read again
// (a Kinesis shard and sequence number): Key names the position's owner,
// Value the position. The log keeps the latest Value of every Key that is
// durably stored, across checkpoints and restarts, so that a reader
// resumes after what it already stored.
type Cursor struct{ Key, Value string }

type cursorAt struct {
	seq uint64
	c   Cursor
}

// addCursor records the cursor of a batch just written. Called with l.mu
// held (or before the log is shared).
func (l *IngestLog) addCursor(c cursorAt) {
	l.cursors = append(l.cursors, c)
	if l.live == nil {
		l.live = map[string]cursorAt{}
	}
	l.live[c.c.Key] = c
}

// Cursor returns the Value of the last durably stored batch with cursor
// key, and whether there is one.
func (l *IngestLog) Cursor(key string) (string, bool) {
	l.mu.Lock()
	if c, ok := l.live[key]; ok && c.seq <= l.synced {
		l.mu.Unlock()
		return c.c.Value, true
	} else if ok { // the latest is not durable yet: an earlier one may be
		for i := len(l.cursors) - 1; i >= 0; i-- {
			if c := l.cursors[i]; c.c.Key == key && c.seq <= l.synced {
				l.mu.Unlock()
				return c.c.Value, true
			}
		}
	}
	l.mu.Unlock()
	l.ckMu.Lock()
	defer l.ckMu.Unlock()
	v, ok := l.ckCursors[key]
	return v, ok
}

// ForgetCursors sets which cursors a checkpoint drops (forget returns
// true): those whose use has passed, such as idempotency keys older than
// their window. Set it before appending.
func (l *IngestLog) ForgetCursors(forget func(key, value string) bool) {
	l.ckMu.Lock()
	defer l.ckMu.Unlock()
	l.forget = forget
}

// fail handles a failed write or fsync: every append not yet durable
// fails, the segment is cut back to its last durable frame and the
// unused numbers are handed out again. Called with l.mu held.
func (l *IngestLog) fail(err error) {
	l.lastFail = fmt.Errorf("ingest log: %w", err)
	l.failErr, l.failAt = l.lastFail, time.Now()
	l.probedAt = l.failAt
	if l.endSync == nil {
		l.endSync = map[uint64]uint64{}
	}
	l.endSync[l.epoch] = l.synced
	delete(l.endSync, l.epoch-1024)
	l.epoch++
	l.next = l.synced + 1
	for len(l.cursors) > 0 && l.cursors[len(l.cursors)-1].seq > l.synced {
		l.cursors = l.cursors[:len(l.cursors)-1]
	}
	for k, c := range l.live { // rare: rebuild the index of what stays
		if c.seq > l.synced {
			delete(l.live, k)
		}
	}
	for _, c := range l.cursors {
		if _, ok := l.live[c.c.Key]; !ok || l.live[c.c.Key].seq < c.seq {
			l.live[c.c.Key] = c
		}
	}
	l.broken = true
	l.repair() // if it fails, the next append tries again
	l.cond.Broadcast()
}

// repair cuts the current segment back to its last durable frame and
// drops what is buffered. Called with l.mu held.
func (l *IngestLog) repair() error {
	if err := l.f.Truncate(l.goodOff); err != nil {
		return fmt.Errorf("ingest log: cutting back a failed write: %w", err)
	}
	l.w.Reset(l.f)
	l.segSize = l.goodOff
	l.broken = false
	return nil
}

// Degraded returns the last write failure (with when it happened) while
// no write has succeeded since, else nil. While degraded, it checks at
// most once a second whether the directory takes a small fsync'd write
// again, so that the state clears even when no append comes.
func (l *IngestLog) Degraded() (since time.Time, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failErr == nil || l.syncing || time.Since(l.probedAt) < time.Second {
		return l.failAt, l.failErr
	}
	l.probedAt = time.Now()
	if err := probeDir(l.dir); err != nil {
		return l.failAt, l.failErr
	}
	if l.broken && l.repair() != nil {
		return l.failAt, l.failErr
	}
	l.failErr = nil
	return time.Time{}, nil
}

// probeDir writes, fsyncs and removes a 64 KiB file in dir.
func probeDir(dir string) error {
	p := filepath.Join(dir, "probe.tmp")
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(p)
	_, err = f.Write(make([]byte, 64<<10))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Checkpoint records that every batch up to seq is fully processed, and
// deletes segments that hold only such batches.
func (l *IngestLog) Checkpoint(seq uint64) error {
	l.ckMu.Lock()
	defer l.ckMu.Unlock()
	if seq <= l.checkpoint {
		return nil
	}
	// The cursors of batches up to seq move into the checkpoint file.
	cursors := maps.Clone(l.ckCursors)
	if cursors == nil {
		cursors = map[string]string{}
	}
	l.mu.Lock()
	moved := 0
	for _, c := range l.cursors {
		if c.seq > seq {
			break
		}
		cursors[c.c.Key] = c.c.Value
		moved++
	}
	if l.forget != nil {
		for k, v := range cursors {
			if l.forget(k, v) {
				delete(cursors, k)
				if c, ok := l.live[k]; ok && c.seq <= seq {
					delete(l.live, k)
				}
			}
		}
	}
	l.mu.Unlock()
	var text strings.Builder
	text.WriteString(strconv.FormatUint(seq, 10) + "\n")
	for _, k := range slices.Sorted(maps.Keys(cursors)) {
		fmt.Fprintf(&text, "cursor %s %s\n", strconv.Quote(k), strconv.Quote(cursors[k]))
	}
	p := filepath.Join(l.dir, "checkpoint")
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, []byte(text.String()), 0o600); err != nil {
		return fmt.Errorf("ingest log checkpoint: %w", err)
	}
	f, err := os.Open(tmp)
	if err == nil {
		err = f.Sync()
		f.Close()
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err == nil {
		err = SyncDir(l.dir)
	}
	if err != nil {
		return fmt.Errorf("ingest log checkpoint: %w", err)
	}
	l.checkpoint, l.ckCursors = seq, cursors
	l.mu.Lock()
	l.cursors = l.cursors[moved:]
	l.mu.Unlock()
	// A segment can go when the next one starts at or below seq+1.
	segs, err := l.segments()
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := 0; i+1 < len(segs); i++ {
		if segs[i+1] <= seq+1 {
			os.Remove(filepath.Join(l.dir, segName(segs[i])))
		}
	}
	return nil
}

// Checkpointed returns the last checkpointed seq.
func (l *IngestLog) Checkpointed() uint64 {
	l.ckMu.Lock()
	defer l.ckMu.Unlock()
	return l.checkpoint
}

// Replay calls fn for every durable batch after the checkpoint, in order.
func (l *IngestLog) Replay(fn func(Batch) error) error {
	l.mu.Lock()
	if err := l.w.Flush(); err != nil {
		l.mu.Unlock()
		return err
	}
	l.mu.Unlock()
	ck := l.Checkpointed()
	segs, err := l.segments()
	if err != nil {
		return err
	}
	for _, s := range segs {
		f, err := os.Open(filepath.Join(l.dir, segName(s)))
		if err != nil {
			return fmt.Errorf("ingest log: %w", err)
		}
		err = readFrames(f, func(b Batch, _ int64) error {
			if b.Seq <= ck {
				return nil
			}
			return fn(b)
		})
		f.Close()
		if err != nil && !errors.Is(err, errTorn) {
			return err
		}
	}
	return nil
}

// Close flushes and closes the log.
func (l *IngestLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	var err error
	if l.broken {
		err = l.repair()
	}
	if err == nil {
		err = l.w.Flush()
	}
	if err == nil {
		err = l.f.Sync()
	}
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	if l.err == nil {
		l.err = errors.New("ingest log: closed")
	}
	return err
}

var errTorn = errors.New("torn frame")

// readFrames reads frames until EOF; a short or corrupt frame ends the read
// with errTorn. fn gets each batch and the offset just past it.
func readFrames(r io.Reader, fn func(Batch, int64) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	var off int64
	var hdr [frameHeader]byte
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			if err == io.EOF {
				return nil
			}
			return errTorn
		}
		body := int(binary.LittleEndian.Uint32(hdr[0:]))
		srcField := binary.LittleEndian.Uint16(hdr[24:])
		srcLen := int(srcField & 0x7fff)
		if body < 18+srcLen || body > 1<<31 {
			return errTorn
		}
		rest := make([]byte, body-18)
		if _, err := io.ReadFull(br, rest); err != nil {
			return errTorn
		}
		crc := crc32.Update(0, crcTable, hdr[8:])
		crc = crc32.Update(crc, crcTable, rest)
		if crc != binary.LittleEndian.Uint32(hdr[4:]) {
			return errTorn
		}
		off += int64(frameHeader + len(rest))
		b := Batch{
			Seq:      binary.LittleEndian.Uint64(hdr[8:]),
			Received: time.Unix(0, int64(binary.LittleEndian.Uint64(hdr[16:]))).UTC(),
			Source:   string(rest[:srcLen]),
			Payload:  rest[srcLen:],
		}
		if srcField&0x8000 != 0 {
			parts := strings.SplitN(b.Source, "\x00", 3)
			if len(parts) != 3 {
				return errTorn
			}
			b.Source, b.Cursor = parts[0], Cursor{Key: parts[1], Value: parts[2]}
		}
		if err := fn(b, off); err != nil {
			return err
		}
	}
}

// scanSegment finds the last whole frame of a segment; with truncate, a torn
// tail is cut off so that appends continue after the last good frame.
func scanSegment(path string, truncate bool) (lastSeq uint64, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("ingest log: %w", err)
	}
	err = readFrames(f, func(b Batch, off int64) error {
		lastSeq, size = b.Seq, off
		return nil
	})
	f.Close()
	if errors.Is(err, errTorn) && truncate {
		if terr := os.Truncate(path, size); terr != nil {
			return 0, 0, fmt.Errorf("ingest log: cut torn tail: %w", terr)
		}
		err = nil
	}
	return lastSeq, size, err
}

// readCheckpoint reads the checkpoint file: the last processed seq on
// the first line, then one line `cursor "KEY" "VALUE"` per cursor key.
func readCheckpoint(p string) (uint64, map[string]string, error) {
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("ingest log checkpoint: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	n, err := strconv.ParseUint(strings.TrimSpace(lines[0]), 10, 64)
	if err != nil {
		return 0, nil, fmt.Errorf("ingest log checkpoint %s:1: %q is not a number", p, lines[0])
	}
	cursors := map[string]string{}
	for i, line := range lines[1:] {
		rest, ok := strings.CutPrefix(line, "cursor ")
		var k, v string
		if ok {
			k, rest, ok = unquoteField(rest)
		}
		if ok {
			v, rest, ok = unquoteField(strings.TrimPrefix(rest, " "))
		}
		if !ok || rest != "" {
			return 0, nil, fmt.Errorf("ingest log checkpoint %s:%d: %q is not `cursor \"KEY\" \"VALUE\"`", p, i+2, line)
		}
		cursors[k] = v
	}
	return n, cursors, nil
}

// unquoteField reads one Go-quoted string at the start of s.
func unquoteField(s string) (string, string, bool) {
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		return "", s, false
	}
	v, err := strconv.Unquote(q)
	return v, s[len(q):], err == nil
}

// SyncDir fsyncs a directory, so that files created or renamed in it
// survive a crash (the ingest log's segments, the Kinesis checkpoints).
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
