package firehose

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/encoding/rle"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/streamalert/streamalert/schema"
)

// The lake's Parquet files are written by pqWriter: rows of schema.Values
// are shredded straight into per-column level and value buffers, and pages
// are encoded from those. It uses parquet-go's pieces for everything the
// format defines (the Thrift metadata structures and their compact
// encoding, the RLE/bit-packed hybrid, the codecs); what it does itself is
// the row-to-column walk and the page layout. Going through parquet-go's
// row writer instead costs a 24-byte parquet.Value per leaf value, copied
// three times before it reaches a page, which was half of the writer's CPU
// (docs/performance.md has the figures).
//
// The files use data page v1 (what Firehose's own conversion writes and
// every reader accepts), PLAIN or RLE_DICTIONARY values, RLE levels, and
// carry chunk statistics: null counts everywhere, min/max for numbers,
// booleans, timestamps and dictionary-encoded strings.

const (
	// pageBytes is the size at which a column's page is cut (before
	// compression, estimated).
	pageBytes = 1 << 20
	// dictSample is how many values of a string column chunk are seen
	// before choosing its encoding: dictionary when they hold at most one
	// distinct value per two, else plain.
	dictSample = 4096
	// dictMaxBytes bounds a chunk's dictionary; past it the chunk's later
	// pages are plain.
	dictMaxBytes = 1 << 20
	// maxStatBytes bounds the string min/max kept in the footer.
	maxStatBytes = 256
	// retrialFiles is how many files (of a writer) a column's codec chosen
	// by a trial (auto compression) serves, the trial's own included.
	retrialFiles = 16
	// minStickyTrial is the least data whose trial choice is kept for later
	// files: a small page says little about the column, and costs little to
	// try every codec on.
	minStickyTrial = 16 << 10
	// checkEvery is how often (in rows) the page sizes are checked.
	checkEvery = 128
)

// pqLeaf is one leaf column: the page being filled, the current chunk's
// dictionary and finished pages, and its statistics.
type pqLeaf struct {
	path           []string
	ptype          format.Type
	kind           schema.Kind
	maxDef, maxRep int
	defEnc, repEnc rle.Encoding

	// The page being filled: one level entry per value, null or not.
	defs, reps []byte
	pageNulls  int
	i32        []int32
	i64        []int64
	f64        []float64
	bools      []bool
	plain      []byte  // PLAIN byte arrays
	idx        []int32 // dictionary indexes

	// The chunk's dictionary (string columns). Keys point into dictPlain,
	// which only ever grows until the chunk ends: a key made before append
	// moved the array keeps the old, unchanged array alive.
	useDict, decided bool
	dict             map[string]int32
	dictPlain        []byte   // the entries, PLAIN encoded
	dictOff          []uint32 // offset of each entry in dictPlain
	dictPages        int      // data pages encoded with the dictionary
	recent           [recentSlots]recentEntry

	// The column's codec in this file (nil until its first page is
	// compressed): one for all its chunks, as some readers (parquet-go)
	// take the first chunk's for every row group. With codecs to choose
	// from, a choice made on a large enough page (chosen) also serves the
	// next carry files the writer writes.
	codec, chosen compress.Codec
	carry         int

	// The chunk: its data pages (headers included) and totals.
	chunk         []byte
	values, nulls int64
	uncomp        int64
	plainPages    int
	hasMin        bool
	minI, maxI    int64
	minF, maxF    float64
	stringsMinMax bool // min/max of strings can be taken from the dictionary
}

func (l *pqLeaf) isString() bool {
	switch l.kind {
	case schema.KindString, schema.KindIP, schema.KindJSON:
		return true
	}
	return false
}

