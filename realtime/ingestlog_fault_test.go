package realtime

import (
	"fmt"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// diskFault makes the segment files of a log fail like a full disk while
// full is set: a write stores half of what it was given and then fails
// with ENOSPC (a torn frame on disk), and fsync fails.
type diskFault struct{ full atomic.Bool }

type faultyFile struct {
	*os.File
	d *diskFault
}

func (f faultyFile) Write(p []byte) (int, error) {
	if f.d.full.Load() {
		n, _ := f.File.Write(p[:len(p)/2])
		return n, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	return f.File.Write(p)
}

func (f faultyFile) Sync() error {
	if f.d.full.Load() {
		return &os.PathError{Op: "sync", Path: f.Name(), Err: syscall.ENOSPC}
	}
	return f.File.Sync()
}

func (d *diskFault) open(name string, flag int, perm os.FileMode) (segmentFile, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return faultyFile{f, d}, nil
}

// TestIngestLog_RecoversAfterDiskFull fills the disk under the log, frees
// it, and checks that appends succeed again with the next batch number,
// that no frame of a refused append is ever replayed, and that Close is
// clean (serve's exit code depends on it).
func TestIngestLog_RecoversAfterDiskFull(t *testing.T) {
	dir := t.TempDir()
	var d diskFault
	l, err := openIngestLog(dir, 0, d.open)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for i := 1; i <= 3; i++ {
		if _, err := l.Append("http", now, []byte(fmt.Sprintf("before %d", i))); err != nil {
			t.Fatal(err)
		}
	}
	d.full.Store(true)
	for i := 0; i < 3; i++ {
		if _, err := l.Append("http", now, []byte("while full, a payload long enough to be cut in half")); err == nil {
			t.Fatal("append on a full disk succeeded")
		}
	}
	if _, err := l.Degraded(); err == nil {
		t.Fatal("Degraded() = nil while the disk is full")
	}
	d.full.Store(false)
	seq, err := l.Append("http", now, []byte("after"))
	if err != nil {
		t.Fatalf("append after space was freed: %v", err)
	}
	if seq != 4 {
		t.Fatalf("seq after recovery = %d, want 4", seq)
	}
	if _, err := l.Degraded(); err != nil {
		t.Fatalf("Degraded() = %v after a successful append", err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("close after recovery: %v", err)
	}
	l, err = OpenIngestLog(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := collect(t, l)
	var text []string
	for _, b := range got {
		text = append(text, fmt.Sprintf("%d:%s", b.Seq, b.Payload))
	}
	want := []string{"1:before 1", "2:before 2", "3:before 3", "4:after"}
	if fmt.Sprint(text) != fmt.Sprint(want) {
		t.Fatalf("replayed %q, want %q", text, want)
	}
}

// TestIngestLog_DiskFullUnderConcurrentAppends toggles a full disk while
// eight writers append: the batches that were acknowledged must be exactly
// the ones replayed, numbered without gaps (the runner hands batches out
// strictly in order and would wait for a gap for ever).
func TestIngestLog_DiskFullUnderConcurrentAppends(t *testing.T) {
	dir := t.TempDir()
	var d diskFault
	l, err := openIngestLog(dir, 4096, d.open) // small segments: rolls fail too
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		acked = map[uint64]string{}
		wg    sync.WaitGroup
		stop  atomic.Bool
	)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				p := fmt.Sprintf("w%d-%d", w, i)
				if seq, err := l.Append("http", time.Now(), []byte(p)); err == nil {
					mu.Lock()
					if old, dup := acked[seq]; dup {
						t.Errorf("seq %d acknowledged twice (%s, %s)", seq, old, p)
					}
					acked[seq] = p
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < 20; i++ {
		time.Sleep(3 * time.Millisecond)
		d.full.Store(i%2 == 0)
	}
	d.full.Store(false)
	time.Sleep(5 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	if _, err := l.Append("http", time.Now(), []byte("last")); err != nil {
		t.Fatalf("append once the disk has room: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	l, err = OpenIngestLog(dir, 4096)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := collect(t, l)
	seqs := make([]uint64, 0, len(acked))
	for s := range acked {
		seqs = append(seqs, s)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	if len(got) != len(acked)+1 {
		t.Fatalf("replayed %d batches, acknowledged %d (+1 last)", len(got), len(acked))
	}
	for i, b := range got[:len(got)-1] {
		if b.Seq != uint64(i+1) || seqs[i] != b.Seq || acked[b.Seq] != string(b.Payload) {
			t.Fatalf("replayed #%d: seq %d %q; acknowledged seq %d %q", i, b.Seq, b.Payload, seqs[i], acked[seqs[i]])
		}
	}
	t.Logf("%d batches acknowledged across 10 full-disk episodes", len(acked))
}

// TestIngestLog_DegradedClearsWithoutAppends: once the directory takes
// writes again, the degraded state clears by its own probe, so that a
// health check that keeps traffic away does not keep it degraded.
func TestIngestLog_DegradedClearsWithoutAppends(t *testing.T) {
	var d diskFault
	l, err := openIngestLog(t.TempDir(), 0, d.open)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	d.full.Store(true)
	if _, err := l.Append("http", time.Now(), []byte("x")); err == nil {
		t.Fatal("append on a full disk succeeded")
	}
	d.full.Store(false)
	if since, err := l.Degraded(); err == nil || since.IsZero() {
		t.Fatalf("Degraded() = %v, %v right after the failure", since, err)
	}
	l.mu.Lock()
	l.probedAt = time.Time{} // the probe runs at most once a second
	l.mu.Unlock()
	if _, err := l.Degraded(); err != nil {
		t.Fatalf("Degraded() = %v once the directory takes writes", err)
	}
}

// TestIngestLog_CursorsSurviveCheckpointsRestartsAndFailures: the latest
// stored cursor of a key is known after a checkpoint moved it into the
// checkpoint file, after a reopen (from the segments or that file), and a
// cursor of a batch that failed to store is never reported.
func TestIngestLog_CursorsSurviveCheckpointsRestartsAndFailures(t *testing.T) {
	dir := t.TempDir()
	var d diskFault
	l, err := openIngestLog(dir, 0, d.open)
	if err != nil {
		t.Fatal(err)
	}
	put := func(key, val string) error {
		_, err := l.AppendBatches([]Batch{{Source: "k", Received: time.Now(), Payload: []byte("p"), Cursor: Cursor{key, val}}})
		return err
	}
	want := func(key, val string) {
		t.Helper()
		if got, ok := l.Cursor(key); !ok || got != val {
			t.Fatalf("Cursor(%q) = %q, %v; want %q", key, got, ok, val)
		}
	}
	for _, c := range [][2]string{{"a", "1"}, {"b", "1"}, {"a", "2"}} {
		if err := put(c[0], c[1]); err != nil {
			t.Fatal(err)
		}
	}
	want("a", "2")
	if err := l.Checkpoint(2); err != nil { // a=1, b=1 into the file; a=2 stays in the segment
		t.Fatal(err)
	}
	want("a", "2")
	want("b", "1")
	d.full.Store(true)
	if err := put("b", "9"); err == nil {
		t.Fatal("append on a full disk succeeded")
	}
	d.full.Store(false)
	want("b", "1")
	l.Close()
	l, err = OpenIngestLog(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	want("a", "2")
	want("b", "1")
	if err := l.Checkpoint(3); err != nil {
		t.Fatal(err)
	}
	l.Close()
	l, err = OpenIngestLog(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	want("a", "2")
	if got := collect(t, l); len(got) != 0 {
		t.Fatalf("replayed %d batches after checkpoint 3", len(got))
	}
}
