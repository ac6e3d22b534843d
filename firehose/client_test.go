package firehose

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/streamalert/streamalert/firehose/firehosetest"
	"github.com/streamalert/streamalert/firehose/internal/synth"
	"github.com/streamalert/streamalert/internal/duckdbtest"
	"github.com/streamalert/streamalert/schema"
)

const testPrefix = "test"

// newFakeFirehose starts a fake Firehose serving the streams of tables and
// returns it with an SDK client pointed at it. The SDK's own retries are
// off so that every call the Client makes reaches the server once.
func newFakeFirehose(t *testing.T, tables ...string) (*firehosetest.Server, *firehose.Client) {
	t.Helper()
	var streams []string
	for _, tb := range tables {
		streams = append(streams, StreamName(testPrefix, tb))
	}
	srv := firehosetest.NewServer(streams...)
	t.Cleanup(srv.Close)
	api := firehose.New(firehose.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       srv.Client(),
	})
	return srv, api
}

// newTestClient returns a Client that records its backoff waits instead of
// sleeping.
func newTestClient(api FirehoseAPI) (*Client, *[]time.Duration) {
	c := NewClient(api, testPrefix)
	var mu sync.Mutex
	waits := &[]time.Duration{}
	c.sleep = func(_ context.Context, d time.Duration) error {
		mu.Lock()
		*waits = append(*waits, d)
		mu.Unlock()
		return nil
	}
	return c, waits
}

func TestStreamName(t *testing.T) {
	if got := StreamName("prod", "cloudtrail_events"); got != "prod_streamalert_cloudtrail_events" {
		t.Errorf("StreamName = %q", got)
	}
}

func TestClient_DeliversEveryRecordToItsTableStream(t *testing.T) {
	lts := testLogTypes(t)
	srv, api := newFakeFirehose(t, "test_web", "test_auth", "synth_cloudtrail", UnclassifiedTableName)
	c, _ := newTestClient(api)
	g := newGen(10)
	at := time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC)
	want := map[string][]string{} // stream → JSON lines in order
	for i := range 1200 {
		lt := lts[i%len(lts)]
		rec := g.record(lt, i, at)
		if lt.Name == "synth:cloudtrail" {
			rec = synth.Records(1, uint64(i))[0]
		}
		if err := c.Write(rec); err != nil {
			t.Fatal(err)
		}
		tb := lt.Table()
		want[tb] = append(want[tb], string(appendRowJSON(nil, lt.Columns(), recordRowOf(t, rec)))+"\n")
	}
	u := &schema.Unclassified{ID: "u1", Source: "s", Raw: []byte("raw \"text\""), Reason: "no match", IngestTime: at}
	if err := c.WriteUnclassified(u); err != nil {
		t.Fatal(err)
	}
	want[UnclassifiedTableName] = []string{`{"reason":"no match","raw":"raw \"text\"","sa_event_time":"2024-02-03 04:05:06.000000","sa_ingest_time":"2024-02-03 04:05:06.000000","sa_record_id":"u1","sa_source":"s"}` + "\n"}
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	for tb, lines := range want {
		got := srv.Records(StreamName(testPrefix, tb))
		if len(got) != len(lines) {
			t.Errorf("stream of %s got %d records, want %d", tb, len(got), len(lines))
			continue
		}
		for i := range lines {
			if string(got[i]) != lines[i] {
				t.Errorf("stream of %s record %d:\n got %s\nwant %s", tb, i, got[i], lines[i])
				break
			}
		}
	}
	// 400 records of each log type's stream and 1 unclassified: one call
	// per stream.
	if _, sizes := srv.Calls(); fmt.Sprint(sizes) != "[400 400 400 1]" {
		t.Errorf("records per call = %v, want one call per stream", sizes)
	}
}

// recordRowOf lays a record out as its table row, through a fresh table.
func recordRowOf(t *testing.T, rec *schema.Record) []schema.Value {
	t.Helper()
	tb, err := newTable(rec.LogType)
	if err != nil {
		t.Fatal(err)
	}
	return tb.recordRow(rec)
}

