package historical

import (
	"context"
	"github.com/streamalert/streamalert/internal/schematest"
	"testing"
	"time"

	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/schema"
)

// testRegistry is the built-in log types plus the compiler's test types.
func testRegistry(t testing.TB) *schema.Registry {
	return schematest.Registry(t, "../queries/testdata/logtypes.yaml")
}

// classify turns JSON payloads into records of a log type, arriving at the
// given times (one per payload, cycling).
func classify(t testing.TB, reg *schema.Registry, logType string, payloads []string, arrivals ...time.Time) []*schema.Record {
	t.Helper()
	lt := reg.Get(logType)
	if lt == nil {
		t.Fatalf("no log type %s", logType)
	}
	if len(arrivals) == 0 {
		arrivals = []time.Time{time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)}
	}
	cls := schema.NewClassifier(reg)
	var out []*schema.Record
	for i, p := range payloads {
		in := schema.Input{Source: "test", Types: []*schema.LogType{lt}, IngestTime: arrivals[i%len(arrivals)]}
		err := cls.Classify([]byte(p), in, func(r *schema.Record) { out = append(out, r) },
			func(u *schema.Unclassified) { t.Fatalf("payload %s did not classify: %s", p, u.Reason) })
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// writeLake writes records into a lake directory with the embedded firehose.
func writeLake(t testing.TB, dir string, recs []*schema.Record) {
	t.Helper()
	ctx := context.Background()
	lake, err := firehose.NewLake(firehose.NewDir(dir), firehose.Options{BufferInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := lake.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := lake.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// openEngine opens an engine over dir for the registry's log types.
func openEngine(t testing.TB, dir string, reg *schema.Registry) *Engine {
	t.Helper()
	e, err := Open(context.Background(), dir, reg.All(), Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// queryStrings runs a query and returns its rows as text.
func queryStrings(t testing.TB, e *Engine, q string) [][]string {
	t.Helper()
	res, err := e.Query(context.Background(), q, nil)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	cols, _ := res.Rows.Columns()
	var out [][]string
	for res.Rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := res.Rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = cell(v)
		}
		out = append(out, row)
	}
	if _, err := res.Finish(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}
