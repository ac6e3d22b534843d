package queries_test

import (
	"testing"
	"time"

	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/internal/sqlgrammar"
	"github.com/streamalert/streamalert/queries"
)

// TestExampleHunts: the hunts the example config ships load, render for
// both dialects, and their Athena text parses as Trino.
func TestExampleHunts(t *testing.T) {
	hs, errs := queries.LoadHunts(config.Example(), "hunts")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(hs) < 2 {
		t.Fatalf("%d example hunts, want 2", len(hs))
	}
	var names, stmts []string
	for _, h := range hs {
		if h.Description == "" {
			t.Errorf("%s: no description", h.Name)
		}
		start, end := h.Window(time.Now())
		for _, d := range []queries.Dialect{queries.DuckDB, queries.Athena} {
			sql, err := h.Render(d, start, end, nil)
			if err != nil {
				t.Errorf("%s: %v", h.Name, err)
			}
			if d == queries.Athena {
				names, stmts = append(names, h.Name), append(stmts, sql)
			}
		}
	}
	for i, errs := range sqlgrammar.Check(t, sqlgrammar.Trino, stmts) {
		if len(errs) > 0 {
			t.Errorf("%s: Athena text does not parse as Trino: %+v\n%s", names[i], errs, stmts[i])
		}
	}
}