// pqWriter writes one Parquet file at a time into a fileBuffer. It is reset
// and reused for a table's next file.
type pqWriter struct {
	codecs codecSet
	cols   []*colNode
	leaves []*pqLeaf
	elems  []format.SchemaElement
	orders []format.ColumnOrder

	out       *fileBuffer
	groups    []format.RowGroup
	rows      int64 // rows in the file
	groupRows int64 // rows in the current row group

	// Limits, from the constants above; tests make them small.
	pageBytes, dictMaxBytes int

	hdr     bytes.Buffer
	enc     *thrift.Encoder
	body    []byte // a page before compression
	scratch []byte
	comp    []byte // a compressed page
	comp2   []byte // scratch of codec trials
	comp3   []byte
}

func newPQWriter(table string, cols []schema.Column, codecs codecSet) (*pqWriter, error) {
	w := &pqWriter{codecs: codecs, cols: buildColNodes(cols), pageBytes: pageBytes, dictMaxBytes: dictMaxBytes}
	w.elems = append(w.elems, format.SchemaElement{Name: table, NumChildren: thrift.New(int32(len(cols)))})
	for _, c := range cols {
		if err := w.schemaNode(c.Name, c.Type, nil, 0); err != nil {
			return nil, fmt.Errorf("table %s: column %s: %w", table, c.Name, err)
		}
	}
	if len(w.leaves) != countLeaves(w.cols) {
		return nil, fmt.Errorf("table %s: schema and column tree disagree", table)
	}
	var link func(ns []*colNode)
	link = func(ns []*colNode) {
		for _, n := range ns {
			if n.sub == nil {
				n.pq = w.leaves[n.leaf]
			}
			link(n.sub)
		}
	}
	link(w.cols)
	w.enc = thrift.NewEncoder((&thrift.CompactProtocol{}).NewWriter(&w.hdr))
	return w, nil
}

func countLeaves(ns []*colNode) int {
	n := 0
	for _, c := range ns {
		if c.sub == nil {
			n++
		} else {
			n += countLeaves(c.sub)
		}
	}
	return n
}

// schemaNode adds the schema elements of an optional field named name of
// type t (at the given parent path and repetition depth), and its leaves.
func (w *pqWriter) schemaNode(name string, t schema.Type, parent []string, rep int) error {
	path := append(parent[:len(parent):len(parent)], name)
	optional := thrift.New(format.Optional)
	switch t.Kind {
	case schema.KindObject:
		if len(t.Fields) == 0 {
			return fmt.Errorf("object without fields")
		}
		w.elems = append(w.elems, format.SchemaElement{Name: name, RepetitionType: optional, NumChildren: thrift.New(int32(len(t.Fields)))})
		for _, f := range t.Fields {
			if err := w.schemaNode(f.Column, f.Type, path, rep); err != nil {
				return fmt.Errorf("%s: %w", f.Column, err)
			}
		}
		return nil
	case schema.KindArray:
		if t.Elem == nil {
			return fmt.Errorf("array without element type")
		}
		// The three-level LIST layout every reader expects.
		w.elems = append(w.elems,
			format.SchemaElement{Name: name, RepetitionType: optional, NumChildren: thrift.New(int32(1)),
				ConvertedType: thrift.New(deprecated.List), LogicalType: format.LogicalType{Value: &format.ListType{}}},
			format.SchemaElement{Name: "list", RepetitionType: thrift.New(format.Repeated), NumChildren: thrift.New(int32(1))})
		return w.schemaNode("element", *t.Elem, append(path, "list"), rep+1)
	}
	e := format.SchemaElement{Name: name, RepetitionType: optional}
	var pt format.Type
	switch t.Kind {
	case schema.KindString, schema.KindIP, schema.KindJSON:
		pt = format.ByteArray
		e.ConvertedType = thrift.New(deprecated.UTF8)
		e.LogicalType.Value = &format.StringType{}
	case schema.KindInt:
		pt = format.Int32
		e.ConvertedType = thrift.New(deprecated.Int32)
		e.LogicalType.Value = &format.IntType{BitWidth: 32, IsSigned: true}
	case schema.KindBigint:
		pt = format.Int64
		e.ConvertedType = thrift.New(deprecated.Int64)
		e.LogicalType.Value = &format.IntType{BitWidth: 64, IsSigned: true}
	case schema.KindFloat:
		pt = format.Double
	case schema.KindBool:
		pt = format.Boolean
	case schema.KindTimestamp:
		pt = format.Int64
		e.ConvertedType = thrift.New(deprecated.TimestampMicros)
		e.LogicalType.Value = &format.TimestampType{IsAdjustedToUTC: true, Unit: format.TimeUnit{Value: &format.MicroSeconds{}}}
	default:
		return fmt.Errorf("type %s has no Parquet mapping", t)
	}
	e.Type = thrift.New(pt)
	w.elems = append(w.elems, e)
	// Definition levels: each optional field on the path adds one, each
	// list two (the list and its repeated group).
	maxDef := len(path) // every named node on the path is optional or repeated
	l := &pqLeaf{path: path, ptype: pt, kind: t.Kind, maxDef: maxDef, maxRep: rep}
	l.defEnc.BitWidth = bits.Len(uint(maxDef))
	l.repEnc.BitWidth = bits.Len(uint(rep))
	w.leaves = append(w.leaves, l)
	w.orders = append(w.orders, format.ColumnOrder{Value: &format.TypeDefinedOrder{}})
	return nil
}

