package schema

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"unicode/utf8"
)

// Compression is how a payload's bytes are packed.
type Compression uint8

const (
	Uncompressed Compression = iota
	Gzip                     // RFC 1952, one member or several
	Zlib                     // RFC 1950, one stream or several
)

func (c Compression) String() string {
	return [...]string{"uncompressed", "gzip", "zlib"}[c]
}

// SniffLen is how many leading bytes of a payload Sniff looks at.
const SniffLen = 4096

// Sniff tells a payload's compression from head, its first SniffLen bytes
// (all of it when shorter; complete says head is the whole payload). It is
// the one rule every reader of payloads follows, whole (Inflate) or
// streamed (NewPayloadReader).
//
// gzip is recognised by its magic 1f 8b. zlib is recognised by the header
// bytes 78 01, 78 5e, 78 9c or 78 da (deflate, 32K window, no preset
// dictionary). "x^" (78 5e) can also start plain text, so a head with that
// header that reads as text is zlib only if it begins a zlib stream: it
// inflates without a corruption (and, when complete, ends the stream).
func Sniff(head []byte, complete bool) Compression {
	switch {
	case isGzip(head):
		return Gzip
	case !isZlib(head):
		return Uncompressed
	case head[1] != 0x5e || !isText(head) || beginsZlib(head, complete):
		return Zlib
	}
	return Uncompressed
}

// beginsZlib reports whether head starts a zlib stream that inflates
// without error, up to its end or 1 MiB of output (past its end when
// head is not the whole payload).
func beginsZlib(head []byte, complete bool) bool {
	zr, err := zlib.NewReader(bytes.NewReader(head))
	if err != nil {
		return !complete && errors.Is(err, io.ErrUnexpectedEOF)
	}
	_, err = io.Copy(io.Discard, io.LimitReader(zr, 1<<20))
	return err == nil || !complete && errors.Is(err, io.ErrUnexpectedEOF)
}

// sniffPayload sniffs a payload held whole.
func sniffPayload(payload []byte) Compression {
	if len(payload) > SniffLen {
		return Sniff(payload[:SniffLen], false)
	}
	return Sniff(payload, true)
}

// Inflate returns payload decompressed when Sniff finds it is gzip or
// zlib, and payload itself otherwise.
//
// Output is limited to max bytes (max <= 0: no limit); a payload that
// inflates past it is an error, as is a truncated or corrupt stream: the
// caller gets an error rather than part of the data. Trailing NUL padding
// after the last gzip member or zlib stream is ignored; any other trailing
// bytes are an error.
func Inflate(payload []byte, max int64) ([]byte, error) {
	switch sniffPayload(payload) {
	case Gzip:
		return inflateGzip(payload, max)
	case Zlib:
		return inflateZlib(payload, max)
	}
	return payload, nil
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

func isZlib(b []byte) bool {
	if len(b) < 2 || b[0] != 0x78 {
		return false
	}
	switch b[1] {
	case 0x01, 0x5e, 0x9c, 0xda:
		return true
	}
	return false
}

var errTooLarge = errors.New("payload too large")

type tooLargeError struct{ max int64 }

func (e tooLargeError) Error() string   { return fmt.Sprintf("payload inflates past %d bytes", e.max) }
func (e tooLargeError) Is(t error) bool { return t == errTooLarge }

func inflateGzip(payload []byte, max int64) ([]byte, error) {
	r := bytes.NewReader(payload) // a ByteReader: gzip reads no byte past a member
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, streamError("gzip", 1, err)
	}
	out := make([]byte, 0, sizeHint(payload, max))
	for member := 1; ; member++ {
		zr.Multistream(false)
		if out, err = readLimited(zr, out, max); err != nil {
			return nil, streamError("gzip", member, err)
		}
		if r.Len() == 0 || allZero(payload[len(payload)-r.Len():]) {
			return out, nil
		}
		rest := r.Len()
		if err := zr.Reset(r); err != nil {
			if errors.Is(err, gzip.ErrHeader) {
				return nil, fmt.Errorf("gzip payload is corrupt: %d bytes after member %d are not a gzip member",
					rest, member)
			}
			return nil, streamError("gzip", member+1, err)
		}
	}
}

func inflateZlib(payload []byte, max int64) ([]byte, error) {
	r := bytes.NewReader(payload)
	var out []byte
	for stream := 1; ; stream++ {
		zr, err := zlib.NewReader(r)
		if err != nil {
			return nil, streamError("zlib", stream, err)
		}
		if out, err = readLimited(zr, out, max); err != nil {
			return nil, streamError("zlib", stream, err)
		}
		rest := payload[len(payload)-r.Len():]
		switch {
		case len(rest) == 0 || allZero(rest):
			return out, nil
		case !isZlib(rest):
			return nil, fmt.Errorf("zlib payload is corrupt: %d bytes after stream %d are not a zlib stream", len(rest), stream)
		}
	}
}

// streamError says what went wrong in which member of a compressed payload.
func streamError(format string, member int, err error) error {
	var tl tooLargeError
	switch {
	case errors.As(err, &tl):
		return err
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Errorf("%s payload is truncated (in member %d)", format, member)
	}
	return fmt.Errorf("%s payload is corrupt (in member %d): %v", format, member, err)
}

