package firehose

import (
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/snappy"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/zeebo/xxh3"

	"github.com/streamalert/streamalert/schema"
)

// Compression names accepted by Options.Compression.
const (
	CompressionZstd   = "zstd"
	CompressionSnappy = "snappy"
)

// codecs are shared by every writer: they pool their encoders internally.
var codecs = map[string]compress.Codec{
	CompressionZstd:   &zstd.Codec{Level: zstd.SpeedFastest},
	CompressionSnappy: &snappy.Codec{},
}

func codecOf(name string) (compress.Codec, error) {
	if name == "" {
		name = CompressionZstd
	}
	c, ok := codecs[name]
	if !ok {
		return nil, fmt.Errorf("compression %q (want zstd or snappy)", name)
	}
	return c, nil
}

// ParquetSchema maps a table's columns to a Parquet schema, in column order:
//
//	string, ip, json  BYTE_ARRAY (STRING)
//	int               INT32 (INT(32, signed))
//	bigint            INT64 (INT(64, signed))
//	float             DOUBLE
//	boolean           BOOLEAN
//	timestamp         INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true)
//	array<T>          LIST of T (3-level, optional elements)
//	object            group of its sub-fields, in declaration order
//
// Every column and sub-field is optional, so that a field added to a log
// type later reads as null in older files. The writer picks dictionary or
// plain encoding per string column and file; that does not change the
// schema readers see.
func ParquetSchema(table string, cols []schema.Column) (*parquet.Schema, error) {
	return parquetSchema(table, cols, nil)
}

// parquetSchema is ParquetSchema with dictionary encoding on the string
// leaf columns for which dict(leaf index) is true (nil: none).
func parquetSchema(table string, cols []schema.Column, dict func(leaf int) bool) (*parquet.Schema, error) {
	b := &schemaBuilder{dict: dict}
	fields := make([]parquet.Field, len(cols))
	for i, c := range cols {
		n, err := b.node(c.Type)
		if err != nil {
			return nil, fmt.Errorf("table %s: column %s: %w", table, c.Name, err)
		}
		fields[i] = &structField{Node: parquet.Optional(n), name: c.Name}
	}
	return parquet.NewSchema(table, &structNode{fields: fields}), nil
}

type schemaBuilder struct {
	dict func(int) bool
	leaf int // index of the next leaf column
}

func (b *schemaBuilder) node(t schema.Type) (parquet.Node, error) {
	switch t.Kind {
	case schema.KindArray:
		if t.Elem == nil {
			return nil, fmt.Errorf("array without element type")
		}
		elem, err := b.node(*t.Elem)
		if err != nil {
			return nil, err
		}
		return parquet.List(parquet.Optional(elem)), nil
	case schema.KindObject:
		if len(t.Fields) == 0 {
			return nil, fmt.Errorf("object without fields")
		}
		fields := make([]parquet.Field, len(t.Fields))
		for i, f := range t.Fields {
			n, err := b.node(f.Type)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f.Column, err)
			}
			fields[i] = &structField{Node: parquet.Optional(n), name: f.Column}
		}
		return &structNode{fields: fields}, nil
	}
	leaf := b.leaf
	b.leaf++
	switch t.Kind {
	case schema.KindString, schema.KindIP, schema.KindJSON:
		if b.dict != nil && b.dict(leaf) {
			return parquet.Encoded(parquet.String(), &parquet.RLEDictionary), nil
		}
		return parquet.String(), nil
	case schema.KindInt:
		return parquet.Int(32), nil
	case schema.KindBigint:
		return parquet.Int(64), nil
	case schema.KindFloat:
		return parquet.Leaf(parquet.DoubleType), nil
	case schema.KindBool:
		return parquet.Leaf(parquet.BooleanType), nil
	case schema.KindTimestamp:
		return parquet.Timestamp(parquet.Microsecond), nil
	}
	return nil, fmt.Errorf("type %s has no Parquet mapping", t)
}

// structNode is a Parquet group whose fields keep the order they were
// declared in. parquet.Group sorts its fields by name, which would put the
// columns in a different order from the Glue table.
type structNode struct{ fields []parquet.Field }