// reset prepares w for a new file written to out.
func (w *pqWriter) reset(out *fileBuffer) {
	w.out = out
	out.b = append(out.b[:0], "PAR1"...)
	w.groups = w.groups[:0]
	w.rows, w.groupRows = 0, 0
	for _, l := range w.leaves {
		l.resetChunk()
		l.codec = nil
		if l.chosen != nil && l.carry > 0 {
			l.codec = l.chosen
			l.carry--
		}
	}
}

func (l *pqLeaf) resetPage() {
	l.defs, l.reps = l.defs[:0], l.reps[:0]
	l.pageNulls = 0
	l.i32, l.i64, l.f64, l.bools = l.i32[:0], l.i64[:0], l.f64[:0], l.bools[:0]
	l.plain, l.idx = l.plain[:0], l.idx[:0]
}

func (l *pqLeaf) resetChunk() {
	l.resetPage()
	l.useDict, l.decided = l.isString(), false
	if l.useDict && l.dict == nil {
		l.dict = map[string]int32{}
	}
	clear(l.dict)
	l.dictPlain, l.dictOff, l.dictPages = l.dictPlain[:0], l.dictOff[:0], 0
	l.recent = [recentSlots]recentEntry{}
	l.chunk = l.chunk[:0]
	l.values, l.nulls, l.uncomp, l.plainPages = 0, 0, 0, 0
	l.hasMin = false
	l.stringsMinMax = true
}

// add shreds one row whose first nHead columns are in head and the others
// in tail; either may be short, the missing columns being null. A record's
// row is its values as classified plus the sa_ columns, which this way are
// never copied into one slice.
func (w *pqWriter) add(head []schema.Value, nHead int, tail []schema.Value) error {
	for i, n := range w.cols {
		var v *schema.Value
		if i < nHead {
			if i < len(head) {
				v = &head[i]
			}
		} else if j := i - nHead; j < len(tail) {
			v = &tail[j]
		}
		if l := n.pq; l == nil {
			w.value(n, v, 0, 0)
		} else if v == nil || v.Kind == schema.KindNull {
			l.putNull(0, 0) // inlined: most leaves of most records are null
		} else {
			l.put(v, 0, 0)
		}
	}
	w.rows++
	w.groupRows++
	if w.groupRows%checkEvery == 0 {
		return w.checkPages()
	}
	return nil
}

