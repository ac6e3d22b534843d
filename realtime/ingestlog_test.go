package realtime

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func collect(t *testing.T, l *IngestLog) []Batch {
	t.Helper()
	var out []Batch
	if err := l.Replay(func(b Batch) error {
		b.Payload = bytes.Clone(b.Payload)
		out = append(out, b)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestIngestLog_ReplaysUncheckpointedBatchesAfterReopen(t *testing.T) {
	dir := t.TempDir()
	l, err := OpenIngestLog(dir, 200) // tiny segments: exercise rolling
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	for i := 1; i <= 20; i++ {
		seq, err := l.Append("http", now, []byte(fmt.Sprintf("payload %d", i)))
		if err != nil || seq != uint64(i) {
			t.Fatalf("append %d: seq %d err %v", i, seq, err)
		}
	}
	if err := l.Checkpoint(12); err != nil {
		t.Fatal(err)
	}
	l.Close()

	l, err = OpenIngestLog(dir, 200)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := collect(t, l)
	if len(got) != 8 || got[0].Seq != 13 || string(got[7].Payload) != "payload 20" {
		t.Fatalf("replayed %d batches, first %+v", len(got), got[0])
	}
	if got[0].Source != "http" || !got[0].Received.Equal(now) {
		t.Fatalf("batch metadata lost: %+v", got[0])
	}
	seq, err := l.Append("http", now, []byte("after reopen"))
	if err != nil || seq != 21 {
		t.Fatalf("append after reopen: seq %d err %v", seq, err)
	}
	segs, _ := l.segments()
	if segs[0] > 13 {
		t.Fatalf("a segment holding unprocessed batches was deleted: first segment starts at %d", segs[0])
	}
	if len(segs) > 10 {
		t.Fatalf("checkpoint kept %d segments; processed ones should be removed", len(segs))
	}
}

func TestIngestLog_TornTailIsCutAndLogContinues(t *testing.T) {
	dir := t.TempDir()
	l, _ := OpenIngestLog(dir, 0)
	for i := 0; i < 3; i++ {
		l.Append("s", time.Now(), []byte("good"))
	}
	l.Close()
	segs, _ := os.ReadDir(dir)
	var seg string
	for _, e := range segs {
		if filepath.Ext(e.Name()) == ".log" {
			seg = filepath.Join(dir, e.Name())
		}
	}
	// A crash in the middle of a write leaves half a frame.
	f, _ := os.OpenFile(seg, os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte{40, 0, 0, 0, 1, 2, 3})
	f.Close()

	l, err := OpenIngestLog(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if seq, err := l.Append("s", time.Now(), []byte("next")); err != nil || seq != 4 {
		t.Fatalf("append after torn tail: seq %d err %v", seq, err)
	}
	got := collect(t, l)
	if len(got) != 4 || string(got[3].Payload) != "next" {
		t.Fatalf("got %d batches after torn tail, want 4", len(got))
	}
}

func TestIngestLog_CorruptFrameStopsReplayThere(t *testing.T) {
	dir := t.TempDir()
	l, _ := OpenIngestLog(dir, 0)
	l.Append("s", time.Now(), []byte("first"))
	l.Append("s", time.Now(), []byte("second"))
	l.Close()
	seg := filepath.Join(dir, segName(1))
	data, _ := os.ReadFile(seg)
	data[len(data)-1] ^= 0xff // flip a payload bit of the second frame
	os.WriteFile(seg, data, 0o600)
	l, _ = OpenIngestLog(dir, 0)
	defer l.Close()
	got := collect(t, l)
	if len(got) != 1 || string(got[0].Payload) != "first" {
		t.Fatalf("replay past a corrupt frame: %d batches", len(got))
	}
}

func TestIngestLog_ConcurrentAppendsGetDistinctSeqs(t *testing.T) {
	l, _ := OpenIngestLog(t.TempDir(), 4096)
	defer l.Close()
	var wg sync.WaitGroup
	seen := make([]uint64, 400)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				seq, err := l.Append("s", time.Now(), []byte{byte(g), byte(i)})
				if err != nil {
					t.Error(err)
					return
				}
				seen[g*50+i] = seq
			}
		}(g)
	}
	wg.Wait()
	set := map[uint64]bool{}
	for _, s := range seen {
		set[s] = true
	}
	if len(set) != 400 {
		t.Fatalf("%d distinct seqs for 400 appends", len(set))
	}
	if got := collect(t, l); len(got) != 400 {
		t.Fatalf("replayed %d of 400", len(got))
	}
}

func BenchmarkIngestLogAppend(b *testing.B) {
	l, _ := OpenIngestLog(b.TempDir(), 0)
	defer l.Close()
	payload := bytes.Repeat([]byte("x"), 4096)
	b.SetBytes(int64(len(payload)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := l.Append("http", time.Now(), payload); err != nil {
				b.Fatal(err)
			}
		}
	})
}
