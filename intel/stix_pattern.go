package intel

import (
	"fmt"
	"strings"
)

// Comparison is one `object-path = 'value'` test of a STIX pattern.
type Comparison struct {
	Type  Type
	Value string
}

// errUnsupported marks a STIX pattern that is valid but not a simple
// comparison this package turns into IOCs; such indicators are skipped.
type errUnsupported struct{ what string }

func (e *errUnsupported) Error() string { return e.what }

// stixPaths maps the supported object paths (lower-cased, hash names
// without quotes) to IOC types.
var stixPaths = map[string]Type{
	"ipv4-addr:value":         IP,
	"ipv6-addr:value":         IP,
	"domain-name:value":       Domain,
	"url:value":               URL,
	"email-addr:value":        Email,
	"file:hashes.md5":         MD5,
	"file:hashes.sha-1":       SHA1,
	"file:hashes.sha1":        SHA1,
	"file:hashes.sha-256":     SHA256,
	"file:hashes.sha256":      SHA256,
	"artifact:hashes.md5":     MD5,
	"artifact:hashes.sha-256": SHA256,
}

// ParseSTIXPattern reads a STIX 2.1 pattern made of simple equality
// comparisons OR-ed together, in one observation or several OR-ed
// observations: [ipv4-addr:value = '198.51.100.1' OR domain-name:value =
// 'evil.example']. Any other construct (AND, other operators, qualifiers,
// FOLLOWEDBY, other object paths) gives an *errUnsupported; text that is
// no STIX pattern gives another error. Nothing is returned unless the
// whole pattern is understood.
func ParseSTIXPattern(pat string) ([]Comparison, error) {
	p := &patParser{s: pat}
	out, err := p.observations()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i < len(p.s) {
		if w := p.word(); w != "" {
			return nil, &errUnsupported{fmt.Sprintf("%s after the observations", strings.ToUpper(w))}
		}
		return nil, fmt.Errorf("unexpected %q at offset %d", p.s[p.i:min(len(p.s), p.i+10)], p.i)
	}
	return out, nil
}

type patParser struct {
	s string
	i int
}

func (p *patParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *patParser) peek() byte {
	p.space()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// word reads a keyword or identifier without consuming on failure.
func (p *patParser) word() string {
	p.space()
	j := p.i
	for j < len(p.s) && (isAlnum(p.s[j]) || p.s[j] == '_' || p.s[j] == '-') {
		j++
	}
	return p.s[p.i:j]
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// keyword consumes w (case-insensitive) if it comes next.
func (p *patParser) keyword(w string) bool {
	if strings.EqualFold(p.word(), w) {
		p.i += len(w)
		return true
	}
	return false
}

// observations: observation (OR observation)*
func (p *patParser) observations() ([]Comparison, error) {
	var out []Comparison
	for {
		cs, err := p.observation()
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
		if !p.keyword("or") {
			break
		}
	}
	if w := strings.ToLower(p.word()); w == "and" || w == "followedby" {
		return nil, &errUnsupported{strings.ToUpper(w) + " between observations"}
	}
	return out, nil
}

// observation: '[' comparisons ']' | '(' observations ')'
func (p *patParser) observation() ([]Comparison, error) {
	switch p.peek() {
	case '[':
		p.i++
		cs, err := p.comparisons()
		if err != nil {
			return nil, err
		}
		if p.peek() != ']' {
			return nil, p.unexpected("]")
		}
		p.i++
		return cs, nil
	case '(':
		p.i++
		cs, err := p.observations()
		if err != nil {
			return nil, err
		}
		if p.peek() != ')' {
			return nil, p.unexpected(")")
		}
		p.i++
		return cs, nil
	}
	return nil, p.unexpected("[")
}

// comparisons: term (OR term)*, where a term is a comparison or a
// parenthesized comparisons.
func (p *patParser) comparisons() ([]Comparison, error) {
	var out []Comparison
	for {
		if p.peek() == '(' {
			p.i++
			cs, err := p.comparisons()
			if err != nil {
				return nil, err
			}
			if p.peek() != ')' {
				return nil, p.unexpected(")")
			}
			p.i++
			out = append(out, cs...)
		} else {
			c, err := p.comparison()
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		if p.keyword("or") {
			continue
		}
		if p.keyword("and") {
			return nil, &errUnsupported{"AND inside an observation"}
		}
		return out, nil
	}
}

// comparison: object-path '=' string
func (p *patParser) comparison() (Comparison, error) {
	path, err := p.path()
	if err != nil {
		return Comparison{}, err
	}
	p.space()
	if p.i >= len(p.s) {
		return Comparison{}, p.unexpected("=")
	}
	if p.s[p.i] != '=' {
		op := p.word()
		if op == "" {
			op = p.s[p.i:min(len(p.s), p.i+2)]
		}
		return Comparison{}, &errUnsupported{fmt.Sprintf("operator %s", strings.ToUpper(op))}
	}
	p.i++
	if c := p.peek(); c == 0 || c == ']' {
		return Comparison{}, p.unexpected("a value")
	} else if c != '\'' {
		return Comparison{}, &errUnsupported{"a comparison with something other than a string"}
	}
	v, err := p.str()
	if err != nil {
		return Comparison{}, err
	}
	t, ok := stixPaths[path]
	if !ok {
		return Comparison{}, &errUnsupported{fmt.Sprintf("object path %s", path)}
	}
	return Comparison{Type: t, Value: v}, nil
}

// path reads object-type:property(.property)*, lower-cased, with quoted
// properties unquoted.
func (p *patParser) path() (string, error) {
	obj := p.word()
	if obj == "" {
		return "", p.unexpected("an object path")
	}
	p.i += len(obj)
	if p.i >= len(p.s) || p.s[p.i] != ':' {
		return "", p.unexpected(":")
	}
	p.i++
	var b strings.Builder
	b.WriteString(strings.ToLower(obj) + ":")
	for first := true; ; first = false {
		if !first {
			if p.i >= len(p.s) || p.s[p.i] != '.' {
				break
			}
			p.i++
			b.WriteByte('.')
		}
		if p.i < len(p.s) && p.s[p.i] == '\'' {
			s, err := p.str()
			if err != nil {
				return "", err
			}
			b.WriteString(strings.ToLower(s))
			continue
		}
		j := p.i
		for j < len(p.s) && (isAlnum(p.s[j]) || p.s[j] == '_' || p.s[j] == '-') {
			j++
		}
		if j == p.i {
			return "", p.unexpected("a property name")
		}
		b.WriteString(strings.ToLower(p.s[p.i:j]))
		p.i = j
		if p.i < len(p.s) && p.s[p.i] == '[' {
			return "", &errUnsupported{"a list index in an object path"}
		}
	}
	return b.String(), nil
}

// str reads a quoted string; \' and \\ are the escapes.
func (p *patParser) str() (string, error) {
	start := p.i
	p.i++ // opening quote
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch c {
		case '\\':
			if p.i+1 >= len(p.s) || (p.s[p.i+1] != '\'' && p.s[p.i+1] != '\\') {
				return "", fmt.Errorf("bad escape in the string at offset %d", p.i)
			}
			b.WriteByte(p.s[p.i+1])
			p.i += 2
		case '\'':
			p.i++
			return b.String(), nil
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", fmt.Errorf("unterminated string at offset %d", start)
}

func (p *patParser) unexpected(want string) error {
	if p.i >= len(p.s) {
		return fmt.Errorf("want %s, got the end of the pattern", want)
	}
	return fmt.Errorf("want %s at offset %d, got %q", want, p.i, p.s[p.i:min(len(p.s), p.i+10)])
}