// sizeHint guesses the inflated size of a gzip payload from the ISIZE field
// of its last member, bounded by max and by deflate's best ratio (1032:1)
// so that a forged ISIZE cannot make us allocate much.
func sizeHint(payload []byte, max int64) int {
	if len(payload) < 18 {
		return 512
	}
	hint := int64(binary.LittleEndian.Uint32(payload[len(payload)-4:]))
	hint = min(hint+1, int64(len(payload))*1032)
	if max > 0 {
		hint = min(hint, max+1)
	}
	return int(max64(hint, 512))
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// readLimited appends all of r to out, failing once out would exceed max
// bytes.
func readLimited(r io.Reader, out []byte, max int64) ([]byte, error) {
	for {
		if len(out) == cap(out) {
			grow := max64(int64(cap(out)), 4096)
			if max > 0 {
				grow = min(grow, max+1-int64(len(out)))
			}
			if grow <= 0 {
				return nil, tooLargeError{max}
			}
			out = slices.Grow(out, int(grow))
		}
		n, err := r.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if max > 0 && int64(len(out)) > max {
			return nil, tooLargeError{max}
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// isText reports whether b is valid UTF-8 without control characters other
// than tab, CR and LF.
func isText(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\r' && c != '\n' || c == 0x7f {
			return false
		}
	}
	return utf8.Valid(b)
}

// SplitLines calls fn for each line of payload, split on "\n", without
// the line ending ("\n" or "\r\n"). Empty and whitespace-only lines are
// skipped. Lines may be of any length; they are sub-slices of payload.
// SplitLines stops at the first error fn returns and returns it.
func SplitLines(payload []byte, fn func(line []byte) error) error {
	for len(payload) > 0 {
		var line []byte
		if i := bytes.IndexByte(payload, '\n'); i >= 0 {
			line, payload = payload[:i], payload[i+1:]
		} else {
			line, payload = payload, nil
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if isBlank(line) {
			continue
		}
		if err := fn(line); err != nil {
			return err
		}
	}
	return nil
}

func isBlank(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\v', '\f':
		default:
			return false
		}
	}
	return true
}

// NewPayloadReader returns a reader of r's payload, decompressed as Sniff
// finds it: Inflate for a stream, with the same members, NUL padding and
// errors, so that a large object is never held whole.
func NewPayloadReader(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(SniffLen)
	complete := err != nil
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, err
	}
	pr := &payloadReader{br: br, format: Sniff(head, complete), member: 1}
	switch pr.format {
	case Uncompressed:
		return br, nil
	case Gzip:
		if pr.gz, err = gzip.NewReader(br); err != nil {
			return nil, streamError("gzip", 1, err)
		}
		pr.gz.Multistream(false)
		pr.cur = pr.gz
	case Zlib:
		if pr.cur, err = zlib.NewReader(br); err != nil {
			return nil, streamError("zlib", 1, err)
		}
	}
	return pr, nil
}

// payloadReader inflates gzip members or zlib streams one after another.
type payloadReader struct {
	br     *bufio.Reader
	format Compression
	gz     *gzip.Reader
	cur    io.Reader // the member or stream being read
	member int
}

func (p *payloadReader) Read(b []byte) (int, error) {
	for {
		n, err := p.cur.Read(b)
		switch {
		case err == nil || n > 0 && err == io.EOF:
			return n, nil
		case err != io.EOF:
			return n, streamError(p.format.String(), p.member, err)
		}
		if more, err := p.next(); err != nil || !more {
			if err == nil {
				err = io.EOF
			}
			return 0, err
		}
	}
}

// next starts the member or stream after the current one, reporting
// false at the end of the payload (NUL padding ignored).
func (p *payloadReader) next() (bool, error) {
	nuls := 0
	for {
		c, err := p.br.ReadByte()
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if c != 0 {
			p.br.UnreadByte()
			break
		}
		nuls++
	}
	format := p.format.String()
	notMember := fmt.Errorf("%s payload is corrupt: the bytes after member %d are not a %s member", format, p.member, format)
	if nuls > 0 {
		return false, notMember
	}
	p.member++
	switch p.format {
	case Gzip:
		if err := p.gz.Reset(p.br); err != nil {
			if errors.Is(err, gzip.ErrHeader) {
				return false, notMember
			}
			return false, streamError(format, p.member, err)
		}
		p.gz.Multistream(false)
	case Zlib:
		if head, _ := p.br.Peek(2); !isZlib(head) {
			return false, notMember
		}
		zr, err := zlib.NewReader(p.br)
		if err != nil {
			return false, streamError(format, p.member, err)
		}
		p.cur = zr
	}
	return true, nil
}

// DefaultBatchBytes is the batch size of the splitters when none is given.
const DefaultBatchBytes = 4 << 20

// MaxDocumentBytes bounds a streamed payload that is one JSON document
// spread over lines: it must be classified whole, so it is held whole.
// Larger ones are cut at lines like any text.
const MaxDocumentBytes = 256 << 20

