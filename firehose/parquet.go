package firehose

import (
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/s2"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/format"

	"github.com/streamalert/streamalert/schema"
)

// Compression names accepted by Options.Compression.
const (
	// CompressionAuto compresses each column with zstd or snappy, whichever
	// suits its data (see altWithin).
	CompressionAuto   = "auto"
	CompressionZstd   = "zstd"
	CompressionSnappy = "snappy"
)

// codecSet is what a writer compresses with: every column chunk with main,
// or, when there are alternatives, each chunk with main or one of them as
// its first page shows best (pqWriter.compress).
type codecSet struct {
	main compress.Codec
	alts [2]compress.Codec
}

// altWithin is how much larger than zstd's the output of an alternative
// codec may be on a column's first page for the column to be written with
// it in auto mode. Both alternatives compress about 3x as fast as zstd's
// fastest level. Snappy (S2's encoder) finds the repeats that make up text
// such as ARNs, JSON documents and IP addresses, where its output is
// 1.3-1.45x zstd's. zstd frames of Huffman-coded literals only
// (zstdHuffman) match zstd on random ids (hex digits: 0.53), where there
// are no repeats to find. Where zstd needs both (timestamps, JSON holding
// ids) its output is 1.7x smaller and more, and it stays.
const altWithin = 1.5

var (
	zstdCodec    = &zstd.Codec{Level: zstd.SpeedFastest} // pools its encoders
	snappyCodec  = s2Snappy{}
	huffmanCodec = &zstdHuffman{}
	codecs       = map[string]codecSet{
		CompressionAuto:   {main: zstdCodec, alts: [2]compress.Codec{snappyCodec, huffmanCodec}},
		CompressionZstd:   {main: zstdCodec},
		CompressionSnappy: {main: snappyCodec},
	}
)

func codecOf(name string) (codecSet, error) {
	if name == "" {
		name = CompressionAuto
	}
	c, ok := codecs[name]
	if !ok {
		return codecSet{}, fmt.Errorf("compression %q (want auto, zstd or snappy)", name)
	}
	return c, nil
}

// s2Snappy is the Parquet SNAPPY codec with S2's Snappy-compatible encoder,
// 2-3x as fast as the reference encoder's port for output 5-10% larger.
type s2Snappy struct{}

func (s2Snappy) String() string                            { return "SNAPPY" }
func (s2Snappy) CompressionCodec() format.CompressionCodec { return format.Snappy }

func (s2Snappy) Encode(dst, src []byte) ([]byte, error) {
	return s2.EncodeSnappy(dst[:cap(dst)], src), nil
}

func (s2Snappy) Decode(dst, src []byte) ([]byte, error) {
	return s2.Decode(dst[:cap(dst)], src)
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
	pq         *pqLeaf // for scalars: the writer's leaf column
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

// writerPool keeps the Parquet writers of a table's finished files for its
// next files, so that their buffers are not grown again for every file.
type writerPool struct {
	mu sync.Mutex
	ws []*pqWriter
}

func (p *writerPool) get(table string, cols []schema.Column, codec codecSet) (*pqWriter, error) {
	if p != nil {
		p.mu.Lock()
		for i := len(p.ws) - 1; i >= 0; i-- {
			if w := p.ws[i]; w.codecs == codec {
				p.ws = append(p.ws[:i], p.ws[i+1:]...)
				p.mu.Unlock()
				return w, nil
			}
		}
		p.mu.Unlock()
	}
	return newPQWriter(table, cols, codec)
}

// put keeps the writer of a file written without error.
func (p *writerPool) put(w *pqWriter) {
	if p == nil {
		return
	}
	w.out = nil
	p.mu.Lock()
	if len(p.ws) < maxPooled {
		p.ws = append(p.ws, w)
	}
	p.mu.Unlock()
}

// maxPooled bounds the writers a table keeps (each holds a row group's
// worth of buffers, some MB for wide tables).
const maxPooled = 1

// fileWriter writes one Parquet file of a table into an in-memory buffer.
type fileWriter struct {
	pool         *writerPool // nil: nothing is reused
	pw           *pqWriter
	out          *fileBuffer
	rows         int64
	groupRows    int64
	maxGroupRows int64
}

func newFileWriter(name string, cols []schema.Column, codec codecSet, maxGroupRows int64, pool *writerPool) (*fileWriter, error) {
	pw, err := pool.get(name, cols, codec)
	if err != nil {
		return nil, err
	}
	f := &fileWriter{pool: pool, pw: pw, out: getFileBuffer(), maxGroupRows: maxGroupRows}
	pw.reset(f.out)
	return f, nil
}

// add adds a row: its first nHead columns from head, the rest from tail.
func (f *fileWriter) add(head []schema.Value, nHead int, tail []schema.Value) error {
	if err := f.pw.add(head, nHead, tail); err != nil {
		return fmt.Errorf("write parquet rows: %w", err)
	}
	f.rows++
	f.groupRows++
	if f.groupRows >= f.maxGroupRows {
		if err := f.pw.flushRowGroup(); err != nil {
			return fmt.Errorf("write parquet row group: %w", err)
		}
		f.groupRows = 0
	}
	return nil
}

// finish completes the file. Its bytes are in f.out.b.
func (f *fileWriter) finish() error {
	if err := f.pw.finish(); err != nil {
		return fmt.Errorf("close parquet file: %w", err)
	}
	f.pool.put(f.pw)
	f.pw = nil
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
