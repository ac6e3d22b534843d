package intel

import (
	"cmp"
	"net/netip"
	"slices"
	"sort"
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
	return dups
}

// find returns the innermost live range containing a, or -1.
func (r *rangeIndex[K]) find(a K, now uint32) int {
	i := sort.Search(len(r.lo), func(i int) bool { return r.cmp(r.lo[i], a) > 0 }) - 1
	for i >= 0 {
		if r.cmp(r.hi[i], a) >= 0 && r.meta[i].live(now) {
			return i
		}
		i = int(r.parent[i])
	}
	return -1
}

func (r *rangeIndex[K]) len() int { return len(r.lo) }