// value emits v (nil: null) for node n. r is the repetition level of the
// first value emitted; d is the definition level of n's parent (what a
// null records). Values go by pointer: a schema.Value is 56 bytes.
func (w *pqWriter) value(n *colNode, v *schema.Value, r, d int) {
	switch n.kind {
	case schema.KindObject:
		if v == nil || v.Kind != schema.KindObject {
			w.nulls(n, r, d)
			return
		}
		for i, c := range n.sub {
			var cv *schema.Value
			if i < len(v.L) {
				cv = &v.L[i]
			}
			if l := c.pq; l == nil {
				w.value(c, cv, r, n.def)
			} else if cv == nil || cv.Kind == schema.KindNull {
				l.putNull(r, n.def) // inlined: most leaves of most records are null
			} else {
				l.put(cv, r, n.def)
			}
		}
		return
	case schema.KindArray:
		switch {
		case v == nil || v.Kind != schema.KindArray:
			w.nulls(n, r, d)
		case len(v.L) == 0:
			w.nulls(n, r, n.def)
		default:
			for i := range v.L {
				if i > 0 {
					r = n.rep
				}
				w.value(n.sub[0], &v.L[i], r, n.def+1)
			}
		}
		return
	}
	n.pq.put(v, r, d)
}

// putNull adds a null at definition level d.
func (l *pqLeaf) putNull(r, d int) {
	if l.maxRep > 0 {
		l.reps = append(l.reps, byte(r))
	}
	l.defs = append(l.defs, byte(d))
	l.pageNulls++
}

// put adds v (nil: null) to a leaf column: r is its repetition level, d the
// definition level of its parent (what a null records).
func (l *pqLeaf) put(v *schema.Value, r, d int) {
	if l.maxRep > 0 {
		l.reps = append(l.reps, byte(r))
	}
	if v == nil || v.Kind == schema.KindNull {
		l.defs = append(l.defs, byte(d))
		l.pageNulls++
		return
	}
	l.defs = append(l.defs, byte(l.maxDef))
	switch l.kind {
	case schema.KindString, schema.KindIP, schema.KindJSON:
		l.addString(v.S)
	case schema.KindInt:
		x := int32(v.I)
		l.i32 = append(l.i32, x)
		l.minMaxI(int64(x))
	case schema.KindBigint, schema.KindTimestamp:
		l.i64 = append(l.i64, v.I)
		l.minMaxI(v.I)
	case schema.KindFloat:
		f := v.Float()
		l.f64 = append(l.f64, f)
		if f == f { // NaN takes no part in min/max
			minMax(&l.minF, &l.maxF, &l.hasMin, f)
		}
	case schema.KindBool:
		l.bools = append(l.bools, v.I != 0)
		l.minMaxI(v.I & 1)
	}
}

func (l *pqLeaf) minMaxI(x int64) { minMax(&l.minI, &l.maxI, &l.hasMin, x) }

// minMax widens the bounds [*lo, *hi] (none yet unless *has) to take x.
func minMax[T int64 | float64](lo, hi *T, has *bool, x T) {
	if !*has {
		*lo, *hi, *has = x, x, true
	} else if x < *lo {
		*lo = x
	} else if x > *hi {
		*hi = x
	}
}

// nulls records a null (at definition level d) in every leaf under n.
func (w *pqWriter) nulls(n *colNode, r, d int) {
	for c := n.first; c < n.end; c++ {
		l := w.leaves[c]
		if l.maxRep > 0 {
			l.reps = append(l.reps, byte(r))
		}
		l.defs = append(l.defs, byte(d))
		l.pageNulls++
	}
}

