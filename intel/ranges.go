package intel

import (
	"cmp"
	"net/netip"
	"slices"
)

// u128 is an IPv6 address as a number.
type u128 struct{ hi, lo uint64 }

func cmpU128(a, b u128) int {
	if c := cmp.Compare(a.hi, b.hi); c != 0 {
		return c
	}
	return cmp.Compare(a.lo, b.lo)
}

func addr4(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func addr6(a netip.Addr) u128 {
	b := a.As16()
	var v u128
	for i := 0; i < 8; i++ {
		v.hi = v.hi<<8 | uint64(b[i])
		v.lo = v.lo<<8 | uint64(b[8+i])
	}
	return v
}

func from4(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func from6(v u128) netip.Addr {
	var b [16]byte
	for i := 0; i < 8; i++ {
		b[7-i] = byte(v.hi >> (8 * i))
		b[15-i] = byte(v.lo >> (8 * i))
	}
	return netip.AddrFrom16(b)
}

// rangeIndex holds the networks of one address family as sorted ranges.
// Networks are either disjoint or nested, so each range has at most one
// innermost enclosing range (its parent): the ranges containing an address
// are the last range starting at or before it and that range's ancestors.
// A lookup is a binary search and a walk up at most one step per prefix
// length.
type rangeIndex[K any] struct {
	lo, hi []K
	bits   []uint8
	parent []int32 // -1 for none
	meta   []meta
	cmp    func(a, b K) int
	// top gives the top 16 bits of a key; start[b] is the first range
	// whose lo has top bits b or more, so a search looks at one bucket
	// (a few entries for millions of ranges) instead of the whole array.
	top   func(a K) uint32
	start []uint32 // 1<<16 + 1 entries
}

// pending is a network waiting to be indexed.
type pending[K any] struct {
	lo, hi K
	bits   uint8
	meta   meta
}

// build sorts and indexes the networks (ps is reordered), merging
// duplicates; it returns how many were merged.
func (r *rangeIndex[K]) build(ps []pending[K]) int {
	slices.SortFunc(ps, func(a, b pending[K]) int {
		if c := r.cmp(a.lo, b.lo); c != 0 {
			return c
		}
		return r.cmp(b.hi, a.hi) // wider first, so nested ranges follow their parent
	})
	n, dups := 0, 0
	for i := range ps {
		if n > 0 && r.cmp(ps[n-1].lo, ps[i].lo) == 0 && r.cmp(ps[n-1].hi, ps[i].hi) == 0 {
			ps[n-1].meta = ps[n-1].meta.merge(ps[i].meta)
			dups++
			continue
		}
		ps[n] = ps[i]
		n++
	}
	ps = ps[:n]
	r.lo, r.hi = make([]K, n), make([]K, n)
	r.bits, r.parent, r.meta = make([]uint8, n), make([]int32, n), make([]meta, n)
	var stack []int32
	for i, p := range ps {
		r.lo[i], r.hi[i], r.bits[i], r.meta[i] = p.lo, p.hi, p.bits, p.meta
		for len(stack) > 0 && r.cmp(r.hi[stack[len(stack)-1]], p.lo) < 0 {
			stack = stack[:len(stack)-1]
		}
		r.parent[i] = -1
		if len(stack) > 0 {
			r.parent[i] = stack[len(stack)-1]
		}
		stack = append(stack, int32(i))
	}
	r.start = make([]uint32, 1<<16+1)
	j := 0
	for b := 0; b <= 1<<16; b++ {
		for j < n && r.top(r.lo[j]) < uint32(b) {
			j++
		}
		r.start[b] = uint32(j)
	}
	return dups
}

// find returns the innermost live range containing a, or -1.
func (r *rangeIndex[K]) find(a K, now uint32) int {
	if len(r.lo) == 0 {
		return -1
	}
	// The last range starting at or before a: binary search in a's bucket;
	// when none there, the last range before the bucket.
	b := r.top(a)
	lo, hi := int(r.start[b]), int(r.start[b+1])
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if r.cmp(r.lo[m], a) <= 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	i := lo - 1
	for i >= 0 {
		if r.cmp(r.hi[i], a) >= 0 && r.meta[i].live(now) {
			return i
		}
		i = int(r.parent[i])
	}
	return -1
}

func (r *rangeIndex[K]) len() int { return len(r.lo) }
