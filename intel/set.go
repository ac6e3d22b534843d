package intel

import (
	"cmp"
	"encoding/hex"
	"fmt"
	"math"
	"net/netip"
	"sort"
	"time"
)

// meta is what a set keeps about one IOC besides its value: the index of
// its source in Set.sources and when it expires (Unix seconds, 0 never).
type meta struct {
	source  uint32
	expires uint32
}

func (m meta) live(now uint32) bool { return m.expires == 0 || now < m.expires }

// merge keeps the first source and the later expiry (never beats any).
func (m meta) merge(o meta) meta {
	if m.expires != 0 && (o.expires == 0 || o.expires > m.expires) {
		m.expires = o.expires
	}
	return m
}

// unixSeconds converts a time for meta; the zero time is 0 (never), and
// times are clamped into uint32.
func unixSeconds(t time.Time) uint32 {
	if t.IsZero() {
		return 0
	}
	s := t.Unix()
	switch {
	case s < 1:
		return 1
	case s > math.MaxUint32:
		return math.MaxUint32
	}
	return uint32(s)
}

// Set is an immutable set of IOCs read from one file or feed.
type Set struct {
	// Name identifies the set: the feed name, or the file name for files.
	Name string
	// Origin is where it was read from (a path or a URL).
	Origin string
	// Format is the format it was read in.
	Format Format
	// Loaded is when it was read.
	Loaded time.Time
	// Skipped counts entries left out on purpose, by reason (STIX
	// patterns that are not simple comparisons, MISP attribute types that
	// are no IOC type, …).
	Skipped map[string]int

	sources []string
	v4      rangeIndex[uint32]
	v6      rangeIndex[u128]
	str     [Email + 1]*strTable // Domain … Email; hashes are stored as bytes
	dups    int
}

// Len returns the number of distinct IOCs of type t.
func (s *Set) Len(t Type) int {
	if t == IP {
		return s.v4.len() + s.v6.len()
	}
	if tab := s.str[t]; tab != nil {
		return tab.len() - tab.dups
	}
	return 0
}

// Total returns the number of distinct IOCs of every type.
func (s *Set) Total() int {
	n := 0
	for _, t := range Types {
		n += s.Len(t)
	}
	return n
}

// Duplicates returns how many entries repeated an IOC already in the set.
func (s *Set) Duplicates() int {
	n := s.dups
	for _, tab := range s.str {
		if tab != nil {
			n += tab.dups
		}
	}
	return n
}

// SkippedTotal returns the number of skipped entries.
func (s *Set) SkippedTotal() int {
	n := 0
	for _, c := range s.Skipped {
		n += c
	}
	return n
}

// Hit is a value found in a set.
type Hit struct {
	Type Type
	// IOC is the set's entry in canonical form: the network for an address
	// inside a listed network, the listed parent domain for a subdomain.
	IOC string
	// Set is the name of the set, Source the source the entry named (the
	// CSV source column, the STIX bundle's or MISP event's producer) or the
	// set's name when it named none.
	Set     string
	Source  string
	Expires time.Time // zero for never
}

// Lookup looks a record value of type t up at time now; the value is
// normalized first, and a value that is not of the type is not found.
func (s *Set) Lookup(t Type, value string, now time.Time) (Hit, bool) {
	q, ok := newQuery(t, value)
	if !ok {
		return Hit{}, false
	}
	return s.lookup(q, unixSeconds(now))
}

// query is a record value normalized for lookups, so that a store
// normalizes it once for all its sets.
type query struct {
	t    Type
	addr netip.Addr // IP
	key  string     // the normalized domain, the hash bytes, or the text
}

func newQuery(t Type, value string) (query, bool) {
	q := query{t: t}
	switch t {
	case IP:
		a, ok := valueAddr(value)
		q.addr = a
		return q, ok
	case Domain:
		d, err := normalizeDomain(value)
		q.key = d
		return q, err == nil
	case MD5, SHA1, SHA256:
		b, err := parseHash(t, value)
		q.key = string(b)
		return q, err == nil
	}
	v, err := Normalize(t, value)
	q.key = v
	return q, err == nil
}

func (s *Set) lookup(q query, now uint32) (Hit, bool) {
	switch q.t {
	case IP:
		return s.lookupAddr(q.addr, now)
	case Domain:
		return s.lookupDomain(q.key, now)
	}
	return s.lookupKey(q.t, q.key, now)
}

func (s *Set) lookupAddr(a netip.Addr, now uint32) (Hit, bool) {
	if a.Is4() {
		i := s.v4.find(addr4(a), now)
		if i < 0 {
			return Hit{}, false
		}
		p := netip.PrefixFrom(from4(s.v4.lo[i]), int(s.v4.bits[i]))
		return s.hit(IP, prefixText(p), s.v4.meta[i]), true
	}
	i := s.v6.find(addr6(a), now)
	if i < 0 {
		return Hit{}, false
	}
	p := netip.PrefixFrom(from6(s.v6.lo[i]), int(s.v6.bits[i]))
	return s.hit(IP, prefixText(p), s.v6.meta[i]), true
}

// lookupDomain tries d and then each parent domain: one hash lookup per
// label.
func (s *Set) lookupDomain(d string, now uint32) (Hit, bool) {
	tab := s.str[Domain]
	if tab == nil {
		return Hit{}, false
	}
	for {
		if i := tab.find(d); i >= 0 && tab.meta[i].live(now) {
			return s.hit(Domain, d, tab.meta[i]), true
		}
		j := 0
		for j < len(d) && d[j] != '.' {
			j++
		}
		if j == len(d) {
			return Hit{}, false
		}
		d = d[j+1:]
	}
}