// addString adds a string value. Invalid UTF-8 is replaced by U+FFFD:
// Parquet STRING columns must hold UTF-8, and readers such as DuckDB refuse
// a whole file over one bad byte. (A value found in the dictionary was
// checked when it went in.)
func (l *pqLeaf) addString(s string) {
	if !l.useDict {
		if !utf8.ValidString(s) {
			s = strings.ToValidUTF8(s, "\uFFFD")
		}
		l.plain = binary.LittleEndian.AppendUint32(l.plain, uint32(len(s)))
		l.plain = append(l.plain, s...)
		return
	}
	var i int32
	slot := &l.recent[recentSlot(s)]
	if slot.entry > 0 && slot.key == s {
		i = slot.entry - 1
	} else {
		var ok bool
		if i, ok = l.dict[s]; !ok {
			if !utf8.ValidString(s) {
				s = strings.ToValidUTF8(s, "\uFFFD")
				i, ok = l.dict[s]
			}
			if !ok {
				i = l.insert(s)
			}
		}
		*slot = recentEntry{key: l.key(i), entry: i + 1}
	}
	l.idx = append(l.idx, i)
	if !l.decided && len(l.idx) >= dictSample {
		l.decide()
	}
}

// recentEntry remembers the dictionary entry of a value seen lately. Most
// dictionary-encoded columns hold a few dozen values (regions, accounts,
// event names, user agents): a small cache indexed by a cheap mix of the
// value's length and two of its bytes finds most of them with one
// comparison, without hashing the value for the map.
type recentEntry struct {
	key   string // the entry's text (over the dictionary's bytes)
	entry int32  // entry+1; 0: empty
}

const recentSlots = 16

func recentSlot(s string) int {
	n := len(s)
	if n == 0 {
		return 0
	}
	return (n + 3*int(s[n-1]) + 5*int(s[n/2])) & (recentSlots - 1)
}

// insert adds s to the dictionary and returns its index.
func (l *pqLeaf) insert(s string) int32 {
	i := int32(len(l.dictOff))
	off := len(l.dictPlain)
	l.dictOff = append(l.dictOff, uint32(off))
	l.dictPlain = binary.LittleEndian.AppendUint32(l.dictPlain, uint32(len(s)))
	l.dictPlain = append(l.dictPlain, s...)
	l.dict[l.key(i)] = i
	return i
}

// key returns dictionary entry i as a string sharing its bytes.
func (l *pqLeaf) key(i int32) string {
	e := l.entry(i)
	if len(e) == 0 {
		return ""
	}
	return unsafe.String(&e[0], len(e))
}

// entry returns dictionary entry i.
func (l *pqLeaf) entry(i int32) []byte {
	off := l.dictOff[i]
	n := binary.LittleEndian.Uint32(l.dictPlain[off:])
	return l.dictPlain[off+4 : off+4+n]
}

// decide settles a string column chunk's encoding from its values so far
// (all in the current page): dictionary if they repeat enough, else plain,
// re-encoding the page's values.
func (l *pqLeaf) decide() {
	l.decided = true
	if n := len(l.idx); n > 0 && 2*len(l.dictOff) <= n {
		return
	}
	l.useDict = false
	for _, i := range l.idx {
		off := l.dictOff[i]
		n := binary.LittleEndian.Uint32(l.dictPlain[off:])
		l.plain = append(l.plain, l.dictPlain[off:off+4+n]...)
	}
	l.idx = l.idx[:0]
	clear(l.dict)
	l.dictPlain, l.dictOff = l.dictPlain[:0], l.dictOff[:0]
	l.stringsMinMax = false
}

// pageSize estimates the page's encoded size.
func (l *pqLeaf) pageSize() int {
	return len(l.defs) + len(l.reps) + len(l.plain) + 2*len(l.idx) +
		4*len(l.i32) + 8*len(l.i64) + 8*len(l.f64) + len(l.bools)/8
}

// checkPages cuts the pages that have reached their size, and ends the
// dictionaries that have reached theirs.
func (w *pqWriter) checkPages() error {
	for _, l := range w.leaves {
		if l.useDict && l.decided && len(l.dictPlain) > w.dictMaxBytes {
			if err := w.flushPage(l); err != nil {
				return err
			}
			l.useDict = false
			l.stringsMinMax = false
			continue
		}
		if l.pageSize() >= w.pageBytes {
			if err := w.flushPage(l); err != nil {
				return err
			}
		}
	}
	return nil
}

