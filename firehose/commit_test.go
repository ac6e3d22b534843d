package firehose

import (
	"context"
	"testing"
	"time"

	"github.com/streamalert/streamalert/schema"
)

func TestLake_CommitTagsFilesAndCommittedFindsThem(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	lake, err := NewLake(NewDir(dir), Options{Manual: true, BufferSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer lake.Close(ctx)
	reg := schema.Builtin()
	lt := reg.Get("cloudtrail:events")
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	rec := &schema.Record{LogType: lt, ID: "r1", Source: "s", EventTime: now, IngestTime: now, Values: make([]schema.Value, len(lt.Fields))}
	if err := lake.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := lake.WriteUnclassified(&schema.Unclassified{ID: "u1", Source: "s", Raw: []byte("x"), Reason: "no", IngestTime: now}); err != nil {
		t.Fatal(err)
	}
	// Manual: even a buffer over its size stays until Commit.
	if lake.Buffered() == 0 || lake.Stats().Files != 0 {
		t.Fatalf("manual lake wrote on its own: buffered %d, files %d", lake.Buffered(), lake.Stats().Files)
	}
	if err := lake.Commit(ctx, 42); err != nil {
		t.Fatal(err)
	}
	if lake.Buffered() != 0 || lake.Stats().Files != 2 {
		t.Fatalf("after commit: buffered %d, files %d", lake.Buffered(), lake.Stats().Files)
	}
	got, err := lake.Committed(ctx, 41)
	if err != nil {
		t.Fatal(err)
	}
	if !got[42]["cloudtrail_events"] || !got[42]["unclassified"] || len(got) != 1 {
		t.Fatalf("Committed(41) = %v", got)
	}
	if got, _ := lake.Committed(ctx, 42); len(got) != 0 {
		t.Fatalf("Committed(42) = %v, want nothing above 42", got)
	}
}

func TestParseCommitKey(t *testing.T) {
	cases := []struct {
		key   string
		table string
		tag   uint64
		ok    bool
	}{
		{"parquet/t/dt=2026-01-01-00/t-c00000000000000000007-2026-01-01-00-00-00-ab.parquet", "t", 7, true},
		{"parquet/t/dt=2026-01-01-00/t-2026-01-01-00-00-00-ab.parquet", "", 0, false},
		{"parquet/t/dt=2026-01-01-00/.t-c00000000000000000007-x.parquet.1.tmp", "", 0, false},
		{"other/t/x/t-c00000000000000000007-.parquet", "", 0, false},
	}
	for _, c := range cases {
		table, tag, ok := parseCommitKey(c.key)
		if table != c.table || tag != c.tag || ok != c.ok {
			t.Errorf("parseCommitKey(%q) = %q %d %v", c.key, table, tag, ok)
		}
	}
}