func (g *structNode) ID() int                     { return 0 }
func (g *structNode) String() string              { return g.group().String() }
func (g *structNode) Type() parquet.Type          { return parquet.Group{}.Type() }
func (g *structNode) Optional() bool              { return false }
func (g *structNode) Repeated() bool              { return false }
func (g *structNode) Required() bool              { return true }
func (g *structNode) Leaf() bool                  { return false }
func (g *structNode) Fields() []parquet.Field     { return g.fields }
func (g *structNode) Encoding() encoding.Encoding { return nil }
func (g *structNode) Compression() compress.Codec { return nil }
func (g *structNode) GoType() reflect.Type        { return g.group().GoType() }
func (g *structNode) group() parquet.Group {
	m := make(parquet.Group, len(g.fields))
	for _, f := range g.fields {
		m[f.Name()] = f
	}
	return m
}

// structField names a node inside a structNode.
type structField struct {
	parquet.Node
	name string
}

func (f *structField) Name() string { return f.name }

// Value is only used by parquet-go's reflection-based row mapping, which
// this package does not use; it looks the field up in a map or struct.
func (f *structField) Value(base reflect.Value) reflect.Value {
	switch base.Kind() {
	case reflect.Map:
		return base.MapIndex(reflect.ValueOf(f.name))
	case reflect.Struct:
		return base.FieldByNameFunc(func(n string) bool { return strings.EqualFold(n, f.name) })
	}
	return reflect.Value{}
}

// colNode is one node of a table's column tree, with the Dremel levels the
// row encoder needs.
type colNode struct {
	kind       schema.Kind
	def        int // definition level when this node is present
	rep        int // for arrays: the repetition level of their elements
	leaf       int // for scalars: the leaf column index
	first, end int // the leaf columns under this node: [first, end)
	sub        []*colNode
}

func buildColNodes(cols []schema.Column) []*colNode {
	var next int
	var build func(t schema.Type, def, rep int) *colNode
	build = func(t schema.Type, def, rep int) *colNode {
		n := &colNode{kind: t.Kind, def: def, first: next}
		switch t.Kind {
		case schema.KindObject:
			for _, f := range t.Fields {
				n.sub = append(n.sub, build(f.Type, def+1, rep))
			}
		case schema.KindArray:
			// optional list (def) → repeated group (def+1) → optional element (def+2)
			n.rep = rep + 1
			n.sub = []*colNode{build(*t.Elem, def+2, rep+1)}
		default:
			n.leaf = next
			next++
		}
		n.end = next
		return n
	}
	out := make([]*colNode, len(cols))
	for i, c := range cols {
		out[i] = build(c.Type, 1, 0)
	}
	return out
}

// rowEncoder turns rows of schema.Values (aligned with a table's columns)
// into Parquet column values without reflection: one depth-first walk per
// row appends each leaf's values, with their repetition and definition
// levels, to that leaf column's slice. Whole batches of rows then go to the
// column writers directly. Strings are copied into an arena that lives
// until the batch is written, so no value is allocated on its own.
type rowEncoder struct {
	cols  []*colNode
	leaf  []*colNode        // the leaf nodes, by column index
	vals  [][]parquet.Value // per leaf column
	arena []byte
	rows  int
	seen  map[uint64]struct{} // dictionaryWorthy's scratch
}

func newRowEncoder(cols []schema.Column) *rowEncoder {
	e := &rowEncoder{cols: buildColNodes(cols)}
	var walk func(n *colNode)
	walk = func(n *colNode) {
		if n.sub == nil {
			e.leaf = append(e.leaf, n)
		}
		for _, c := range n.sub {
			walk(c)
		}
	}
	for _, n := range e.cols {
		walk(n)
	}
	e.vals = make([][]parquet.Value, len(e.leaf))
	return e
}

// add encodes one row. row must be aligned with the table's columns; a
// shorter row has nulls for the missing columns.
func (e *rowEncoder) add(row []schema.Value) {
	for i, n := range e.cols {
		var v schema.Value
		if i < len(row) {
			v = row[i]
		}
		e.value(n, v, 0, 0)
	}
	e.rows++
}