func TestClient_BatchesWithinServiceLimits(t *testing.T) {
	lt := testLogTypes(t)[1] // test:auth
	srv, api := newFakeFirehose(t, lt.Table())
	c, _ := newTestClient(api)
	at := time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC)
	var ids []string
	add := func(detail string, n int) {
		for range n {
			id := fmt.Sprintf("r%05d", len(ids))
			ids = append(ids, id)
			rec := &schema.Record{LogType: lt, ID: id, IngestTime: at, Values: []schema.Value{schema.Str(id), {}, {}, {}, schema.JSONText(detail)}}
			if err := c.Write(rec); err != nil {
				t.Fatal(err)
			}
		}
	}
	add(`"small"`, 1234)                                    // the 500-record limit cuts these
	add(`"`+strings.Repeat("x", 300<<10)+`"`, 30)           // the 4 MiB limit cuts these
	add(`"`+strings.Repeat("y", MaxRecordBytes-300)+`"`, 5) // just under the record limit
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := srv.Records(StreamName(testPrefix, lt.Table()))
	if len(got) != len(ids) {
		t.Fatalf("delivered %d records, want %d", len(got), len(ids))
	}
	for i, d := range got {
		var m map[string]any
		if err := json.Unmarshal(d, &m); err != nil || m["user"] != ids[i] {
			t.Fatalf("record %d = %.80s (err %v), want user %s", i, d, err, ids[i])
		}
	}
	// Batches fill greedily in order: 500 and 500 small records; the last
	// 234 small ones with 13 of the 300 KiB ones (14 would pass 4 MiB); 13
	// more; the last 4 with 2 of the ~1000 KiB ones; the last 3 of those.
	_, sizes := srv.Calls()
	want := []int{500, 500, 247, 13, 6, 3}
	if fmt.Sprint(sizes) != fmt.Sprint(want) {
		t.Errorf("records per call = %v, want %v", sizes, want)
	}
}

func TestClient_OversizeRecordIsReturnedAsUnclassified(t *testing.T) {
	lt := testLogTypes(t)[1]
	_, api := newFakeFirehose(t, lt.Table())
	c, _ := newTestClient(api)
	at := time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC)
	raw := []byte(`{"user":"big"}`)
	rec := &schema.Record{LogType: lt, ID: "big1", Source: "src", Raw: raw, IngestTime: at,
		Values: []schema.Value{schema.Str("big"), {}, {}, {}, schema.JSONText(strings.Repeat("z", MaxRecordBytes))}}
	err := c.Write(rec)
	var oe *OversizeError
	if !errors.As(err, &oe) {
		t.Fatalf("Write = %v, want *OversizeError", err)
	}
	size := len(appendRowJSON(nil, lt.Columns(), recordRowOf(t, rec))) + 1
	wantReason := fmt.Sprintf("record is %d bytes, Firehose limit 1000 KiB", size)
	u := oe.Unclassified
	if u.Reason != wantReason || u.ID != "big1" || u.Source != "src" || string(u.Raw) != string(raw) || !u.IngestTime.Equal(at) || oe.Size != size {
		t.Errorf("unclassified = %+v size %d, want reason %q and the record's id, source, raw and time", u, oe.Size, wantReason)
	}
	// The record was not queued, not cut.
	c.mu.Lock()
	n := len(c.queues[lt.Table()])
	c.mu.Unlock()
	if n != 0 {
		t.Errorf("%d records queued after an oversize write", n)
	}
}

