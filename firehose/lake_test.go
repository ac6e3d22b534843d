package firehose

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamalert/streamalert/firehose/internal/synth"
	"github.com/streamalert/streamalert/internal/duckdbtest"
	"github.com/streamalert/streamalert/schema"
)

// expectedRecordRow is the row a record must read back as, built here from
// the record's own fields rather than by the writer's code.
func expectedRecordRow(rec *schema.Record) []any {
	lt := rec.LogType
	var out []any
	for i, f := range lt.Fields {
		var v schema.Value
		if i < len(rec.Values) {
			v = rec.Values[i]
		}
		out = append(out, expectedValue(f.Type, v))
	}
	et := rec.EventTime
	if et.IsZero() {
		et = rec.IngestTime
	}
	out = append(out, et.UTC(), rec.IngestTime.UTC(), nilIfEmpty(rec.ID), nilIfEmpty(rec.Source))
	if types := lt.NormalizedTypes(); len(types) > 0 {
		m := map[string]any{}
		for _, typ := range types {
			if vals := rec.Normalized[typ]; len(vals) > 0 {
				l := make([]any, len(vals))
				for i, v := range vals {
					l[i] = v
				}
				m[typ] = l
			} else {
				m[typ] = nil
			}
		}
		out = append(out, m)
	}
	return append(out, nilIfEmpty(rec.Extras))
}