func (s *Set) lookupKey(t Type, key string, now uint32) (Hit, bool) {
	tab := s.str[t]
	if tab == nil {
		return Hit{}, false
	}
	i := tab.find(key)
	if i < 0 || !tab.meta[i].live(now) {
		return Hit{}, false
	}
	return s.hit(t, displayKey(t, tab.key(i)), tab.meta[i]), true
}

func displayKey(t Type, k []byte) string {
	switch t {
	case MD5, SHA1, SHA256:
		return hex.EncodeToString(k)
	}
	return string(k)
}

func (s *Set) hit(t Type, ioc string, m meta) Hit {
	h := Hit{Type: t, IOC: ioc, Set: s.Name, Source: s.sources[m.source]}
	if m.expires != 0 {
		h.Expires = time.Unix(int64(m.expires), 0).UTC()
	}
	return h
}

// Entry is one IOC of a set, as Each reports it.
type Entry struct {
	Type    Type
	Value   string // canonical text
	Prefix  netip.Prefix
	Source  string
	Expires time.Time
}

// Each calls fn for every distinct IOC of the set, by type and then in
// index order, until fn returns false.
func (s *Set) Each(fn func(Entry) bool) {
	entry := func(t Type, v string, p netip.Prefix, m meta) Entry {
		e := Entry{Type: t, Value: v, Prefix: p, Source: s.sources[m.source]}
		if m.expires != 0 {
			e.Expires = time.Unix(int64(m.expires), 0).UTC()
		}
		return e
	}
	for i := range s.v4.lo {
		p := netip.PrefixFrom(from4(s.v4.lo[i]), int(s.v4.bits[i]))
		if !fn(entry(IP, prefixText(p), p, s.v4.meta[i])) {
			return
		}
	}
	for i := range s.v6.lo {
		p := netip.PrefixFrom(from6(s.v6.lo[i]), int(s.v6.bits[i]))
		if !fn(entry(IP, prefixText(p), p, s.v6.meta[i])) {
			return
		}
	}
	for _, t := range Types[1:] {
		tab := s.str[t]
		if tab == nil {
			continue
		}
		for _, slot := range tab.slots {
			if slot == 0 {
				continue
			}
			i := int(slot - 1)
			if !fn(entry(t, displayKey(t, tab.key(i)), netip.Prefix{}, tab.meta[i])) {
				return
			}
		}
	}
}

// Builder collects IOCs into a Set.
type Builder struct {
	set    *Set
	srcIdx map[string]uint32
	v4     []pending[uint32]
	v6     []pending[u128]
	err    error
}

// NewBuilder starts a set.
func NewBuilder(name, origin string, f Format) *Builder {
	b := &Builder{set: &Set{Name: name, Origin: origin, Format: f, Skipped: map[string]int{}}, srcIdx: map[string]uint32{}}
	b.source(name)
	return b
}

func (b *Builder) source(name string) uint32 {
	if i, ok := b.srcIdx[name]; ok {
		return i
	}
	i := uint32(len(b.set.sources))
	b.set.sources = append(b.set.sources, name)
	b.srcIdx[name] = i
	return i
}

// Add normalizes and adds one IOC. source "" means the set's name; a zero
// expires means never.
func (b *Builder) Add(t Type, value, source string, expires time.Time) error {
	if source == "" {
		source = b.set.Name
	}
	m := meta{source: b.source(source), expires: unixSeconds(expires)}
	switch t {
	case IP:
		p, err := ParsePrefix(value)
		if err != nil {
			return err
		}
		if p.Addr().Is4() {
			b.v4 = append(b.v4, pending[uint32]{lo: addr4(p.Addr()), hi: addr4(lastAddr(p)), bits: uint8(p.Bits()), meta: m})
		} else {
			b.v6 = append(b.v6, pending[u128]{lo: addr6(p.Addr()), hi: addr6(lastAddr(p)), bits: uint8(p.Bits()), meta: m})
		}
		return nil
	case MD5, SHA1, SHA256:
		k, err := parseHash(t, value)
		if err != nil {
			return err
		}
		return b.table(t).add(k, m)
	case Domain, URL, Email:
		v, err := Normalize(t, value)
		if err != nil {
			return err
		}
		return b.table(t).add([]byte(v), m)
	}
	return fmt.Errorf("unknown IOC type %v", t)
}

func (b *Builder) table(t Type) *strTable {
	if b.set.str[t] == nil {
		b.set.str[t] = newStrTable()
	}
	return b.set.str[t]
}

// Skip counts n entries left out for a reason.
func (b *Builder) Skip(reason string, n int) { b.set.Skipped[reason] += n }

// Set finishes the set. The builder must not be used afterwards.
func (b *Builder) Set(loaded time.Time) *Set {
	s := b.set
	s.Loaded = loaded
	s.v4.cmp = cmp.Compare[uint32]
	s.v4.top = func(a uint32) uint32 { return a >> 16 }
	s.v6.cmp = cmpU128
	s.v6.top = func(a u128) uint32 { return uint32(a.hi >> 48) }
	s.dups += s.v4.build(b.v4)
	s.dups += s.v6.build(b.v6)
	for _, tab := range s.str {
		if tab != nil {
			tab.index()
		}
	}
	b.v4, b.v6, b.set = nil, nil, nil
	return s
}

// Sources returns the distinct sources the set's entries name, sorted.
func (s *Set) Sources() []string {
	out := append([]string(nil), s.sources...)
	sort.Strings(out)
	return out
}
