package schema

import ()

// recordMem hands out the memory of Records in pieces of larger chunks, so
// that a record costs a few pointer bumps instead of several allocations.
// Records of one chunk keep the whole chunk alive: a record held long
// holds up to a chunk's worth of its neighbours' memory (64 KiB of bytes,
// 64 KiB of values, 32 records' headers).
type recordMem struct {
	vals  []Value
	buf   []byte
	boxes []recordBox
}

const (
	memValueChunk = 1024 // Values: 64 KiB
	memByteChunk  = 64 << 10
	memBoxChunk   = 32
)

func (m *recordMem) values(n int) []Value {
	if n > len(m.vals) {
		if n > memValueChunk/4 {
			return make([]Value, n) // a big record gets its own
		}
		m.vals = make([]Value, memValueChunk)
	}
	v := m.vals[:n:n]
	m.vals = m.vals[n:]
	return v
}

func (m *recordMem) bytes(n int) []byte {
	if n > len(m.buf) {
		if n > memByteChunk/4 {
			return make([]byte, n)
		}
		m.buf = make([]byte, memByteChunk)
	}
	b := m.buf[:n:n]
	m.buf = m.buf[n:]
	return b
}

func (m *recordMem) box() *recordBox {
	if len(m.boxes) == 0 {
		m.boxes = make([]recordBox, memBoxChunk)
	}
	b := &m.boxes[0]
	m.boxes = m.boxes[1:]
	return b
}

// recordBox holds a Record together with room for its first normalized
// values.
type recordBox struct {
	rec  Record
	norm [8]string
}
