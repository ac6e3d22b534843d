package schema

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"
)

// pattern is a compiled log_patterns entry.
type pattern struct {
	path []string
	name string // the dotted path
	glob string
	lit  string    // the literal part for the fast kinds
	kind int       // patExact, patPrefix or patGlob
	alts []pattern // other globs the value may match instead
}

const (
	patExact  = iota // no wildcard
	patPrefix        // a literal then one trailing '*'
	patGlob
)

func compilePattern(p Pattern) pattern {
	cp := compileGlob(p.Path, p.Glob)
	for _, a := range p.Alternatives {
		cp.alts = append(cp.alts, compileGlob(p.Path, a))
	}
	return cp
}

func compileGlob(path []string, glob string) pattern {
	p := Pattern{Path: path, Glob: glob}
	cp := pattern{path: p.Path, name: strings.Join(p.Path, "."), glob: p.Glob, kind: patGlob}
	switch i := strings.IndexAny(p.Glob, "*?[\\"); {
	case i < 0:
		cp.kind, cp.lit = patExact, p.Glob
	case i == len(p.Glob)-1 && p.Glob[i] == '*':
		cp.kind, cp.lit = patPrefix, p.Glob[:i]
	}
	return cp
}

// check matches the pattern against the record's raw value: strings as
// they are, numbers and booleans as their JSON text.
func (p *pattern) check(obj *fastjson.Value, num *[]byte) (failure, bool) {
	v := obj.Get(p.path...)
	var s string
	switch {
	case v == nil || v.Type() == fastjson.TypeNull:
		return failure{rankPattern, fmt.Sprintf("field %s is missing (log_patterns wants %q)", p.name, p.glob)}, false
	case v.Type() == fastjson.TypeString:
		b, _ := v.StringBytes()
		s = bytesString(b)
	case v.Type() == fastjson.TypeObject || v.Type() == fastjson.TypeArray:
		return failure{rankPattern, fmt.Sprintf("field %s is %s (log_patterns wants %q)", p.name, article(v.Type()), p.glob)}, false
	default:
		*num = v.MarshalTo((*num)[:0])
		s = bytesString(*num)
	}
	ok := p.matches(s)
	for i := 0; !ok && i < len(p.alts); i++ {
		ok = p.alts[i].matches(s)
	}
	if !ok {
		want := strconv.Quote(p.glob)
		for _, a := range p.alts {
			want += " or " + strconv.Quote(a.glob)
		}
		return failure{rankPattern, fmt.Sprintf("field %s: %s does not match %s", p.name, excerpt([]byte(s)), want)}, false
	}
	return failure{}, true
}

func (p *pattern) matches(s string) bool {
	switch p.kind {
	case patExact:
		return s == p.lit
	case patPrefix:
		return strings.HasPrefix(s, p.lit)
	}
	return globMatch(p.glob, s)
}
