package intel

import (
	"encoding/hex"
	"net/netip"
	"strings"
)

// Keys returns the lake-table keys a record value of type t is looked up
// under, the form the SQL sweep joins on (nil when the value is not of the
// type): for an IP, its AddrKey; for a domain, the normalized domain and
// each parent domain (a.b.example.com, b.example.com, example.com, com);
// for every other type, the normalized text.
func Keys(t Type, s string) []string {
	switch t {
	case IP:
		a, ok := valueAddr(s)
		if !ok {
			return nil
		}
		return []string{AddrKey(a)}
	case Domain:
		d, err := normalizeDomain(s)
		if err != nil {
			return nil
		}
		return domainSuffixes(d, nil)
	}
	n, err := Normalize(t, s)
	if err != nil {
		return nil
	}
	return []string{n}
}

// valueAddr reads a record value as one address (networks are not values).
func valueAddr(s string) (netip.Addr, bool) {
	p, err := ParsePrefix(s)
	if err != nil || p.Bits() != p.Addr().BitLen() {
		return netip.Addr{}, false
	}
	return p.Addr(), true
}

// domainSuffixes appends d and each of its parent domains to out.
func domainSuffixes(d string, out []string) []string {
	for {
		out = append(out, d)
		i := strings.IndexByte(d, '.')
		if i < 0 {
			return out
		}
		d = d[i+1:]
	}
}

// AddrKey is the text form of an address that sorts as the address does:
// "4:" and 8 upper-case hex digits for IPv4, "6:" and 32 for IPv6. A
// network is the range of keys between the keys of its first and last
// address (RangeKeys). Trino spells the same text with to_hex over the
// address cast to VARBINARY.
func AddrKey(a netip.Addr) string {
	if a.Is4() {
		b := a.As4()
		return "4:" + strings.ToUpper(hex.EncodeToString(b[:]))
	}
	b := a.As16()
	return "6:" + strings.ToUpper(hex.EncodeToString(b[:]))
}

// RangeKeys returns the keys of the first and last address of p.
func RangeKeys(p netip.Prefix) (lo, hi string) {
	return AddrKey(p.Masked().Addr()), AddrKey(lastAddr(p))
}

// lastAddr is the highest address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	p = p.Masked()
	if p.Addr().Is4() {
		b := p.Addr().As4()
		v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		if p.Bits() < 32 {
			v |= 1<<(32-p.Bits()) - 1
		}
		return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	b := p.Addr().As16()
	for i := p.Bits(); i < 128; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	return netip.AddrFrom16(b)
}
