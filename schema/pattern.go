package schema

import (
	"fmt"
	"strings"

	"github.com/valyala/fastjson"
)

// pattern is a compiled log_patterns entry.
type pattern struct {
	path []string
	name string // the dotted path
	glob string
	lit  string // the literal part for the fast kinds
	kind int    // patExact, patPrefix or patGlob
}

const (
	patExact  = iota // no wildcard
	patPrefix        // a literal then one trailing '*'
	patGlob
)

func compilePattern(p Pattern) pattern {
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
	var ok bool
	switch p.kind {
	case patExact:
		ok = s == p.lit
	case patPrefix:
		ok = strings.HasPrefix(s, p.lit)
	default:
		ok = globMatch(p.glob, s)
	}
	if !ok {
		return failure{rankPattern, fmt.Sprintf("field %s: %s does not match %q", p.name, excerpt([]byte(s)), p.glob)}, false
	}
	return failure{}, true
}
