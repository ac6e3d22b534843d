package historical

import (
	"context"
	"github.com/streamalert/streamalert/internal/laketest"
	"github.com/streamalert/streamalert/internal/schematest"
	"testing"
	"time"

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
	return laketest.Classify(t, reg, logType, payloads, arrivals...)
}

// writeLake writes records into a lake directory with the embedded firehose.
func writeLake(t testing.TB, dir string, recs []*schema.Record) {
	t.Helper()
	laketest.Write(t, dir, recs)
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
