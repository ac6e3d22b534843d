package firehose

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/format"

	"github.com/streamalert/streamalert/firehose/internal/synth"
	"github.com/streamalert/streamalert/internal/duckdbtest"
	"github.com/streamalert/streamalert/schema"
)

// fileSpec is how a test file is written; the zero value is a fresh
// writer with auto compression, one row group, default page sizes.
type fileSpec struct {
	compression             string
	pool                    *writerPool
	groupRows               int64
	pageBytes, dictMaxBytes int
	// codecs, if not nil, receives the codec of each leaf column by path.
	codecs map[string]compress.Codec
}

// writeFile writes rows as one file and returns it.
func writeFile(t *testing.T, tb *table, spec fileSpec, rows [][]schema.Value) []byte {
	t.Helper()
	cs, err := codecOf(spec.compression)
	if err != nil {
		t.Fatal(err)
	}
	if spec.groupRows == 0 {
		spec.groupRows = DefaultRowGroupRows
	}
	fw, err := newFileWriter(tb.name, tb.cols, cs, spec.groupRows, spec.pool)
	if err != nil {
		t.Fatal(err)
	}
	if spec.pageBytes > 0 {
		fw.pw.pageBytes = spec.pageBytes
	}
	if spec.dictMaxBytes > 0 {
		fw.pw.dictMaxBytes = spec.dictMaxBytes
	}
	for _, row := range rows {
		if err := fw.add(row, len(row), nil); err != nil {
			t.Fatal(err)
		}
	}
	pw := fw.pw
	if err := fw.finish(); err != nil {
		t.Fatal(err)
	}
	if spec.codecs != nil {
		for _, l := range pw.leaves {
			spec.codecs[strings.Join(l.path, ".")] = l.codec
		}
	}
	return bytes.Clone(fw.out.b)
}

// checkOneCodecPerColumn checks that a column has one codec in every row
// group of a file (parquet-go reads all chunks with the first one's).
func checkOneCodecPerColumn(t *testing.T, data []byte) {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]format.CompressionCodec{}
	for _, rg := range f.Metadata().RowGroups {
		for _, cc := range rg.Columns {
			path := strings.Join(cc.MetaData.PathInSchema, ".")
			if c, ok := seen[path]; ok && c != cc.MetaData.Codec {
				t.Errorf("column %s is %v in one row group and %v in another", path, c, cc.MetaData.Codec)
			}
			seen[path] = cc.MetaData.Codec
		}
	}
}

