package schema

import (
	"bytes"
	"fmt"

	"github.com/valyala/fastjson"
)

// kvParser reads one line of key/value pairs per record:
// `user=alice action="log in" ok=1`.
//
// Pairs are split by the delimiter (default " "; repeated delimiters count
// as one), and key from value by the first separator (default "="). A
// value that starts with the quote (default '"') runs to the next unescaped
// quote and may hold delimiters and separators; inside it \" and \\ stand
// for " and \, other backslashes are kept. Spaces and tabs around keys and
// unquoted values are trimmed. Keys must be non-empty and hold no quote or
// control character. The parser is strict so that free text is not taken
// for kv: every token must be a pair, and a line needs at least one. A
// repeated key keeps its last value.
type kvParser struct {
	delim, sep []byte
	quote      byte
	scratch    []byte
	b          recordBuilder
}

func newKVParser(cfg ParserConfig) (*kvParser, error) {
	delim, err := optionString("kv delimiter", cfg.Delimiter, " ")
	if err != nil {
		return nil, err
	}
	sep, err := optionString("kv separator", cfg.Separator, "=")
	if err != nil {
		return nil, err
	}
	quote, err := optionChar("kv quote", cfg.Quote, '"')
	if err != nil {
		return nil, err
	}
	switch {
	case delim == sep:
		return nil, fmt.Errorf("kv delimiter and separator are both %q", delim)
	case bytes.IndexByte([]byte(delim), quote) >= 0 || bytes.IndexByte([]byte(sep), quote) >= 0:
		return nil, fmt.Errorf("kv quote %q appears in the delimiter or separator", quote)
	}
	return &kvParser{delim: []byte(delim), sep: []byte(sep), quote: quote}, nil
}

// Parse reads one line of pairs.
func (p *kvParser) Parse(unit []byte, emit func(raw []byte, obj *fastjson.Value) error) error {
	line := trimLine(unit)
	obj := p.b.begin()
	p.scratch = p.scratch[:0]
	pairs := 0
	i := 0
	for i < len(line) {
		if bytes.HasPrefix(line[i:], p.delim) {
			i += len(p.delim)
			continue
		}
		rest := line[i:]
		tokEnd := bytes.Index(rest, p.delim)
		if tokEnd < 0 {
			tokEnd = len(rest)
		}
		s := bytes.Index(rest[:tokEnd], p.sep)
		if s < 0 {
			if len(trimSpaceTab(rest[:tokEnd])) == 0 { // spaces between delimiters
				i += tokEnd
				continue
			}
			return fmt.Errorf("kv: token %s has no separator %q", excerpt(rest[:tokEnd]), p.sep)
		}
		key := trimSpaceTab(rest[:s])
		if err := p.checkKey(key, rest[:tokEnd]); err != nil {
			return err
		}
		i += s + len(p.sep)
		var val []byte
		if i < len(line) && line[i] == p.quote {
			v, end, err := p.quoted(line, i, key)
			if err != nil {
				return err
			}
			val, i = v, end
			if i < len(line) && !bytes.HasPrefix(line[i:], p.delim) {
				// Allow spaces between the closing quote and the delimiter.
				j := i
				for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
					j++
				}
				if j < len(line) && !bytes.HasPrefix(line[j:], p.delim) {
					return fmt.Errorf("kv: key %s: %s after the closing quote, want the delimiter %q",
						excerpt(key), excerpt(line[i:min(len(line), i+10)]), p.delim)
				}
				i = j
			}
		} else {
			end := bytes.Index(line[i:], p.delim)
			if end < 0 {
				end = len(line) - i
			}
			val = trimSpaceTab(line[i : i+end])
			i += end
		}
		p.b.set(obj, p.b.keyAt(pairs, key), val)
		pairs++
	}
	if pairs == 0 {
		return errKVNoPairs
	}
	if err := p.b.finish(); err != nil {
		return err
	}
	return emit(line, obj)
}

var errKVNoPairs = fmt.Errorf("kv: no key/value pairs")

func (p *kvParser) checkKey(key, token []byte) error {
	if len(key) == 0 {
		return fmt.Errorf("kv: token %s has an empty key", excerpt(token))
	}
	for _, c := range key {
		if c < 0x20 || c == 0x7f || c == p.quote {
			return fmt.Errorf("kv: key %s holds %q", excerpt(key), c)
		}
	}
	return nil
}

// quoted reads the quoted value opening at line[open] and returns it with
// the index just past its closing quote. The value is a slice of line when
// it has no escapes, else of p.scratch.
func (p *kvParser) quoted(line []byte, open int, key []byte) ([]byte, int, error) {
	j := open + 1
	from := j
	start := len(p.scratch)
	escaped := false
	for j < len(line) {
		c := line[j]
		switch {
		case c == p.quote:
			if !escaped {
				return line[open+1 : j], j + 1, nil
			}
			p.scratch = append(p.scratch, line[from:j]...)
			return p.scratch[start:], j + 1, nil
		case c == '\\' && j+1 < len(line) && (line[j+1] == p.quote || line[j+1] == '\\'):
			p.scratch = append(p.scratch, line[from:j]...)
			p.scratch = append(p.scratch, line[j+1])
			escaped = true
			j += 2
			from = j
		default:
			j++
		}
	}
	return nil, 0, fmt.Errorf("kv: key %s: quoted value has no closing quote", excerpt(key))
}

func trimSpaceTab(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}
