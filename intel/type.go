package intel

import (
	"fmt"
	"strings"
)

// Type is the kind of an IOC.
type Type uint8

// The IOC types. Their names (String) are what files, rules and the lake
// table use.
const (
	IP     Type = iota + 1 // an IPv4 or IPv6 address or network
	Domain                 // a domain name; also matches its subdomains
	URL
	MD5
	SHA1
	SHA256
	Email
)

// Types lists every type in order.
var Types = []Type{IP, Domain, URL, MD5, SHA1, SHA256, Email}

var typeNames = [...]string{IP: "ip", Domain: "domain", URL: "url", MD5: "md5", SHA1: "sha1", SHA256: "sha256", Email: "email"}

func (t Type) String() string {
	if t >= IP && t <= Email {
		return typeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// ParseType reads a type name; a few common spellings are accepted
// (ipv4, ipv6, hostname, sha-256, …).
func ParseType(s string) (Type, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "ip", "ipv4", "ipv6", "ip_address", "ip-address", "cidr":
		return IP, nil
	case "domain", "hostname", "domain-name", "fqdn":
		return Domain, nil
	case "url", "uri":
		return URL, nil
	case "md5":
		return MD5, nil
	case "sha1", "sha-1":
		return SHA1, nil
	case "sha256", "sha-256":
		return SHA256, nil
	case "email", "email-addr", "email-address", "e-mail":
		return Email, nil
	}
	return 0, fmt.Errorf("unknown IOC type %q (want one of %s)", s, typeList())
}

func typeList() string {
	names := make([]string, len(Types))
	for i, t := range Types {
		names[i] = t.String()
	}
	return strings.Join(names, ", ")
}

// NormalizedType is the schema normalized type whose values are checked
// against IOCs of type t (schema.NormalizedTypes).
func (t Type) NormalizedType() string {
	switch t {
	case IP:
		return "ip_address"
	case Domain:
		return "domain"
	}
	return t.String()
}

// NormalizedTypes returns the schema normalized types checked against IOCs
// of type t: a domain IOC is checked against domain and hostname values.
func (t Type) NormalizedTypes() []string {
	if t == Domain {
		return []string{"domain", "hostname"}
	}
	return []string{t.NormalizedType()}
}

// Guess returns the type a bare value most likely has, for values written
// without one (the allow-list, `intel test`): an address or network is an
// ip, 32, 40 or 64 hex digits a hash, text with @ an email, text with ://
// a url, and anything else that is a valid domain a domain.
func Guess(value string) (Type, error) {
	v := strings.TrimSpace(Refang(value))
	if _, err := ParsePrefix(v); err == nil {
		return IP, nil
	}
	for _, t := range []Type{MD5, SHA1, SHA256} {
		if _, err := parseHash(t, v); err == nil {
			return t, nil
		}
	}
	switch {
	case strings.Contains(v, "://"):
		return URL, nil
	case strings.Contains(v, "@"):
		return Email, nil
	}
	if _, err := normalizeDomain(v); err == nil {
		return Domain, nil
	}
	return 0, fmt.Errorf("%q is no IP, network, hash, URL, e-mail address or domain", value)
}
