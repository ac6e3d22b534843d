package firehose

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/streamalert/streamalert/schema"
)

// The lake writer's files are checked against an independent reader,
// parquet-go's: it must see the schema referenceSchema builds with
// parquet-go's own types, and read back every row as written, across row
// groups, many pages, dictionary and plain strings and a dictionary that
// overflows mid-chunk. (The DuckDB tests in lake_test.go check the same
// files through a second reader.)

// restring returns v with every string in it changed by f.
func restring(v schema.Value, f func(string) string) schema.Value {
	switch v.Kind {
	case schema.KindString, schema.KindIP:
		v.S = f(v.S)
	case schema.KindArray, schema.KindObject:
		l := make([]schema.Value, len(v.L))
		for i, e := range v.L {
			l[i] = restring(e, f)
		}
		v.L = l
	}
	return v
}

// readBackValue is what parquet-go reads into a map[string]any for v:
// timestamps as their int64 microseconds.
func readBackValue(t schema.Type, v schema.Value) any {
	return valueAs(t, v, func(us int64) any { return us })
}

type writeCase struct {
	name                    string
	strings                 string // "": as generated (~450 values); "distinct"; "few" (8 values)
	pageBytes, dictMaxBytes int    // 0: the defaults
	compression             string // "": auto
}

var writeCases = []writeCase{
	{name: "generated"},
	{name: "generated-zstd", compression: CompressionZstd},
	{name: "generated-snappy", compression: CompressionSnappy},
	{name: "distinct", strings: "distinct"},
	{name: "few-values-small-dictionaries", strings: "few", pageBytes: 700, dictMaxBytes: 40},
	{name: "distinct-small-pages", strings: "distinct", pageBytes: 700},
}

// writeRows writes rows (3 row groups' worth) as one file and returns it.
func writeRows(t *testing.T, tb *table, c writeCase, rows [][]schema.Value) []byte {
	t.Helper()
	return writeFile(t, tb, fileSpec{compression: c.compression, groupRows: int64(len(rows)/3 + 1),
		pageBytes: c.pageBytes, dictMaxBytes: c.dictMaxBytes}, rows)
}

func testRows(t *testing.T, tb *table, lt *schema.LogType, mode string, n int) [][]schema.Value {
	ingest := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	g := newGen(42)
	rows := make([][]schema.Value, n)
	for i := range rows {
		row := append([]schema.Value(nil), tb.recordRow(g.record(lt, i, ingest))...)
		for j := range row {
			switch mode {
			case "distinct":
				row[j] = restring(row[j], func(s string) string { return fmt.Sprintf("%s#%d", s, i) })
			case "few":
				row[j] = restring(row[j], func(s string) string { return fmt.Sprintf("v%d", (len(s)+i/100)%8) })
			}
		}
		rows[i] = row
	}
	return rows
}

func TestPQWriter_ParquetGoReadsBack(t *testing.T) {
	for _, lt := range testLogTypes(t) {
		tb, err := newTable(lt)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := referenceSchema(tb.name, tb.cols)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range writeCases {
			t.Run(lt.Name+"/"+c.name, func(t *testing.T) {
				rows := testRows(t, tb, lt, c.strings, 3000)
				data := writeRows(t, tb, c, rows)
				f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
				if err != nil {
					t.Fatalf("parquet-go cannot open the file: %v", err)
				}
				if got, want := f.Schema().String(), ref.String(); got != want {
					t.Fatalf("schema as parquet-go reads it:\n%s\nwant:\n%s", got, want)
				}
				if f.NumRows() != int64(len(rows)) || len(f.RowGroups()) != 3 {
					t.Fatalf("%d rows in %d row groups, want %d in 3", f.NumRows(), len(f.RowGroups()), len(rows))
				}
				r := parquet.NewGenericReader[map[string]any](f, f.Schema())
				got := make([]map[string]any, len(rows))
				for i := range got {
					got[i] = map[string]any{}
				}
				if n, err := r.Read(got); n != len(rows) {
					t.Fatalf("read %d rows (%v), want %d", n, err, len(rows))
				}
				for i, row := range rows {
					want := map[string]any{}
					for j, col := range tb.cols {
						want[col.Name] = readBackValue(col.Type, row[j])
					}
					if !reflect.DeepEqual(got[i], want) {
						t.Fatalf("row %d read back as\n%v\nwant\n%v", i, got[i], want)
					}
				}
				checkEncodings(t, f, tb, c)
			})
		}
	}
}