// TestAutoCompression_PicksCodecByData writes CloudTrail records with auto
// compression, in three row groups, and checks the codec each kind of
// column gets: zstd frames of Huffman-coded literals for random hex ids,
// snappy for ARNs made of repeated pieces, plain zstd for timestamps and
// for JSON holding ids, where it is far smaller. The rows read back (by
// parquet-go and by DuckDB) are those of the all-zstd file, which is barely
// smaller.
func TestAutoCompression_PicksCodecByData(t *testing.T) {
	tb, err := newTable(synth.CloudTrail())
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]schema.Value
	for _, r := range synth.Records(30000, 5) {
		rows = append(rows, append([]schema.Value(nil), tb.recordRow(r)...))
	}
	got := map[string]compress.Codec{}
	auto := writeFile(t, tb, fileSpec{groupRows: 10000, codecs: got}, rows)
	checkOneCodecPerColumn(t, auto)
	for col, want := range map[string]compress.Codec{
		"eventid":                  huffmanCodec,
		"requestid":                huffmanCodec,
		"useridentity.arn":         snappyCodec,
		"requestparameters":        snappyCodec,
		"eventtime":                zstdCodec,
		"responseelements":         zstdCodec,
		"useridentity.principalid": zstdCodec,
	} {
		if got[col] != want {
			t.Errorf("column %s compressed with %v, want %v", col, codecName(got[col]), codecName(want))
		}
	}
	zstd := writeFile(t, tb, fileSpec{compression: CompressionZstd}, rows)
	if len(auto) > len(zstd)*6/5 {
		t.Errorf("auto file is %d bytes, all-zstd %d: more than 1.2x", len(auto), len(zstd))
	}
	if !reflect.DeepEqual(readAllRows(t, auto), readAllRows(t, zstd)) {
		t.Error("the auto file reads back other rows than the all-zstd file")
	}
	t.Logf("auto %d bytes, zstd %d", len(auto), len(zstd))

	// DuckDB reads the file with its three codecs as the all-zstd one.
	dir := t.TempDir()
	autoPath, zstdPath := filepath.Join(dir, "auto.parquet"), filepath.Join(dir, "zstd.parquet")
	for p, data := range map[string][]byte{autoPath: auto, zstdPath: zstd} {
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	db := duckdbtest.Open(t)
	seen := duckdbtest.Query(t, db, "SELECT DISTINCT compression FROM parquet_metadata("+duckdbtest.Quote(autoPath)+") ORDER BY 1")
	if fmt.Sprint(seen) != "[[SNAPPY] [ZSTD]]" {
		t.Errorf("DuckDB sees the codecs %v, want snappy and ZSTD", seen)
	}
	a, z := "read_parquet("+duckdbtest.Quote(autoPath)+")", "read_parquet("+duckdbtest.Quote(zstdPath)+")"
	diff := duckdbtest.Query(t, db, "SELECT count(*) FROM (SELECT * FROM "+a+" EXCEPT ALL SELECT * FROM "+z+
		") UNION ALL SELECT count(*) FROM (SELECT * FROM "+z+" EXCEPT ALL SELECT * FROM "+a+") UNION ALL SELECT count(*) FROM "+a)
	if fmt.Sprint(diff) != fmt.Sprintf("[[0] [0] [%d]]", len(rows)) {
		t.Errorf("DuckDB: rows only in the auto file, only in the zstd file, in the auto file: %v, want 0, 0, %d", diff, len(rows))
	}
}

// TestAutoCompression_ChoiceCarriesOverFiles checks that a codec chosen on
// a large page serves the column's next files (retrialFiles in all) before
// it is tried again, and that one chosen on a small page is not kept.
func TestAutoCompression_ChoiceCarriesOverFiles(t *testing.T) {
	lt, tb := stringTable(t, "v")
	seed := uint64(0)
	// Event ids (random hex) or the ARNs of the callers (made of accounts,
	// roles and user names) of generated CloudTrail events.
	rows := func(n int, ids bool) [][]schema.Value {
		seed++
		out := make([][]schema.Value, n)
		for i, e := range synth.Events(n, seed) {
			s := e.UserIdentity.ARN
			if ids {
				s = e.EventID
			}
			out[i] = append([]schema.Value(nil), tb.recordRow(&schema.Record{LogType: lt, Values: []schema.Value{schema.Str(s)}})...)
		}
		return out
	}
	codecOfV := func(spec fileSpec, rows [][]schema.Value) string {
		spec.codecs = map[string]compress.Codec{}
		writeFile(t, tb, spec, rows)
		return codecName(spec.codecs["v"])
	}

	pool := &writerPool{}
	if c := codecOfV(fileSpec{pool: pool}, rows(4000, true)); c != "zstd-huffman" {
		t.Fatalf("hex ids compressed with %v, want zstd-huffman", c)
	}
	for i := 2; i <= retrialFiles; i++ {
		if c := codecOfV(fileSpec{pool: pool}, rows(4000, false)); c != "zstd-huffman" {
			t.Fatalf("file %d: ARNs compressed with %v, want the zstd-huffman chosen in file 1 (%d files share a trial)", i, c, retrialFiles)
		}
	}
	if c := codecOfV(fileSpec{pool: pool}, rows(4000, false)); c != "snappy" {
		t.Fatalf("file %d: ARNs compressed with %v, want snappy from a new trial", retrialFiles+1, c)
	}
	// A choice made on a few values is not carried over: the next file of
	// ids gets its own trial.
	pool = &writerPool{}
	if c := codecOfV(fileSpec{pool: pool}, rows(3, false)); c != "snappy" {
		t.Fatalf("three ARNs compressed with %v, want snappy", c)
	}
	if c := codecOfV(fileSpec{pool: pool}, rows(4000, true)); c != "zstd-huffman" {
		t.Fatalf("hex ids after a small file compressed with %v, want zstd-huffman from a new trial", c)
	}
}