// appendLevels appends RLE-encoded levels with their 4-byte length prefix.
func (w *pqWriter) appendLevels(dst []byte, enc *rle.Encoding, levels []byte) ([]byte, error) {
	var err error
	w.scratch, err = enc.EncodeLevels(w.scratch[:0], levels)
	if err != nil {
		return nil, err
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(w.scratch)))
	return append(dst, w.scratch...), nil
}

// flushPage encodes and compresses l's current page into its chunk.
func (w *pqWriter) flushPage(l *pqLeaf) error {
	n := len(l.defs)
	if n == 0 {
		return nil
	}
	if l.useDict && !l.decided {
		l.decide()
	}
	body := w.body[:0]
	var err error
	if l.maxRep > 0 {
		if body, err = w.appendLevels(body, &l.repEnc, l.reps); err != nil {
			return err
		}
	}
	if body, err = w.appendLevels(body, &l.defEnc, l.defs); err != nil {
		return err
	}
	enc := format.Plain
	switch l.kind {
	case schema.KindString, schema.KindIP, schema.KindJSON:
		if l.useDict {
			enc = format.RLEDictionary
			width := bits.Len(uint(len(l.dictOff) - 1))
			body = append(body, byte(width))
			re := rle.Encoding{BitWidth: width}
			if w.scratch, err = re.EncodeInt32(w.scratch[:0], l.idx); err != nil {
				return err
			}
			body = append(body, w.scratch...)
			l.dictPages++
		} else {
			body = append(body, l.plain...)
			l.plainPages++
		}
	case schema.KindInt:
		for _, x := range l.i32 {
			body = binary.LittleEndian.AppendUint32(body, uint32(x))
		}
	case schema.KindBigint, schema.KindTimestamp:
		for _, x := range l.i64 {
			body = binary.LittleEndian.AppendUint64(body, uint64(x))
		}
	case schema.KindFloat:
		for _, x := range l.f64 {
			body = binary.LittleEndian.AppendUint64(body, math.Float64bits(x))
		}
	case schema.KindBool:
		body = appendBits(body, l.bools)
	}
	w.body = body
	h := format.PageHeader{Type: format.DataPage, UncompressedPageSize: int32(len(body)),
		DataPageHeader: thrift.New(format.DataPageHeader{NumValues: int32(n), Encoding: enc,
			DefinitionLevelEncoding: format.RLE, RepetitionLevelEncoding: format.RLE,
			Statistics: format.Statistics{NullCount: int64(l.pageNulls)}})}
	if err := w.appendPage(l, &l.chunk, &h, body, &l.uncomp); err != nil {
		return err
	}
	l.values += int64(n)
	l.nulls += int64(l.pageNulls)
	l.resetPage()
	return nil
}

// appendPage compresses body and appends its header and the compressed
// bytes to dst, adding the uncompressed size to uncomp.
func (w *pqWriter) appendPage(l *pqLeaf, dst *[]byte, h *format.PageHeader, body []byte, uncomp *int64) error {
	if err := w.compress(l, body); err != nil {
		return fmt.Errorf("compress page: %w", err)
	}
	h.CompressedPageSize = int32(len(w.comp))
	w.hdr.Reset()
	if err := w.enc.Encode(h); err != nil {
		return fmt.Errorf("encode page header: %w", err)
	}
	*dst = append(*dst, w.hdr.Bytes()...)
	*dst = append(*dst, w.comp...)
	*uncomp += int64(w.hdr.Len() + len(body))
	return nil
}

