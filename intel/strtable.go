package intel

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/zeebo/xxh3"
)

// strTable is a set of byte strings with metadata: the strings one after
// another in one arena, and an open-addressing hash table (linear probing,
// at most half full) of indexes into it. Each entry costs its bytes plus
// 16 bytes, and a lookup hashes once and compares about one string.
type strTable struct {
	arena []byte
	off   []uint32 // entry i is arena[off[i]:off[i+1]]
	meta  []meta
	slots []uint32 // entry index + 1; 0 is empty
	mask  uint64
	dups  int
}

func newStrTable() *strTable { return &strTable{off: []uint32{0}} }

// add appends an entry; duplicates are merged by index.
func (t *strTable) add(key []byte, m meta) error {
	if uint64(len(t.arena))+uint64(len(key)) > math.MaxUint32 {
		return fmt.Errorf("more than 4 GiB of IOC text in one set")
	}
	t.arena = append(t.arena, key...)
	t.off = append(t.off, uint32(len(t.arena)))
	t.meta = append(t.meta, m)
	return nil
}

func (t *strTable) len() int { return len(t.meta) }

func (t *strTable) key(i int) []byte { return t.arena[t.off[i]:t.off[i+1]] }

// index builds the hash table; a duplicate key merges into the first
// entry and is left out of the table.
func (t *strTable) index() {
	n := len(t.meta)
	size := uint64(1) << bits.Len64(uint64(2*n)|1)
	t.slots = make([]uint32, size)
	t.mask = size - 1
	for i := 0; i < n; i++ {
		k := t.key(i)
		j := xxh3.Hash(k) & t.mask
		for {
			s := t.slots[j]
			if s == 0 {
				t.slots[j] = uint32(i + 1)
				break
			}
			if string(t.key(int(s-1))) == string(k) {
				t.meta[s-1] = t.meta[s-1].merge(t.meta[i])
				t.dups++
				break
			}
			j = (j + 1) & t.mask
		}
	}
	t.arena = t.arena[:len(t.arena):len(t.arena)]
}

// find returns the index of key, or -1.
func (t *strTable) find(key string) int {
	if len(t.slots) == 0 {
		return -1
	}
	j := xxh3.HashString(key) & t.mask
	for {
		s := t.slots[j]
		if s == 0 {
			return -1
		}
		if string(t.key(int(s-1))) == key {
			return int(s - 1)
		}
		j = (j + 1) & t.mask
	}
}
