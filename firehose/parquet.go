package firehose

import (
	"fmt"
	"io"
	"sync"

	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/snappy"
	"github.com/parquet-go/parquet-go/compress/zstd"

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

func (p *writerPool) get(table string, cols []schema.Column, codec compress.Codec) (*pqWriter, error) {
	if p != nil {
		p.mu.Lock()
		for i := len(p.ws) - 1; i >= 0; i-- {
			if w := p.ws[i]; w.codec == codec {
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

func newFileWriter(name string, cols []schema.Column, codec compress.Codec, maxGroupRows int64, pool *writerPool) (*fileWriter, error) {
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