// compress compresses a page of l into w.comp with the column's codec. A
// column that has no codec yet in this file is settled by its first page:
// that page is compressed with the main codec and each alternative, and the
// smallest alternative output is kept if it is at most altWithin times the
// main codec's. In a dictionary-encoded column the trial counts the
// dictionary so far with the page: in a column of many values the
// dictionary is most of its bytes, in one of few values the index pages
// are. A choice made on at least minStickyTrial bytes stands for the
// column's next retrialFiles-1 files too: a column's data changes slowly,
// and most files hold only a few pages of a column, so a trial in each
// would cost much of what it saves.
func (w *pqWriter) compress(l *pqLeaf, body []byte) error {
	var err error
	if l.codec != nil || w.codecs.alts[0] == nil {
		if l.codec == nil {
			l.codec = w.codecs.main
		}
		w.comp, err = l.codec.Encode(w.comp[:0], body)
		return err
	}
	// (A dictionary page comes last, when the codec is settled.)
	dict := l.useDict && len(l.dictPlain) > 0
	// try leaves the page compressed with c in w.comp2 and returns the
	// size of the trial's output.
	try := func(c compress.Codec) (int, error) {
		n := 0
		if dict {
			if w.comp3, err = c.Encode(w.comp3[:0], l.dictPlain); err != nil {
				return 0, err
			}
			n = len(w.comp3)
		}
		w.comp2, err = c.Encode(w.comp2[:0], body)
		return n + len(w.comp2), err
	}
	n, err := try(w.codecs.main)
	if err != nil {
		return err
	}
	l.codec, w.comp, w.comp2 = w.codecs.main, w.comp2, w.comp
	limit := altWithin * float64(n)
	for _, alt := range w.codecs.alts {
		if alt == nil {
			continue
		}
		if n, err = try(alt); err != nil {
			return err
		}
		if float64(n) <= limit {
			l.codec, limit = alt, float64(n)
			w.comp, w.comp2 = w.comp2, w.comp
		}
	}
	tried := len(body)
	if dict {
		tried += len(l.dictPlain)
	}
	l.chosen, l.carry = nil, 0
	if tried >= minStickyTrial {
		l.chosen, l.carry = l.codec, retrialFiles-1
	}
	return nil
}

// appendBits appends booleans bit-packed, least significant bit first.
func appendBits(dst []byte, bs []bool) []byte {
	for i := 0; i < len(bs); i += 8 {
		var b byte
		for j := 0; j < 8 && i+j < len(bs); j++ {
			if bs[i+j] {
				b |= 1 << j
			}
		}
		dst = append(dst, b)
	}
	return dst
}

// flushRowGroup ends the current row group: every column's last page, its
// dictionary page, and its chunk go to the file.
func (w *pqWriter) flushRowGroup() error {
	if w.groupRows == 0 {
		return nil
	}
	rg := format.RowGroup{NumRows: w.groupRows, FileOffset: int64(len(w.out.b)), Ordinal: int16(len(w.groups))}
	rg.Columns = make([]format.ColumnChunk, 0, len(w.leaves))
	for _, l := range w.leaves {
		if err := w.flushPage(l); err != nil {
			return err
		}
		start := int64(len(w.out.b))
		md := format.ColumnMetaData{Type: l.ptype, PathInSchema: l.path,
			NumValues: l.values, Statistics: format.Statistics{NullCount: l.nulls}}
		uncomp := l.uncomp
		if l.dictPages > 0 {
			md.DictionaryPageOffset = start
			h := format.PageHeader{Type: format.DictionaryPage, UncompressedPageSize: int32(len(l.dictPlain)),
				DictionaryPageHeader: thrift.New(format.DictionaryPageHeader{NumValues: int32(len(l.dictOff)), Encoding: format.Plain})}
			if err := w.appendPage(l, &w.out.b, &h, l.dictPlain, &uncomp); err != nil {
				return err
			}
		}
		md.Codec = l.codec.CompressionCodec()
		md.DataPageOffset = int64(len(w.out.b))
		w.out.b = append(w.out.b, l.chunk...)
		md.TotalUncompressedSize = uncomp
		md.TotalCompressedSize = int64(len(w.out.b)) - start
		switch {
		case l.dictPages > 0 && l.plainPages > 0:
			md.Encoding = []format.Encoding{format.Plain, format.RLE, format.RLEDictionary}
		case l.dictPages > 0:
			md.Encoding = []format.Encoding{format.RLE, format.RLEDictionary}
		default:
			md.Encoding = []format.Encoding{format.Plain, format.RLE}
		}
		l.chunkStats(&md.Statistics)
		rg.Columns = append(rg.Columns, format.ColumnChunk{FileOffset: start, MetaData: md})
		rg.TotalByteSize += uncomp
		rg.TotalCompressedSize += md.TotalCompressedSize
		l.resetChunk()
	}
	w.groups = append(w.groups, rg)
	w.groupRows = 0
	return nil
}