func TestClient_RetriesOnlyFailedEntries(t *testing.T) {
	lt := testLogTypes(t)[1]
	srv, api := newFakeFirehose(t, lt.Table())
	// Call 1 fails every third record, call 2 the first of those again.
	srv.Fail = func(_ string, call, i int, _ []byte) (string, string) {
		if (call == 1 && i%3 == 0) || (call == 2 && i == 0) {
			return "ServiceUnavailableException", "Slow down."
		}
		return "", ""
	}
	c, waits := newTestClient(api)
	c.BaseDelay, c.MaxDelay = 100*time.Millisecond, time.Second
	g := newGen(5)
	for i := range 300 {
		if err := c.Write(g.record(lt, i, time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, sizes := srv.Calls()
	if fmt.Sprint(sizes) != "[300 100 1]" {
		t.Errorf("records per call = %v, want [300 100 1]", sizes)
	}
	got := srv.Records(StreamName(testPrefix, lt.Table()))
	seen := map[string]int{}
	for _, d := range got {
		seen[string(d)]++
	}
	if len(got) != 300 || len(seen) != 300 {
		t.Errorf("delivered %d records, %d distinct; want 300 each exactly once", len(got), len(seen))
	}
	if len(*waits) != 2 {
		t.Fatalf("waited %d times, want 2", len(*waits))
	}
	for i, w := range *waits {
		if limit := 100 * time.Millisecond << i; w < 0 || w > limit {
			t.Errorf("wait %d = %v, want within [0, %v]", i+1, w, limit)
		}
	}
}

func TestClient_ReportsUndeliverableRecords(t *testing.T) {
	lt := testLogTypes(t)[1]
	srv, api := newFakeFirehose(t, lt.Table())
	srv.Fail = func(_ string, _, _ int, d []byte) (string, string) {
		if strings.Contains(string(d), "poison") {
			return "InternalFailure", "cannot take it"
		}
		return "", ""
	}
	c, waits := newTestClient(api)
	c.MaxAttempts = 4
	for i := range 10 {
		user := fmt.Sprint("ok", i)
		if i%4 == 0 {
			user = fmt.Sprint("poison", i)
		}
		rec := &schema.Record{LogType: lt, ID: user, IngestTime: time.Now(), Values: []schema.Value{schema.Str(user)}}
		if err := c.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	err := c.Flush(context.Background())
	var de *DeliveryError
	if !errors.As(err, &de) {
		t.Fatalf("Flush = %v, want *DeliveryError", err)
	}
	var ids []string
	for _, f := range de.Failures {
		ids = append(ids, f.RecordID)
		if f.Code != "InternalFailure" || f.Message != "cannot take it" || f.Stream != StreamName(testPrefix, lt.Table()) {
			t.Errorf("failure = %+v", f)
		}
	}
	if fmt.Sprint(ids) != "[poison0 poison4 poison8]" {
		t.Errorf("undelivered = %v, want [poison0 poison4 poison8]", ids)
	}
	if n := len(srv.Records(StreamName(testPrefix, lt.Table()))); n != 7 {
		t.Errorf("delivered %d, want 7", n)
	}
	if calls, _ := srv.Calls(); calls != 4 || len(*waits) != 3 {
		t.Errorf("calls = %d, waits = %d; want 4 attempts and 3 waits", calls, len(*waits))
	}
	if !strings.Contains(err.Error(), "3 records not delivered") {
		t.Errorf("error text = %q", err)
	}
}

func TestClient_UnknownStreamIsNotRetried(t *testing.T) {
	lt := testLogTypes(t)[1]
	srv, api := newFakeFirehose(t) // no streams
	c, waits := newTestClient(api)
	if err := c.Write(&schema.Record{LogType: lt, ID: "a", Values: []schema.Value{schema.Str("a")}}); err != nil {
		t.Fatal(err)
	}
	err := c.Flush(context.Background())
	var de *DeliveryError
	if !errors.As(err, &de) || len(de.Failures) != 1 || de.Failures[0].Code != "ResourceNotFoundException" {
		t.Fatalf("Flush = %v, want a ResourceNotFoundException failure", err)
	}
	if calls, _ := srv.Calls(); calls != 1 || len(*waits) != 0 {
		t.Errorf("calls = %d, waits = %d; want 1 and 0", calls, len(*waits))
	}
}

func TestClient_RetriesFailedCalls(t *testing.T) {
	lt := testLogTypes(t)[1]
	srv, api := newFakeFirehose(t, lt.Table())
	srv.CallError = func(call int) (int, string, string) {
		if call <= 2 {
			return 503, "ServiceUnavailableException", "try later"
		}
		return 0, "", ""
	}
	c, waits := newTestClient(api)
	for i := range 3 {
		if err := c.Write(&schema.Record{LogType: lt, ID: fmt.Sprint(i), Values: []schema.Value{schema.Str("u")}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Records(StreamName(testPrefix, lt.Table()))); n != 3 || len(*waits) != 2 {
		t.Errorf("delivered %d after %d waits, want 3 after 2", n, len(*waits))
	}
}

// TestFakeFirehose_RejectsWhatTheServiceRejects checks the test server
// itself, so that the tests above prove the client stays within limits.
func TestFakeFirehose_RejectsWhatTheServiceRejects(t *testing.T) {
	_, api := newFakeFirehose(t, "s")
	stream := StreamName(testPrefix, "s")
	recs := func(n, size int) []types.Record {
		out := make([]types.Record, n)
		for i := range out {
			out[i] = types.Record{Data: []byte(strings.Repeat("a", size))}
		}
		return out
	}
	for _, c := range []struct {
		name   string
		stream string
		recs   []types.Record
		code   string
	}{
		{"501 records", stream, recs(501, 10), "ValidationException"},
		{"record over 1000 KiB", stream, recs(1, MaxRecordBytes+1), "ValidationException"},
		{"over 4 MiB", stream, recs(5, 900<<10), "InvalidArgumentException"},
		{"unknown stream", "nope", recs(1, 10), "ResourceNotFoundException"},
		{"limits exactly", stream, recs(500, 10), ""},
		{"4 MiB exactly", stream, append(recs(4, MaxRecordBytes), recs(1, MaxBatchBytes-4*MaxRecordBytes)...), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := api.PutRecordBatch(context.Background(), &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String(c.stream), Records: c.recs})
			if got := ""; err != nil {
				got = errorCode(err)
				if got != c.code {
					t.Errorf("error code = %s (%v), want %q", got, err, c.code)
				}
			} else if c.code != "" {
				t.Errorf("accepted, want %s", c.code)
			}
		})
	}
}

// TestClientJSON_ReadsAsTheParquetColumns checks that the JSON sent to
// Firehose holds the same typed values as the Parquet the Lake writes:
// DuckDB reads both, typed by the table's columns, to the same rows.
func TestClientJSON_ReadsAsTheParquetColumns(t *testing.T) {
	lts := testLogTypes(t)
	dir := t.TempDir()
	db := duckdbtest.Open(t)
	g := newGen(21)
	at := time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC)
	for _, lt := range lts {
		cols := lt.Columns()
		var lines []byte
		w, err := NewLake(NewDir(dir), Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 300 {
			rec := g.record(lt, i, at)
			if lt.Name == "synth:cloudtrail" {
				rec = synth.Records(1, uint64(i))[0]
			}
			lines = append(appendRowJSON(lines, cols, recordRowOf(t, rec)), '\n')
			if err := w.Write(rec); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		jsonFile := filepath.Join(dir, lt.Table()+".json")
		if err := os.WriteFile(jsonFile, lines, 0o644); err != nil {
			t.Fatal(err)
		}
		var colTypes []string
		for _, c := range cols {
			colTypes = append(colTypes, duckdbtest.Quote(c.Name)+": "+duckdbtest.Quote(duckType(c.Type)))
		}
		fromJSON := duckdbtest.Query(t, db, fmt.Sprintf(`SELECT * FROM read_json(%s, format='newline_delimited',
			columns={%s}, timestampformat='%%Y-%%m-%%d %%H:%%M:%%S.%%f') ORDER BY sa_record_id`,
			duckdbtest.Quote(jsonFile), strings.Join(colTypes, ", ")))
		fromParquet := duckdbtest.Query(t, db, "SELECT * EXCLUDE (dt) FROM "+duckdbtest.ReadParquet(filepath.Join(dir, "parquet", lt.Table()))+" ORDER BY sa_record_id")
		if len(fromJSON) != 300 || len(fromParquet) != 300 {
			t.Fatalf("%s: %d rows from JSON, %d from Parquet, want 300", lt.Name, len(fromJSON), len(fromParquet))
		}
		for i := range fromJSON {
			j, p := normalizeTimes(fromJSON[i]), normalizeTimes(fromParquet[i])
			if fmt.Sprintf("%#v", j) != fmt.Sprintf("%#v", p) {
				t.Fatalf("%s row %d:\n JSON    %#v\n Parquet %#v", lt.Name, i, j, p)
			}
		}
	}
}

// duckType is the DuckDB type of a column type, as a view over the lake
// declares it.
func duckType(t schema.Type) string {
	switch t.Kind {
	case schema.KindInt:
		return "INTEGER"
	case schema.KindBigint:
		return "BIGINT"
	case schema.KindFloat:
		return "DOUBLE"
	case schema.KindBool:
		return "BOOLEAN"
	case schema.KindTimestamp:
		return "TIMESTAMPTZ"
	case schema.KindArray:
		return duckType(*t.Elem) + "[]"
	case schema.KindObject:
		var fs []string
		for _, f := range t.Fields {
			fs = append(fs, `"`+f.Column+`" `+duckType(f.Type))
		}
		return "STRUCT(" + strings.Join(fs, ", ") + ")"
	}
	return "VARCHAR"
}