func expectedUnclassifiedRow(u *schema.Unclassified) []any {
	return []any{nilIfEmpty(u.Reason), string(u.Raw), u.IngestTime.UTC(), u.IngestTime.UTC(), nilIfEmpty(u.ID), nilIfEmpty(u.Source), nil}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func hourOf(t time.Time) string { return schema.PartitionOf(t) }

// readTable returns the rows of a log type's lake table ordered by record
// id, with the dt partition as the last column. It reads through the DuckDB
// view the schema package defines for the table.
func readTable(t *testing.T, db *sql.DB, lake string, lt *schema.LogType) [][]any {
	t.Helper()
	duckdbtest.Exec(t, db, lt.DuckDBView(lake))
	rows := duckdbtest.Query(t, db, `SELECT * FROM "`+lt.Table()+`" ORDER BY sa_record_id`)
	for _, r := range rows {
		for i := range r {
			r[i] = normalizeTimes(r[i])
		}
	}
	return rows
}

func compareRows(t *testing.T, table string, got [][]any, want [][]any, wantDT []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("table %s: read %d rows, wrote %d", table, len(got), len(want))
	}
	bad := 0
	for i := range want {
		g := got[i]
		if len(g) != len(want[i])+1 {
			t.Fatalf("table %s: row %d has %d columns, want %d and dt", table, i, len(g), len(want[i]))
		}
		if !reflect.DeepEqual(g[:len(g)-1], want[i]) || g[len(g)-1] != wantDT[i] {
			if bad++; bad <= 3 {
				t.Errorf("table %s: row %d:\n got %#v\nwant %#v dt=%s", table, i, g, want[i], wantDT[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("table %s: %d of %d rows differ", table, bad, len(want))
	}
}

func TestLake_MixedRecordsReadBackByDuckDB(t *testing.T) {
	lts := testLogTypes(t)
	lake := t.TempDir()
	w, err := NewLake(NewDir(lake), Options{BufferSize: 3 << 20, BufferInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	const n = 100_000
	g := newGen(1)
	lts = append(lts, schema.Builtin().Get("cloudtrail:events"))
	cloudtrail := synth.Records(n/len(lts)+1, 3)
	builtinCT, err := synth.CloudTrailEvents(n/len(lts)+1, 4)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2024, 5, 6, 22, 30, 0, 0, time.UTC) // crosses midnight
	byTable := map[string][]*schema.Record{}
	var uncl []*schema.Unclassified
	for i := range n {
		ingest := base.Add(time.Duration(i) * 97 * time.Millisecond)
		if i%50 == 49 {
			raw := []byte(fmt.Sprintf("not a known format %d \xff\xfe", i))
			u := &schema.Unclassified{ID: schema.RecordID("", raw), Source: "test-source", Raw: raw,
				Reason: "no log type matched", IngestTime: ingest}
			if err := w.WriteUnclassified(u); err != nil {
				t.Fatal(err)
			}
			uncl = append(uncl, u)
			continue
		}
		var rec *schema.Record
		switch lt := lts[i%len(lts)]; lt.Name {
		case "synth:cloudtrail":
			rec = cloudtrail[i/len(lts)]
			rec.IngestTime = ingest
		case "cloudtrail:events":
			rec = builtinCT[i/len(lts)]
			rec.IngestTime = ingest
		default:
			rec = g.record(lt, i, ingest)
		}
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		byTable[rec.LogType.Table()] = append(byTable[rec.LogType.Table()], rec)
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := w.Stats()
	if st.Rows != n {
		t.Errorf("Stats().Rows = %d, want %d", st.Rows, n)
	}
	checkLayout(t, lake)

	db := duckdbtest.Open(t)
	total := 0
	for table, recs := range byTable {
		sortByID(recs)
		want := make([][]any, len(recs))
		dts := make([]string, len(recs))
		for i, r := range recs {
			want[i] = expectedRecordRow(r)
			dts[i] = hourOf(r.IngestTime)
		}
		compareRows(t, table, readTable(t, db, lake, recs[0].LogType), want, dts)
		total += len(recs)
	}
	sortUnclassified(uncl)
	want := make([][]any, len(uncl))
	dts := make([]string, len(uncl))
	for i, u := range uncl {
		want[i] = expectedUnclassifiedRow(u)
		want[i][1] = strings.ToValidUTF8(string(u.Raw), "\uFFFD")
		dts[i] = hourOf(u.IngestTime)
	}
	compareRows(t, UnclassifiedTableName, readTable(t, db, lake, Unclassified), want, dts)
	total += len(uncl)
	if total != n {
		t.Errorf("compared %d records, wrote %d", total, n)
	}
	if st.Files < 8 {
		t.Errorf("Stats().Files = %d: want several files per table (size and hour cuts)", st.Files)
	}
}

func sortUnclassified(us []*schema.Unclassified) {
	for i := 1; i < len(us); i++ {
		for j := i; j > 0 && us[j].ID < us[j-1].ID; j-- {
			us[j], us[j-1] = us[j-1], us[j]
		}
	}
}

var fileName = regexp.MustCompile(`^parquet/([a-z0-9_]+)/dt=\d{4}-\d{2}-\d{2}-\d{2}/([a-z0-9_]+)-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f]{16}\.parquet$`)

// checkLayout checks that every file under the lake is a published Parquet
// file at <table>/dt=.../<table>-<time>-<random>.parquet.
func checkLayout(t *testing.T, lake string) {
	t.Helper()
	err := filepath.WalkDir(lake, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(lake, p)
		m := fileName.FindStringSubmatch(filepath.ToSlash(rel))
		if m == nil || m[1] != m[2] {
			t.Errorf("unexpected file in lake: %s", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestLake_ColumnTypesInParquet(t *testing.T) {
	lts := testLogTypes(t)
	lake := t.TempDir()
	w, err := NewLake(NewDir(lake), Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := newGen(2)
	if err := w.Write(g.record(lts[0], 1, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	db := duckdbtest.Open(t)
	glob := duckdbtest.Quote(filepath.Join(lake, "parquet/test_web/*/*.parquet"))
	// converted_type is compared because DuckDB prints IntType's bit width
	// as a raw byte; the timestamps' UTC flag is checked in logical_type.
	got := duckdbtest.Query(t, db, `SELECT name, type, repetition_type, converted_type, logical_type::VARCHAR
		FROM parquet_schema(`+glob+`) WHERE name IN ('ts', 'status', 'bytes', 'latency', 'cached', 'clientip', 'headers', 'tags', 'sa_event_time')`)
	want := map[string][]any{
		"ts":            {"INT64", "OPTIONAL", "TIMESTAMP_MICROS"},
		"status":        {"INT32", "OPTIONAL", "INT_32"},
		"bytes":         {"INT64", "OPTIONAL", "INT_64"},
		"latency":       {"DOUBLE", "OPTIONAL", nil},
		"cached":        {"BOOLEAN", "OPTIONAL", nil},
		"clientip":      {"BYTE_ARRAY", "OPTIONAL", "UTF8"},
		"headers":       {"BYTE_ARRAY", "OPTIONAL", "UTF8"},
		"tags":          {nil, "OPTIONAL", "LIST"},
		"sa_event_time": {"INT64", "OPTIONAL", "TIMESTAMP_MICROS"},
	}
	if len(got) != len(want) {
		t.Fatalf("parquet_schema rows = %v", got)
	}
	for _, r := range got {
		name := r[0].(string)
		if w := want[name]; !reflect.DeepEqual(r[1:4], w) {
			t.Errorf("column %s: got %v, want %v", name, r[1:4], w)
		}
		if lt, _ := r[4].(string); r[3] == "TIMESTAMP_MICROS" && !strings.Contains(lt, "isAdjustedToUTC=1") {
			t.Errorf("column %s: logical type %s, want isAdjustedToUTC=1", name, lt)
		}
	}
	// Columns keep the declared order (Glue's), not alphabetical order.
	var names []string
	for _, r := range duckdbtest.Query(t, db, "DESCRIBE SELECT * FROM read_parquet("+glob+", hive_partitioning=false)") {
		names = append(names, r[0].(string))
	}
	var wantNames []string
	for _, c := range lts[0].Columns() {
		wantNames = append(wantNames, c.Name)
	}
	if !reflect.DeepEqual(names, wantNames) {
		t.Errorf("columns = %v, want %v", names, wantNames)
	}
}

func TestLake_FlushAtBufferSize(t *testing.T) {
	lt := testLogTypes(t)[1]
	lake := t.TempDir()
	w, err := NewLake(NewDir(lake), Options{BufferSize: 1000, BufferInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	g := newGen(3)
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	raw := 0
	for i := 0; raw < 1000; i++ {
		rec := g.record(lt, i, at)
		if raw+len(rec.Raw) < 1000 && countFiles(t, lake) != 0 {
			t.Fatalf("a file was written after %d bytes, before the buffer size", raw)
		}
		raw += len(rec.Raw)
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	if n := countFiles(t, lake); n != 1 {
		t.Errorf("after %d bytes (buffer 1000): %d files, want 1", raw, n)
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestLake_FlushAtBufferInterval(t *testing.T) {
	lt := testLogTypes(t)[1]
	lake := t.TempDir()
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	w, err := NewLake(NewDir(lake), Options{BufferInterval: time.Minute, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(context.Background())
	g := newGen(4)
	if err := w.Write(g.record(lt, 1, now)); err != nil {
		t.Fatal(err)
	}
	now = now.Add(59 * time.Second)
	if err := w.flushDue(); err != nil {
		t.Fatal(err)
	}
	if n := countFiles(t, lake); n != 0 {
		t.Fatalf("%d files before the interval passed", n)
	}
	now = now.Add(time.Second)
	if err := w.flushDue(); err != nil {
		t.Fatal(err)
	}
	if n := countFiles(t, lake); n != 1 {
		t.Fatalf("%d files after the interval passed, want 1", n)
	}
}

func TestLake_WriteAfterClose(t *testing.T) {
	w, err := NewLake(NewDir(t.TempDir()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	lt := testLogTypes(t)[1]
	if err := w.Write(newGen(1).record(lt, 1, time.Now())); err != ErrClosed {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
}

func TestNewLake_BadCompression(t *testing.T) {
	if _, err := NewLake(NewDir(t.TempDir()), Options{Compression: "lz4"}); err == nil || !strings.Contains(err.Error(), `"lz4"`) {
		t.Errorf("NewLake(lz4) error = %v, want one naming lz4", err)
	}
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

// TestLake_ArrayOfObjects covers lists of structs and lists of lists, which
// definitions cannot declare today but the encoder handles.
func TestLake_ArrayOfObjects(t *testing.T) {
	str := schema.Type{Kind: schema.KindString}
	item := schema.Type{Kind: schema.KindObject, Fields: []schema.Field{
		{Name: "k", Column: "k", Type: str},
		{Name: "v", Column: "v", Type: schema.Type{Kind: schema.KindArray, Elem: &str}},
	}}
	strs := schema.Type{Kind: schema.KindArray, Elem: &str}
	lt := &schema.LogType{Name: "test:nested", Fields: []schema.Field{
		{Name: "items", Column: "items", Type: schema.Type{Kind: schema.KindArray, Elem: &item}},
		{Name: "grid", Column: "grid", Type: schema.Type{Kind: schema.KindArray, Elem: &strs}},
	}}
	values := [][]schema.Value{
		{schema.Array(schema.Object(schema.Str("a"), schema.Array(schema.Str("1"), schema.Str("2"))), schema.Value{}, schema.Object(schema.Value{}, schema.Array())),
			schema.Array(schema.Array(schema.Str("x")), schema.Array(), schema.Value{}, schema.Array(schema.Str("y"), schema.Value{}))},
		{schema.Array(), schema.Value{}},
		{schema.Value{}, schema.Array(schema.Array())},
		{schema.Array(schema.Object(schema.Str("b"), schema.Value{})), schema.Array(schema.Array(schema.Str("z")))},
	}
	lake := t.TempDir()
	w, err := NewLake(NewDir(lake), Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var recs []*schema.Record
	for i, v := range values {
		rec := &schema.Record{LogType: lt, ID: fmt.Sprint("id", i), IngestTime: at, Values: v}
		recs = append(recs, rec)
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := make([][]any, len(recs))
	dts := make([]string, len(recs))
	for i, r := range recs {
		want[i], dts[i] = expectedRecordRow(r), hourOf(at)
	}
	compareRows(t, "test_nested", readTable(t, duckdbtest.Open(t), lake, lt), want, dts)
}

// TestLake_ConcurrentWriters writes from several goroutines while buffers
// are also written out by size and by the interval; every row lands once.
func TestLake_ConcurrentWriters(t *testing.T) {
	lts := testLogTypes(t)
	dest := &countingDest{}
	w, err := NewLake(dest, Options{BufferSize: 4 << 10, BufferInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 4, 500
	errs := make(chan error, writers)
	for g := range writers {
		go func() {
			gen := newGen(uint64(g))
			for i := range each {
				rec := gen.record(lts[(g+i)%2], i, time.Date(2024, 1, 1, g, 0, 0, 0, time.UTC))
				if err := w.Write(rec); err != nil {
					errs <- err
					return
				}
				if i%100 == 0 {
					if err := w.Flush(context.Background()); err != nil {
						errs <- err
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := w.Stats(); st.Rows != writers*each || st.Files != int64(dest.files) {
		t.Errorf("Stats = %+v with %d files put, want %d rows", st, dest.files, writers*each)
	}
}

// failingDest fails every Put until healed.
type failingDest struct {
	countingDest
	mu     sync.Mutex
	broken bool
}

func (d *failingDest) Put(ctx context.Context, key string, data []byte) error {
	d.mu.Lock()
	broken := d.broken
	d.mu.Unlock()
	if broken {
		return fmt.Errorf("disk full")
	}
	return d.countingDest.Put(ctx, key, data)
}

func TestLake_FailedFilesAreKeptAndRetried(t *testing.T) {
	lt := testLogTypes(t)[1]
	dest := &failingDest{broken: true}
	w, err := NewLake(dest, Options{BufferSize: 1 << 10, BufferInterval: time.Hour, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	g := newGen(8)
	for i := range 200 {
		if err := w.Write(g.record(lt, i, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))); err != nil {
			t.Fatalf("Write = %v; a row is accepted even when its file cannot be stored yet", err)
		}
	}
	if err := w.Flush(context.Background()); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Flush = %v, want the storage error", err)
	}
	if st := w.Stats(); st.Rows != 0 {
		t.Fatalf("Stats().Rows = %d while storage fails", st.Rows)
	}
	dest.mu.Lock()
	dest.broken = false
	dest.mu.Unlock()
	if err := w.Close(context.Background()); err != nil {
		t.Fatalf("Close after healing = %v", err)
	}
	if st := w.Stats(); st.Rows != 200 {
		t.Errorf("Stats().Rows = %d after healing, want 200", st.Rows)
	}
}

func TestLake_RowGroupRows(t *testing.T) {
	lt := testLogTypes(t)[1]
	lake := t.TempDir()
	w, err := NewLake(NewDir(lake), Options{RowGroupRows: 4000})
	if err != nil {
		t.Fatal(err)
	}
	g := newGen(12)
	for i := range 10_000 {
		if err := w.Write(g.record(lt, i, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	db := duckdbtest.Open(t)
	glob := duckdbtest.Quote(filepath.Join(lake, "parquet/test_auth/*/*.parquet"))
	got := duckdbtest.Query(t, db, "SELECT row_group_id, any_value(row_group_num_rows) FROM parquet_metadata("+glob+") GROUP BY ALL ORDER BY 1")
	if fmt.Sprint(got) != "[[0 4000] [1 4000] [2 2000]]" {
		t.Errorf("row groups (id, rows) = %v, want 4000, 4000, 2000", got)
	}
}