// chunkStats fills in the chunk's min and max where they are known.
func (l *pqLeaf) chunkStats(s *format.Statistics) {
	if l.isString() {
		if !l.stringsMinMax || l.dictPages == 0 || l.plainPages > 0 || len(l.dictOff) == 0 {
			return
		}
		lo, hi := l.entry(0), l.entry(0)
		for i := 1; i < len(l.dictOff); i++ {
			e := l.entry(int32(i))
			if bytes.Compare(e, lo) < 0 {
				lo = e
			} else if bytes.Compare(e, hi) > 0 {
				hi = e
			}
		}
		// Long bounds (JSON documents) would bloat the footer for no
		// pruning worth having.
		if len(lo) > maxStatBytes || len(hi) > maxStatBytes {
			return
		}
		s.MinValue, s.MaxValue = bytes.Clone(lo), bytes.Clone(hi)
		return
	}
	if !l.hasMin {
		return
	}
	var lo, hi []byte
	switch l.kind {
	case schema.KindInt:
		lo = binary.LittleEndian.AppendUint32(nil, uint32(int32(l.minI)))
		hi = binary.LittleEndian.AppendUint32(nil, uint32(int32(l.maxI)))
	case schema.KindBigint, schema.KindTimestamp:
		lo = binary.LittleEndian.AppendUint64(nil, uint64(l.minI))
		hi = binary.LittleEndian.AppendUint64(nil, uint64(l.maxI))
	case schema.KindFloat:
		// Zero bounds are signed the way the format asks: -0 for a min,
		// +0 for a max.
		if l.minF == 0 {
			l.minF = math.Copysign(0, -1)
		}
		if l.maxF == 0 {
			l.maxF = 0
		}
		lo = binary.LittleEndian.AppendUint64(nil, math.Float64bits(l.minF))
		hi = binary.LittleEndian.AppendUint64(nil, math.Float64bits(l.maxF))
	case schema.KindBool:
		lo, hi = []byte{byte(l.minI)}, []byte{byte(l.maxI)}
	}
	// Signed numbers sort the same under the old and the new statistics
	// fields; older readers only know the old ones.
	s.MinValue, s.MaxValue = lo, hi
	s.Min, s.Max = lo, hi
}

// finish ends the file: the last row group, then the footer.
func (w *pqWriter) finish() error {
	if err := w.flushRowGroup(); err != nil {
		return err
	}
	md := format.FileMetaData{Version: 1, Schema: w.elems, NumRows: w.rows, RowGroups: w.groups,
		CreatedBy: "streamalert", ColumnOrders: w.orders}
	w.hdr.Reset()
	if err := w.enc.Encode(&md); err != nil {
		return fmt.Errorf("encode parquet footer: %w", err)
	}
	w.out.b = append(w.out.b, w.hdr.Bytes()...)
	w.out.b = binary.LittleEndian.AppendUint32(w.out.b, uint32(w.hdr.Len()))
	w.out.b = append(w.out.b, "PAR1"...)
	return nil
}