// codecName names the writer's codecs apart (two of them are ZSTD).
func codecName(c compress.Codec) string {
	switch c {
	case zstdCodec:
		return "zstd"
	case huffmanCodec:
		return "zstd-huffman"
	case snappyCodec:
		return "snappy"
	}
	return fmt.Sprint(c)
}

// TestAutoCompression_DictionaryColumnsChooseByTheirDictionary checks that
// a dictionary-encoded column's codec is chosen on its dictionary, the bulk
// of its bytes, and not on its index pages, which look alike in every
// column (bit-packed numbers): two columns of 1,500 distinct values each,
// repeated at random, one of hex ids and one of ARNs, get the codecs that
// suit ids and ARNs.
func TestAutoCompression_DictionaryColumnsChooseByTheirDictionary(t *testing.T) {
	lt, tb := stringTable(t, "ids", "arns")
	var ids, arns []string
	seen := map[string]bool{}
	for _, e := range synth.Events(20000, 3) {
		if len(ids) < 1500 {
			ids = append(ids, e.EventID)
		}
		if len(arns) < 1500 && !seen[e.UserIdentity.ARN] {
			seen[e.UserIdentity.ARN] = true
			arns = append(arns, e.UserIdentity.ARN)
		}
	}
	rng := rand.New(rand.NewPCG(1, 1))
	var rows [][]schema.Value
	for range 20000 {
		rec := &schema.Record{LogType: lt, Values: []schema.Value{
			schema.Str(ids[rng.IntN(len(ids))]), schema.Str(arns[rng.IntN(len(arns))])}}
		rows = append(rows, append([]schema.Value(nil), tb.recordRow(rec)...))
	}
	got := map[string]compress.Codec{}
	data := writeFile(t, tb, fileSpec{codecs: got}, rows)
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, cc := range f.Metadata().RowGroups[0].Columns {
		if cc.MetaData.PathInSchema[0] == "ids" || cc.MetaData.PathInSchema[0] == "arns" {
			if cc.MetaData.DictionaryPageOffset == 0 {
				t.Fatalf("column %v is not dictionary-encoded", cc.MetaData.PathInSchema)
			}
		}
	}
	if c := codecName(got["ids"]); c != "zstd-huffman" {
		t.Errorf("dictionary of hex ids compressed with %s, want zstd-huffman", c)
	}
	if c := codecName(got["arns"]); c == "zstd-huffman" {
		t.Errorf("dictionary of ARNs compressed with %s: it has repeats to find", c)
	}
}

// stringTable returns a JSON log type of string fields and its table.
func stringTable(t *testing.T, fields ...string) (*schema.LogType, *table) {
	t.Helper()
	def := "name: test:strings\nparser:\n  type: json\nfields:\n"
	for _, f := range fields {
		def += "  - name: " + f + "\n"
	}
	lts, errs := schema.ParseDefinitions("strings.yaml", []byte(def))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	tb, err := newTable(lts[0])
	if err != nil {
		t.Fatal(err)
	}
	return lts[0], tb
}

// TestCodecs_RoundTrip checks each codec's Encode against its own Decode.
// (Independent decoders read their output in
// TestAutoCompression_PicksCodecByData: DuckDB's snappy and libzstd.)
func TestCodecs_RoundTrip(t *testing.T) {
	var in []byte
	for _, e := range synth.Events(2000, 9) {
		in = append(in, e.UserIdentity.ARN...)
		in = append(in, e.EventID...)
	}
	for _, c := range []compress.Codec{zstdCodec, snappyCodec, huffmanCodec} {
		out, err := c.Encode(nil, in)
		if err != nil {
			t.Fatal(err)
		}
		back, err := c.Decode(nil, out)
		if err != nil || !bytes.Equal(back, in) {
			t.Errorf("%s: own Decode gave %d bytes of %d (%v)", codecName(c), len(back), len(in), err)
		}
	}
}
