package historical

import (
	"fmt"
	"testing"

	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/internal/duckdbtest"
)

// TestEngine_ViewIsTheSchemaDefinition: the statement the engine ran for
// each table is schema's DuckDBViewOver for what the lake holds, and run
// on its own in another DuckDB it gives the same table.
func TestEngine_ViewIsTheSchemaDefinition(t *testing.T) {
	reg := testRegistry(t)
	dir := t.TempDir()
	writeLake(t, dir, classify(t, reg, "sqltest:events", []string{`{"name":"a","count":3}`, `{"name":"b"}`}))
	e := openEngine(t, dir, reg)
	lt := reg.Get("sqltest:events")
	got, ok := e.View(lt.Table())
	if want := lt.DuckDBView(e.Lake()); !ok || got != want {
		t.Errorf("view of a table with files:\n%s\nwant\n%s", got, want)
	}
	if got, ok := e.View(firehose.Alerts.Table()); !ok || got != firehose.Alerts.DuckDBViewOver(e.Lake(), nil) {
		t.Errorf("view of a table without files:\n%s\nwant the empty relation", got)
	}
	if _, ok := e.View("no_such_table"); ok {
		t.Error("View of an unknown table reports one")
	}
	q := "SELECT name, count, dt FROM sqltest_events ORDER BY name"
	db := duckdbtest.Open(t)
	duckdbtest.Exec(t, db, got)
	var alone [][]string
	for _, row := range duckdbtest.Query(t, db, q) {
		var cells []string
		for _, v := range row {
			cells = append(cells, cell(v))
		}
		alone = append(alone, cells)
	}
	if a, b := fmt.Sprint(queryStrings(t, e, q)), fmt.Sprint(alone); a != b || len(alone) != 2 {
		t.Errorf("engine reads %s, the view statement on its own %s", a, b)
	}
}