// maxStreamLine bounds one line of a streamed payload; a longer line is cut
// (its pieces end as unclassified records).
const maxStreamLine = 64 << 20

// opensDocument reports whether line, the first non-blank line of a
// payload, opens one JSON document spread over lines (pretty-printed): it
// starts a JSON value and does not end one. The classifier reads such a
// payload as one document (spansLines), so splitters keep it whole.
func opensDocument(line []byte) bool {
	t := trimSpace(line)
	if len(t) == 0 || t[0] != '{' && t[0] != '[' {
		return false
	}
	return !(len(t) > 1 && (t[len(t)-1] == '}' || t[len(t)-1] == ']'))
}

// spansLines reports whether t, a trimmed payload, is one JSON document
// spread over lines: it has more than one line and its first line opens a
// value without closing it (opensDocument). It is the classifier's half of
// the one rule the splitters follow.
func spansLines(t []byte) bool {
	i := bytes.IndexByte(t, '\n')
	return i >= 0 && opensDocument(t[:i])
}

// SplitPayload reads a payload (plain, gzip or zlib, as Sniff finds it) as
// a stream and calls fn with batches cut after the first line end at or
// past size bytes, so that a large object is never held whole. Leading
// blank lines and blank batches are skipped. A payload that is one JSON document over several
// lines cannot be cut: it is one batch (up to MaxDocumentBytes). fn's
// batch is reused after fn returns.
func SplitPayload(r io.Reader, size int, fn func(batch []byte) error) error {
	text, err := NewPayloadReader(r)
	if err != nil {
		return err
	}
	if size <= 0 {
		size = DefaultBatchBytes
	}
	lr := bufio.NewReaderSize(text, 256<<10)
	// Leading blank lines are dropped; the first other line says whether
	// the payload is one document.
	var first []byte
	var rerr error
	for rerr == nil && len(trimSpace(first)) == 0 {
		first, rerr = readLine(lr)
	}
	if rerr != nil && rerr != io.EOF {
		return rerr
	}
	if rerr == nil && opensDocument(first) {
		doc := bytes.NewBuffer(first)
		_, cerr := io.CopyN(doc, lr, MaxDocumentBytes-int64(len(first))+1)
		if cerr != nil && cerr != io.EOF {
			return cerr
		}
		if cerr == io.EOF {
			return fn(doc.Bytes())
		}
		// Too large to be one document: go on with it as lines.
		lr = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(doc.Bytes()[len(first):]), lr), 256<<10)
	}
	batch := make([]byte, 0, size+64<<10)
	lineStart := 0 // where the line being read starts in batch
	emit := func() error {
		if len(bytes.TrimSpace(batch)) > 0 {
			if err := fn(batch); err != nil {
				return err
			}
		}
		batch, lineStart = batch[:0], 0
		return nil
	}
	batch = append(batch, first...)
	if rerr == io.EOF {
		return emit()
	}
	lineStart = len(batch)
	if len(batch) >= size {
		if err := emit(); err != nil {
			return err
		}
	}
	for {
		frag, err := lr.ReadSlice('\n')
		batch = append(batch, frag...)
		switch {
		case err == nil:
			lineStart = len(batch)
			if len(batch) >= size {
				if err := emit(); err != nil {
					return err
				}
			}
		case err == bufio.ErrBufferFull:
			if len(batch)-lineStart >= maxStreamLine {
				if err := emit(); err != nil { // cuts the long line
					return err
				}
			}
		case err == io.EOF:
			return emit()
		default:
			return err
		}
	}
}

// readLine reads one line with its "\n" (up to maxStreamLine bytes; the
// rest of a longer line comes as the next lines).
func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		frag, err := r.ReadSlice('\n')
		line = append(line, frag...)
		switch {
		case err == bufio.ErrBufferFull:
			if len(line) >= maxStreamLine {
				return line, nil
			}
			continue
		case err != nil:
			return line, err
		}
		return line, nil
	}
}

// SplitBatches cuts an uncompressed payload held whole into batches by
// SplitPayload's rule; its batches are sub-slices of payload, not reused,
// so that fn may keep them. (Only the streaming bounds differ: a document
// past MaxDocumentBytes or a line past 64 MiB stays whole here.)
func SplitBatches(payload []byte, size int, fn func(batch []byte) error) error {
	if size <= 0 {
		size = DefaultBatchBytes
	}
	// Leading blank lines are dropped, as SplitPayload does.
	for {
		i := bytes.IndexByte(payload, '\n')
		if i < 0 || len(trimSpace(payload[:i])) > 0 {
			if i >= 0 && opensDocument(payload[:i]) {
				return fn(payload)
			}
			break
		}
		payload = payload[i+1:]
	}
	for len(payload) > 0 {
		end := len(payload)
		if len(payload) > size {
			if i := bytes.IndexByte(payload[size-1:], '\n'); i >= 0 {
				end = size + i
			}
		}
		batch := payload[:end]
		payload = payload[end:]
		if len(bytes.TrimSpace(batch)) > 0 {
			if err := fn(batch); err != nil {
				return err
			}
		}
	}
	return nil
}
