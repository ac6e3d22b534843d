package schema

import (
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

// Inflate returns payload decompressed when it is gzip (RFC 1952, any
// number of members) or zlib (RFC 1950), and payload itself otherwise.
//
// Output is limited to max bytes (max <= 0: no limit); a payload that
// inflates past it is an error, as is a truncated or corrupt stream: the
// caller gets an error rather than part of the data. Trailing NUL padding
// after the last gzip member or zlib stream is ignored; any other trailing
// bytes are an error.
//
// gzip is recognised by its magic 1f 8b. zlib is recognised by the header
// bytes 78 01, 78 5e, 78 9c or 78 da (deflate, 32K window, no preset
// dictionary). "x^" (78 5e) can also start plain text, so a payload with a
// zlib header that does not inflate but reads as text is returned as is.
func Inflate(payload []byte, max int64) ([]byte, error) {
	switch {
	case isGzip(payload):
		return inflateGzip(payload, max)
	case isZlib(payload):
		out, err := inflateZlib(payload, max)
		if err != nil && !errors.Is(err, errTooLarge) && isText(payload) {
			return payload, nil
		}
		return out, err
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
