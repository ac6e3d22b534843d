package intel

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"
)

// refangs are the defanged spellings feeds use, with what they stand for.
// Matching is case-insensitive.
var refangs = []struct{ from, to string }{
	{"hxxps://", "https://"}, {"hxxp://", "http://"}, {"fxp://", "ftp://"},
	{"[://]", "://"}, {"[:]", ":"},
	{"[.]", "."}, {"(.)", "."}, {"{.}", "."}, {"[dot]", "."}, {"(dot)", "."}, {"{dot}", "."},
	{"[@]", "@"}, {"(@)", "@"}, {"[at]", "@"}, {"(at)", "@"},
	{"[/]", "/"},
}

// Refang restores defanged text: a leading hxxp://, hxxps:// or fxp://,
// and 1.2.3[.]4, evil(.)com, [dot], user[@]host, [at] and [:] anywhere.
// Matching is case-insensitive.
func Refang(s string) string {
	scheme := hasFoldPrefix(s, "hxxp") || hasFoldPrefix(s, "fxp://")
	if !scheme && !strings.ContainsAny(s, "[({") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if i == 0 && scheme || c == '[' || c == '(' || c == '{' {
			if r, ok := refangAt(s[i:], i == 0); ok {
				b.WriteString(r.to)
				i += len(r.from)
				continue
			}
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

func hasFoldPrefix(s, p string) bool { return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) }

// refangAt finds the defanged spelling s starts with; schemes only at the
// start of the text.
func refangAt(s string, start bool) (struct{ from, to string }, bool) {
	for _, r := range refangs {
		if (start || r.from[0] == '[' || r.from[0] == '(' || r.from[0] == '{') && hasFoldPrefix(s, r.from) {
			return r, true
		}
	}
	return struct{ from, to string }{}, false
}

// errEmpty is the error for a value with nothing in it.
var errEmpty = errors.New("empty value")

// Normalize returns the canonical text of a value of type t, the form sets
// store and the lake table holds: IP networks masked and printed canonically
// (a single address without /32 or /128, IPv4-mapped IPv6 as IPv4), domains
// and e-mail addresses in lower case without trailing dots, URLs with the
// scheme and host in lower case, hashes in lower-case hex. Defanged text is
// restored first.
func Normalize(t Type, s string) (string, error) {
	switch t {
	case IP:
		p, err := ParsePrefix(s)
		if err != nil {
			return "", err
		}
		return prefixText(p), nil
	case Domain:
		return normalizeDomain(s)
	case URL:
		return normalizeURL(s)
	case MD5, SHA1, SHA256:
		b, err := parseHash(t, s)
		if err != nil {
			return "", err
		}
		return hex.EncodeToString(b), nil
	case Email:
		return normalizeEmail(s)
	}
	return "", fmt.Errorf("unknown IOC type %v", t)
}

// ParsePrefix reads an IP address or network (defanged forms allowed). A
// single address is a full-length prefix; IPv4-mapped IPv6 is unmapped; a
// network with host bits set is masked.
func ParsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(Refang(s))
	if s == "" {
		return netip.Prefix{}, errEmpty
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if !strings.Contains(s, "/") {
		a, err := parseAddr(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or network", s)
	}
	if p.Addr().Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, fmt.Errorf("%q: an IPv4-mapped network needs at least 96 bits", s)
		}
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// parseAddr reads one address, unmapped and without zone.
func parseAddr(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%q is not an IP address", s)
	}
	return a.Unmap().WithZone(""), nil
}

func prefixText(p netip.Prefix) string {
	if p.Bits() == p.Addr().BitLen() {
		return p.Addr().String()
	}
	return p.String()
}

// normalizeDomain lower-cases, trims trailing dots and a leading "*." and
// checks the labels.
func normalizeDomain(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(Refang(s)))
	s = strings.TrimRight(s, ".")
	s = strings.TrimPrefix(s, "*.")
	if s == "" {
		return "", errEmpty
	}
	if len(s) > 253 {
		return "", fmt.Errorf("domain %q is longer than 253 characters", truncate(s))
	}
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("domain %q is not valid UTF-8", truncate(s))
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" {
			return "", fmt.Errorf("domain %q has an empty label", s)
		}
		for _, r := range label {
			if r <= ' ' || strings.ContainsRune("/\\:@?#[]()<>\"',;*", r) {
				return "", fmt.Errorf("domain %q has the character %q", s, r)
			}
		}
	}
	return s, nil
}

// normalizeURL lower-cases the scheme and host, trims a trailing dot of
// the host and keeps the rest as written.
func normalizeURL(s string) (string, error) {
	s = strings.TrimSpace(Refang(s))
	if s == "" {
		return "", errEmpty
	}
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("URL %q is not valid UTF-8", truncate(s))
	}
	if strings.ContainsAny(s, " \t\r\n") {
		return "", fmt.Errorf("URL %q contains white space", truncate(s))
	}
	rest, scheme := s, ""
	if i := strings.Index(s, "://"); i > 0 {
		scheme, rest = strings.ToLower(s[:i+3]), s[i+3:]
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	host := strings.TrimRight(strings.ToLower(rest[:end]), ".")
	if host == "" && scheme != "" {
		return "", fmt.Errorf("URL %q has no host", s)
	}
	out := scheme + host + rest[end:]
	if out == "" {
		return "", fmt.Errorf("URL %q is only dots", s)
	}
	return out, nil
}

func normalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(Refang(s)))
	s = strings.TrimPrefix(s, "mailto:")
	if s == "" {
		return "", errEmpty
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.ContainsAny(s, " \t\r\n<>") {
		return "", fmt.Errorf("%q is not an e-mail address", truncate(s))
	}
	dom, err := normalizeDomain(s[at+1:])
	if err != nil {
		return "", fmt.Errorf("e-mail address %q: %w", truncate(s), err)
	}
	return s[:at+1] + dom, nil
}

var hashLen = map[Type]int{MD5: 16, SHA1: 20, SHA256: 32}

// parseHash reads a hex digest of type t.
func parseHash(t Type, s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errEmpty
	}
	if len(s) != 2*hashLen[t] {
		return nil, fmt.Errorf("%s %q: want %d hex digits, got %d", t, truncate(s), 2*hashLen[t], len(s))
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%s %q is not hex", t, truncate(s))
	}
	return b, nil
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