// value emits v for node n. r is the repetition level of the first value
// emitted; d is the definition level of n's parent (what a null records).
func (e *rowEncoder) value(n *colNode, v schema.Value, r, d int) {
	switch n.kind {
	case schema.KindObject:
		if v.Kind != schema.KindObject {
			e.nulls(n, r, d)
			return
		}
		for i, c := range n.sub {
			var cv schema.Value
			if i < len(v.L) {
				cv = v.L[i]
			}
			e.value(c, cv, r, n.def)
		}
	case schema.KindArray:
		switch {
		case v.Kind != schema.KindArray:
			e.nulls(n, r, d)
		case len(v.L) == 0:
			e.nulls(n, r, n.def)
		default:
			for i, el := range v.L {
				if i > 0 {
					r = n.rep
				}
				e.value(n.sub[0], el, r, n.def+1)
			}
		}
	default:
		if v.Kind == schema.KindNull {
			e.vals[n.leaf] = append(e.vals[n.leaf], parquet.NullValue().Level(r, d, n.leaf))
			return
		}
		var pv parquet.Value
		switch n.kind {
		case schema.KindString, schema.KindIP, schema.KindJSON:
			pv = parquet.ByteArrayValue(e.text(v.S))
		case schema.KindInt:
			pv = parquet.Int32Value(int32(v.I))
		case schema.KindBigint, schema.KindTimestamp:
			pv = parquet.Int64Value(v.I)
		case schema.KindFloat:
			pv = parquet.DoubleValue(v.Float())
		case schema.KindBool:
			pv = parquet.BooleanValue(v.I != 0)
		}
		e.vals[n.leaf] = append(e.vals[n.leaf], pv.Level(r, n.def, n.leaf))
	}
}

func (e *rowEncoder) nulls(n *colNode, r, d int) {
	for c := n.first; c < n.end; c++ {
		e.vals[c] = append(e.vals[c], parquet.NullValue().Level(r, d, c))
	}
}

// text copies s into the arena and returns the copy. Invalid UTF-8 is
// replaced by U+FFFD: Parquet STRING columns must hold UTF-8, and readers
// such as DuckDB refuse a whole file over one bad byte.
func (e *rowEncoder) text(s string) []byte {
	start := len(e.arena)
	if utf8.ValidString(s) {
		e.arena = append(e.arena, s...)
	} else {
		e.arena = append(e.arena, strings.ToValidUTF8(s, "\uFFFD")...)
	}
	return e.arena[start:len(e.arena):len(e.arena)]
}

// writeTo hands the encoded rows to w's column writers and resets the
// encoder. Every column gets whole rows, as the column writers require.
func (e *rowEncoder) writeTo(w *parquet.Writer) error {
	if e.rows == 0 {
		return nil
	}
	cws := w.ColumnWriters()
	var err error
	for c, vs := range e.vals {
		if err == nil {
			_, err = cws[c].WriteRowValues(vs)
		}
		clear(vs) // drop references into the arena
		e.vals[c] = vs[:0]
	}
	e.arena, e.rows = e.arena[:0], 0
	return err
}

// dictionaryWorthy reports, from the rows encoded so far, which string
// columns repeat their values enough for dictionary encoding: at most one
// distinct value per two. Dictionary encoding makes such columns several
// times smaller before compression and cheaper to compress; for columns of
// mostly distinct values (ids, request parameters) it only costs time.
func (e *rowEncoder) dictionaryWorthy() []bool {
	out := make([]bool, len(e.leaf))
	if e.seen == nil {
		e.seen = map[uint64]struct{}{}
	}
	for c, n := range e.leaf {
		switch n.kind {
		case schema.KindString, schema.KindIP, schema.KindJSON:
		default:
			continue
		}
		// Values are counted by hash: a collision only nudges the choice of
		// encoding, never what is written. The column cannot qualify once
		// its distinct values exceed half of all its values, null or not.
		clear(e.seen)
		vs := e.vals[c]
		nonNull, worthy := 0, true
		for _, v := range vs {
			if !v.IsNull() {
				nonNull++
				e.seen[xxh3.Hash(v.ByteArray())] = struct{}{}
				if 2*len(e.seen) > len(vs) {
					worthy = false
					break
				}
			}
		}
		out[c] = worthy && nonNull > 0 && 2*len(e.seen) <= nonNull
	}
	return out
}

// Rows are encoded in batches and handed to the column writers together.
// The first batch of a file is larger: it is also the sample that decides
// the encoding of each string column.
const (
	rowsPerWrite = 512
	sampleRows   = 4096
)

