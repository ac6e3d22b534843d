package rules

import (
	"encoding/binary"
	"strings"
	"unsafe"
)

// Lower-casing is on the hot path (every case-insensitive test lowers the
// record's value once per record), so ASCII text, by far the most common,
// is checked and lowered eight bytes at a time into a per-record buffer.
// Anything else goes through strings.ToLower, which defines the result.

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// upperMask has 0x80 in each byte of w that is an ASCII capital letter;
// w must have no high bits set.
func upperMask(w uint64) uint64 {
	geA := w + (0x80-'A')*ones // high bit set where byte >= 'A'
	gtZ := w + (0x80-'Z'-1)*ones
	return geA &^ gtZ & highs
}

// asciiUpper reports whether t is ASCII and whether it has capitals.
func asciiUpper(t string) (ascii, upper bool) {
	i := 0
	var up uint64
	for ; i+8 <= len(t); i += 8 {
		w := binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(t[i:]), 8))
		if w&highs != 0 {
			return false, false
		}
		up |= upperMask(w)
	}
	for ; i < len(t); i++ {
		c := t[i]
		if c >= 0x80 {
			return false, false
		}
		if 'A' <= c && c <= 'Z' {
			up = 1
		}
	}
	return true, up != 0
}

// lowerASCIIInto appends t (ASCII) lower-cased to buf.
func lowerASCIIInto(buf []byte, t string) []byte {
	start := len(buf)
	buf = append(buf, t...)
	b := buf[start:]
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		binary.LittleEndian.PutUint64(b[i:], w|upperMask(w)>>2)
	}
	for ; i < len(b); i++ {
		if c := b[i]; 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return buf
}

// lowerString lower-cases t exactly like strings.ToLower. ASCII text with
// capitals is lowered into the state's buffer without allocating; the
// result is valid until the next record.
func (s *state) lowerString(t string) string {
	ascii, upper := asciiUpper(t)
	switch {
	case !ascii:
		return strings.ToLower(t)
	case !upper:
		return t
	}
	start := len(s.buf)
	s.buf = lowerASCIIInto(s.buf, t)
	// Strings made earlier for this record keep pointing into the old
	// array when append moves the buffer, so they stay intact.
	return unsafe.String(&s.buf[start], len(t))
}
