package firehose

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/streamalert/streamalert/schema"
)

// TestFileWriter_ReusedWriterWritesSameBytes writes the same rows as
// consecutive files of one table, each time with the row encoder the
// previous file left in the pool, and checks that every file is byte for
// byte the file a fresh writer makes. The tables' files alternate with files
// of other rows, so a reused encoder has held different data. With auto
// compression a reused writer keeps its columns' codec choices (on purpose,
// see pqWriter.compress), so its files may differ in bytes: they must hold
// the same rows.
func TestFileWriter_ReusedWriterWritesSameBytes(t *testing.T) {
	ingest := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, lt := range testLogTypes(t) {
		for _, comp := range []string{CompressionZstd, CompressionSnappy, CompressionAuto} {
			t.Run(lt.Name+"/"+comp, func(t *testing.T) {
				tb, err := newTable(lt)
				if err != nil {
					t.Fatal(err)
				}
				batches := make([][][]schema.Value, 3)
				for b := range batches {
					g := newGen(uint64(b + 1))
					for i := range 5000 + 1500*b {
						row := tb.recordRow(g.record(lt, i, ingest))
						batches[b] = append(batches[b], append([]schema.Value(nil), row...))
					}
				}
				write := func(pool *writerPool, rows [][]schema.Value) []byte {
					return writeFile(t, tb, fileSpec{compression: comp, pool: pool, groupRows: 2000}, rows)
				}
				pool := &writerPool{}
				for round := range 2 {
					for b, rows := range batches {
						want := write(nil, rows)
						got := write(pool, rows)
						if comp == CompressionAuto {
							if g, w := readAllRows(t, got), readAllRows(t, want); !reflect.DeepEqual(g, w) {
								t.Fatalf("round %d, batch %d: file from a reused writer reads back other rows than a fresh writer's", round, b)
							}
						} else if !bytes.Equal(got, want) {
							t.Fatalf("round %d, batch %d: file from a reused writer (%d bytes) differs from a fresh writer's (%d bytes)", round, b, len(got), len(want))
						}
					}
				}
				if len(pool.ws) == 0 {
					t.Fatal("no encoder was kept for reuse")
				}
			})
		}
	}
}

// readAllRows reads a file's rows with parquet-go.
func readAllRows(t *testing.T, data []byte) []map[string]any {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]map[string]any, f.NumRows())
	for i := range rows {
		rows[i] = map[string]any{}
	}
	r := parquet.NewGenericReader[map[string]any](f, f.Schema())
	if n, _ := r.Read(rows); n != len(rows) {
		t.Fatalf("read %d of %d rows", n, len(rows))
	}
	return rows
}