// writerPool keeps the row encoders of a table's finished files for its
// next files, so that their value slices and arenas are not grown again for
// every file. (parquet-go's Writer.Reset is not used to reuse the writers
// too: in v0.32.0 a reset writer leaves path_in_schema out of the column
// chunk metadata.)
type writerPool struct {
	mu   sync.Mutex
	encs []*rowEncoder
}

func (p *writerPool) encoder(cols []schema.Column) *rowEncoder {
	if p != nil {
		p.mu.Lock()
		if n := len(p.encs); n > 0 {
			e := p.encs[n-1]
			p.encs = p.encs[:n-1]
			p.mu.Unlock()
			return e
		}
		p.mu.Unlock()
	}
	return newRowEncoder(cols)
}

// put keeps the encoder of a file written without error.
func (p *writerPool) put(e *rowEncoder) {
	if p == nil {
		return
	}
	p.mu.Lock()
	if len(p.encs) < maxPooled {
		p.encs = append(p.encs, e)
	}
	p.mu.Unlock()
}

// maxPooled bounds the encoders a table keeps (each holds the sample
// batch's capacity, some MB for wide tables).
const maxPooled = 1

// fileWriter writes one Parquet file of a table into an in-memory buffer.
type fileWriter struct {
	name         string
	cols         []schema.Column
	codec        compress.Codec
	pool         *writerPool // nil: nothing is reused
	enc          *rowEncoder
	pw           *parquet.Writer // nil until the first batch is sampled
	out          *fileBuffer
	rows         int64
	groupRows    int64
	maxGroupRows int64
}

func newFileWriter(name string, cols []schema.Column, codec compress.Codec, maxGroupRows int64, pool *writerPool) *fileWriter {
	return &fileWriter{name: name, cols: cols, codec: codec, pool: pool, enc: pool.encoder(cols),
		out: getFileBuffer(), maxGroupRows: maxGroupRows}
}

func (f *fileWriter) add(row []schema.Value) error {
	f.enc.add(row)
	f.rows++
	f.groupRows++
	batch := rowsPerWrite
	if f.pw == nil {
		batch = sampleRows
	}
	if f.enc.rows >= batch || f.groupRows >= f.maxGroupRows {
		if err := f.write(); err != nil {
			return err
		}
	}
	if f.groupRows >= f.maxGroupRows {
		if err := f.pw.Flush(); err != nil {
			return fmt.Errorf("write parquet row group: %w", err)
		}
		f.groupRows = 0
	}
	return nil
}

// write hands the encoded rows to the Parquet writer, creating it first
// with encodings chosen from them.
func (f *fileWriter) write() error {
	if f.pw == nil {
		dict := f.enc.dictionaryWorthy()
		sch, err := parquetSchema(f.name, f.cols, func(leaf int) bool { return dict[leaf] })
		if err != nil {
			return err
		}
		f.pw = parquet.NewWriter(f.out, sch,
			parquet.Compression(f.codec),
			parquet.CreatedBy("streamalert", "", ""),
			parquet.PageBufferSize(1<<20),
			// A column whose values turn out more varied than the sample
			// falls back to plain encoding instead of growing a dictionary
			// without bound.
			parquet.DictionaryMaxBytes(1<<20),
		)
	}
	if err := f.enc.writeTo(f.pw); err != nil {
		return fmt.Errorf("write parquet rows: %w", err)
	}
	return nil
}

// finish completes the file. Its bytes are in f.out.b.
func (f *fileWriter) finish() error {
	if err := f.write(); err != nil {
		return err
	}
	if err := f.pw.Close(); err != nil {
		return fmt.Errorf("close parquet file: %w", err)
	}
	f.pool.put(f.enc)
	f.enc = nil
	return nil
}

// fileBuffer holds a file being written. Buffers are reused: growing a new
// one for every file costs more than writing the file.
type fileBuffer struct{ b []byte }

func (c *fileBuffer) Write(p []byte) (int, error) {
	c.b = append(c.b, p...)
	return len(p), nil
}

var _ io.Writer = (*fileBuffer)(nil)

var fileBuffers sync.Pool

func getFileBuffer() *fileBuffer {
	if b, ok := fileBuffers.Get().(*fileBuffer); ok {
		return b
	}
	return &fileBuffer{}
}

func putFileBuffer(b *fileBuffer) {
	b.b = b.b[:0]
	fileBuffers.Put(b)
}