// checkEncodings checks that each case took the encoding path it is there
// for.
func checkEncodings(t *testing.T, f *parquet.File, tb *table, c writeCase) {
	t.Helper()
	var dict, plain, mixed int
	for _, rg := range f.Metadata().RowGroups {
		for _, cc := range rg.Columns {
			if cc.MetaData.Type != format.ByteArray {
				continue
			}
			hasDict := false
			hasPlain := false
			for _, e := range cc.MetaData.Encoding {
				hasDict = hasDict || e == format.RLEDictionary
				hasPlain = hasPlain || e == format.Plain
			}
			switch {
			case hasDict && hasPlain:
				mixed++
			case hasDict:
				dict++
			default:
				plain++
			}
		}
	}
	switch {
	case c.dictMaxBytes > 0 && mixed == 0:
		t.Errorf("no string column chunk fell back from dictionary to plain (dictionary %d, plain %d)", dict, plain)
	case c.strings == "distinct":
		// Columns that are mostly null, and the sa_ columns (the source
		// is one value), may be dictionary-encoded; the others not.
		for _, rg := range f.Metadata().RowGroups {
			for _, cc := range rg.Columns {
				if strings.HasPrefix(cc.MetaData.PathInSchema[0], "sa_") || cc.MetaData.Type != format.ByteArray {
					continue
				}
				for _, e := range cc.MetaData.Encoding {
					if e == format.RLEDictionary && cc.MetaData.Statistics.NullCount < cc.MetaData.NumValues/2 {
						t.Errorf("column %v of distinct strings is dictionary-encoded", cc.MetaData.PathInSchema)
					}
				}
			}
		}
	case c.strings == "" && dict == 0:
		t.Errorf("no string column chunk is dictionary-encoded (plain %d)", plain)
	}
}

// TestPQWriter_Statistics checks each chunk's statistics of the top-level
// scalar columns against the values of its row group: null counts always,
// min and max where written (numbers, booleans, timestamps, and strings of
// dictionary-encoded chunks).
func TestPQWriter_Statistics(t *testing.T) {
	for _, lt := range testLogTypes(t) {
		tb, err := newTable(lt)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range writeCases[:2] {
			t.Run(lt.Name+"/"+c.name, func(t *testing.T) {
				rows := testRows(t, tb, lt, c.strings, 3000)
				data := writeRows(t, tb, c, rows)
				f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
				if err != nil {
					t.Fatal(err)
				}
				first := 0
				withMinMax := 0
				for _, rg := range f.Metadata().RowGroups {
					group := rows[first : first+int(rg.NumRows)]
					first += int(rg.NumRows)
					for _, cc := range rg.Columns {
						md := cc.MetaData
						if len(md.PathInSchema) != 1 {
							continue
						}
						ci := columnIndex(tb.cols, md.PathInSchema[0])
						kind := tb.cols[ci].Type.Kind
						var nulls int64
						var vals []schema.Value
						for _, row := range group {
							if row[ci].Kind == schema.KindNull {
								nulls++
							} else {
								vals = append(vals, row[ci])
							}
						}
						if md.Statistics.NullCount != nulls {
							t.Errorf("%s: null count %d, want %d", md.PathInSchema[0], md.Statistics.NullCount, nulls)
						}
						if md.Statistics.MinValue == nil {
							if kind != schema.KindString && kind != schema.KindIP && kind != schema.KindJSON && len(vals) > 0 {
								t.Errorf("%s: no min/max", md.PathInSchema[0])
							}
							continue
						}
						withMinMax++
						lo, hi := statBounds(kind, vals)
						if !bytes.Equal(md.Statistics.MinValue, lo) || !bytes.Equal(md.Statistics.MaxValue, hi) {
							t.Errorf("%s: min/max %x/%x, want %x/%x", md.PathInSchema[0], md.Statistics.MinValue, md.Statistics.MaxValue, lo, hi)
						}
					}
				}
				if withMinMax == 0 {
					t.Error("no chunk has min/max")
				}
			})
		}
	}
}

func columnIndex(cols []schema.Column, name string) int {
	for i, c := range cols {
		if c.Name == name {
			return i
		}
	}
	panic("no column " + name)
}

// statBounds computes the statistics bytes of vals (non-null) by sorting
// rules of the format, independently of the writer's running min/max.
func statBounds(kind schema.Kind, vals []schema.Value) (lo, hi []byte) {
	switch kind {
	case schema.KindString, schema.KindIP, schema.KindJSON:
		for i, v := range vals {
			s := []byte(strings.ToValidUTF8(v.S, "\uFFFD"))
			if i == 0 || bytes.Compare(s, lo) < 0 {
				lo = s
			}
			if i == 0 || bytes.Compare(s, hi) > 0 {
				hi = s
			}
		}
		return lo, hi
	case schema.KindFloat:
		mn, mx := math.Inf(1), math.Inf(-1)
		for _, v := range vals {
			mn, mx = math.Min(mn, v.Float()), math.Max(mx, v.Float())
		}
		if mn == 0 {
			mn = math.Copysign(0, -1)
		}
		if mx == 0 {
			mx = 0
		}
		return binary.LittleEndian.AppendUint64(nil, math.Float64bits(mn)), binary.LittleEndian.AppendUint64(nil, math.Float64bits(mx))
	}
	mn, mx := int64(math.MaxInt64), int64(math.MinInt64)
	for _, v := range vals {
		x := v.I
		switch kind {
		case schema.KindInt:
			x = int64(int32(x))
		case schema.KindBool:
			x &= 1
		}
		mn, mx = min(mn, x), max(mx, x)
	}
	switch kind {
	case schema.KindInt:
		return binary.LittleEndian.AppendUint32(nil, uint32(int32(mn))), binary.LittleEndian.AppendUint32(nil, uint32(int32(mx)))
	case schema.KindBool:
		return []byte{byte(mn)}, []byte{byte(mx)}
	}
	return binary.LittleEndian.AppendUint64(nil, uint64(mn)), binary.LittleEndian.AppendUint64(nil, uint64(mx))
}
