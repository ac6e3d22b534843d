package firehose

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pqfile "github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/parquet-go/parquet-go"

	"github.com/streamalert/streamalert/internal/duckdbtest"
	"github.com/streamalert/streamalert/schema"
)

// The lake's files, as the Lake writes them with several row groups each,
// read back by three independent readers: parquet-go, Apache Arrow's Go
// Parquet reader (arrow-go, pqarrow) and DuckDB (through the table's view).
// Each must see every row group and every value as written.

func TestLake_SeveralRowGroupsReadBackByThreeReaders(t *testing.T) {
	const n, groupRows = 2500, 700 // 4 row groups: 700, 700, 700, 400
	wantGroups := []int64{700, 700, 700, 400}
	lake := t.TempDir()
	w, err := NewLake(NewDir(lake), Options{RowGroupRows: groupRows})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	lts := testLogTypes(t)
	written := map[string][]*schema.Record{} // table → records in write order
	g := newGen(21)
	for i := range n {
		for _, lt := range lts {
			rec := g.record(lt, i, at)
			if err := w.Write(rec); err != nil {
				t.Fatal(err)
			}
			written[lt.Table()] = append(written[lt.Table()], rec)
		}
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	db := duckdbtest.Open(t)
	for _, lt := range lts {
		t.Run(lt.Table(), func(t *testing.T) {
			recs := written[lt.Table()]
			tb, err := newTable(lt)
			if err != nil {
				t.Fatal(err)
			}
			files, _ := filepath.Glob(filepath.FromSlash(schema.TableGlob(lake, lt.Table())))
			if len(files) != 1 {
				t.Fatalf("%d files, want the one file of the hour: %v", len(files), files)
			}
			data, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			// want: each row as parquet-go and arrow give it back, with
			// timestamps as their int64 microseconds.
			want := make([]map[string]any, len(recs))
			for i, rec := range recs {
				row := tb.recordRow(rec)
				want[i] = map[string]any{}
				for j, col := range tb.cols {
					want[i][col.Name] = readBackValue(col.Type, row[j])
				}
			}

			groups, got := readParquetGo(t, data)
			checkReader(t, "parquet-go", groups, wantGroups, got, want)
			groups, got = readArrow(t, data)
			checkReader(t, "arrow", groups, wantGroups, got, want)

			meta := duckdbtest.Query(t, db, "SELECT row_group_num_rows FROM parquet_metadata("+duckdbtest.Quote(filepath.ToSlash(files[0]))+") GROUP BY row_group_id, row_group_num_rows ORDER BY row_group_id")
			var duckGroups []int64
			for _, r := range meta {
				duckGroups = append(duckGroups, r[0].(int64))
			}
			if !reflect.DeepEqual(duckGroups, wantGroups) {
				t.Errorf("DuckDB: row groups of %v rows, want %v", duckGroups, wantGroups)
			}
			sorted := append([]*schema.Record(nil), recs...)
			sortByID(sorted)
			rows := make([][]any, len(sorted))
			dts := make([]string, len(sorted))
			for i, rec := range sorted {
				rows[i], dts[i] = expectedRecordRow(rec), schema.PartitionOf(at)
			}
			compareRows(t, lt.Table(), readTable(t, db, lake, lt), rows, dts)
		})
	}
}

// checkReader compares what one reader gave back with what was written.
func checkReader(t *testing.T, reader string, groups, wantGroups []int64, got, want []map[string]any) {
	t.Helper()
	if !reflect.DeepEqual(groups, wantGroups) {
		t.Errorf("%s: row groups of %v rows, want %v", reader, groups, wantGroups)
	}
	if len(got) != len(want) {
		t.Fatalf("%s: read %d rows, wrote %d", reader, len(got), len(want))
	}
	bad := 0
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			if bad++; bad <= 3 {
				t.Errorf("%s: row %d read back as\n%v\nwant\n%v", reader, i, got[i], want[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d rows differ", reader, bad, len(want))
	}
}

// readParquetGo reads a file with parquet-go: the rows of each row group
// in turn, and the row count of each group.
func readParquetGo(t *testing.T, data []byte) (groups []int64, rows []map[string]any) {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("parquet-go cannot open the file: %v", err)
	}
	for _, rg := range f.RowGroups() {
		groups = append(groups, rg.NumRows())
		r := parquet.NewGenericRowGroupReader[map[string]any](rg, rg.Schema())
		part := make([]map[string]any, rg.NumRows())
		for i := range part {
			part[i] = map[string]any{}
		}
		if n, err := r.Read(part); int64(n) != rg.NumRows() {
			t.Fatalf("parquet-go: read %d of the %d rows of a row group: %v", n, rg.NumRows(), err)
		}
		r.Close()
		rows = append(rows, part...)
	}
	return groups, rows
}

// readArrow reads a file with arrow-go's Parquet reader into an Arrow
// table and turns its rows into Go values: timestamps (which must be UTC
// microseconds) as int64, lists as []any, structs as map[string]any.
func readArrow(t *testing.T, data []byte) (groups []int64, rows []map[string]any) {
	t.Helper()
	pf, err := pqfile.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("arrow cannot open the file: %v", err)
	}
	defer pf.Close()
	for i := range pf.NumRowGroups() {
		groups = append(groups, pf.RowGroup(i).NumRows())
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, memory.DefaultAllocator)
	if err != nil {
		t.Fatalf("arrow: %v", err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatalf("arrow: read: %v", err)
	}
	defer tbl.Release()
	rows = make([]map[string]any, tbl.NumRows())
	for i := range rows {
		rows[i] = map[string]any{}
	}
	for c := range int(tbl.NumCols()) {
		col := tbl.Column(c)
		i := 0
		for _, chunk := range col.Data().Chunks() {
			for j := range chunk.Len() {
				v, err := arrowValue(chunk, j)
				if err != nil {
					t.Fatalf("arrow: column %s: %v", col.Name(), err)
				}
				rows[i][col.Name()] = v
				i++
			}
		}
	}
	return groups, rows
}

// arrowValue is the value at i of an Arrow array as a Go value.
func arrowValue(a arrow.Array, i int) (any, error) {
	if a.IsNull(i) {
		return nil, nil
	}
	switch a := a.(type) {
	case *array.String:
		return a.Value(i), nil
	case *array.Int32:
		return a.Value(i), nil
	case *array.Int64:
		return a.Value(i), nil
	case *array.Float64:
		return a.Value(i), nil
	case *array.Boolean:
		return a.Value(i), nil
	case *array.Timestamp:
		ts := a.DataType().(*arrow.TimestampType)
		if ts.Unit != arrow.Microsecond || ts.TimeZone != "UTC" {
			return nil, fmt.Errorf("timestamp type %s, want microseconds adjusted to UTC", ts)
		}
		return int64(a.Value(i)), nil
	case *array.List:
		start, end := a.ValueOffsets(i)
		out := make([]any, 0, end-start)
		for k := start; k < end; k++ {
			v, err := arrowValue(a.ListValues(), int(k))
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		out := make(map[string]any, a.NumField())
		for f := range a.NumField() {
			v, err := arrowValue(a.Field(f), i)
			if err != nil {
				return nil, err
			}
			out[st.Field(f).Name] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected Arrow type %s", a.DataType())
}
