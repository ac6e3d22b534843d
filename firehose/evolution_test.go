package firehose

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/streamalert/streamalert/internal/duckdbtest"
	"github.com/streamalert/streamalert/schema"
)

func parseOne(t *testing.T, def string) *schema.LogType {
	t.Helper()
	lts, errs := schema.ParseDefinitions("evolution.yaml", []byte(def))
	if len(errs) > 0 || len(lts) != 1 {
		t.Fatalf("definition: %v", errs)
	}
	return lts[0]
}

// TestLake_NewOptionalFieldReadsWithOlderFiles: a log type gains optional
// fields (one between existing ones, one at the end, one inside an object);
// files written before and after read together, by name, with nulls where
// older files lack a column.
func TestLake_NewOptionalFieldReadsWithOlderFiles(t *testing.T) {
	v1 := parseOne(t, `
name: evo:app
parser: {type: json}
fields:
  - {name: user}
  - name: ctx
    type: object
    fields: [{name: host}]
  - {name: n, type: bigint}
`)
	v2 := parseOne(t, `
name: evo:app
parser: {type: json}
fields:
  - {name: user}
  - {name: role}
  - name: ctx
    type: object
    fields: [{name: host}, {name: port, type: int}]
  - {name: n, type: bigint}
  - {name: tags, type: "array<string>"}
`)
	lake := t.TempDir()
	at := time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)
	write := func(lt *schema.LogType, rows [][]schema.Value, first int) {
		w, err := NewLake(NewDir(lake), Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i, vals := range rows {
			id := fmt.Sprintf("r%02d", first+i)
			if err := w.Write(&schema.Record{LogType: lt, ID: id, IngestTime: at, Values: vals}); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	write(v1, [][]schema.Value{
		{schema.Str("ann"), schema.Object(schema.Str("h1")), schema.Int(1)},
		{schema.Str("bob"), {}, schema.Int(2)},
	}, 0)
	write(v2, [][]schema.Value{
		{schema.Str("cat"), schema.Str("admin"), schema.Object(schema.Str("h2"), schema.Value{Kind: schema.KindInt, I: 443}), schema.Int(3), schema.Array(schema.Str("x"))},
	}, 2)
	if n := countParquet(lake); n != 2 {
		t.Fatalf("%d files, want 2", n)
	}
	db := duckdbtest.Open(t)
	got := duckdbtest.Query(t, db, "SELECT sa_record_id, \"user\", role, ctx, n, tags FROM "+
		duckdbtest.ReadParquet(filepath.Join(lake, "parquet", "evo_app"))+" ORDER BY sa_record_id")
	want := [][]any{
		{"r00", "ann", nil, map[string]any{"host": "h1", "port": nil}, int64(1), nil},
		{"r01", "bob", nil, nil, int64(2), nil},
		{"r02", "cat", "admin", map[string]any{"host": "h2", "port": int32(443)}, int64(3), []any{"x"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows:\n got %#v\nwant %#v", got, want)
	}
}
