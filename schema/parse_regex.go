package schema

import (
	"bytes"
	"fmt"
	"regexp"

	"github.com/valyala/fastjson"
)

// regexParser reads one line per record with an RE2 pattern whose named
// groups name the keys.
//
// The pattern must match the whole line: it is compiled as ^(?:pattern)$,
// so a pattern that matches only part of a line rejects it rather than
// silently dropping the rest. Each named group that took part in the match
// becomes a key, even when it matched ""; groups that did not take part
// (an unused alternative, a skipped optional group) are left out. Values
// are kept as matched: "-" stays "-" for the definition to interpret. When
// several groups share a name, the last one that took part wins.
type regexParser struct {
	comment []byte // lines starting with it are consumed without a record
	re      *regexp.Regexp
	names   []string
	b       recordBuilder
}

func newRegexParser(cfg ParserConfig) (*regexParser, error) {
	re, err := regexp.Compile(`^(?:` + cfg.Pattern + `)$`)
	if err != nil {
		return nil, fmt.Errorf("regex pattern: %v", err)
	}
	return &regexParser{re: re, names: re.SubexpNames(), comment: []byte(cfg.Comment)}, nil
}

// Parse matches one line.
func (p *regexParser) Parse(unit []byte, emit func(raw []byte, obj *fastjson.Value) error) error {
	line := trimLine(unit)
	if len(p.comment) > 0 && bytes.HasPrefix(line, p.comment) {
		return nil
	}
	m := p.re.FindSubmatchIndex(line)
	if m == nil {
		return fmt.Errorf("regex: line %s does not match the pattern", excerpt(line))
	}
	obj := p.b.begin()
	for i := 1; i < len(p.names); i++ {
		if p.names[i] == "" || m[2*i] < 0 {
			continue
		}
		p.b.set(obj, p.names[i], line[m[2*i]:m[2*i+1]])
	}
	if err := p.b.finish(); err != nil {
		return err
	}
	return emit(line, obj)
}
