package rules

import "net/netip"

// MatchCIDR reports whether text is an IP address inside one of nets,
// exactly as an OpCIDR leaf tests one value of a field: the text must parse
// as an IPv4 or IPv6 address (a zone is dropped, an IPv4-mapped IPv6
// address is unmapped); any other text does not match. The SQL compiler's
// DuckDB function calls it, so that streaming and SQL share this code.
func MatchCIDR(text string, nets []netip.Prefix) bool {
	d := slotData{vals: []fieldValue{{text: text}}}
	a := d.addrAt(0)
	if !a.IsValid() {
		return false
	}
	for _, p := range nets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
