package equivalence

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// Generate derives record payloads (JSON objects) for a rule and one of its
// log types from the rule's own literals. It starts from template (a
// record of the log type, or nil for {}), sets every leaf's field to a
// value that passes the leaf, and then varies one field at a time: the
// value's case changed, non-ASCII letters (İ, ß, Ä) swapped in, SQL and
// rule wildcard characters (%, _, *, ?, \) put in, the field missing,
// null, empty, inside arrays, numbers as text and text that is no IP
// address or number. At most limit payloads are returned (an even sample
// when there are more).
func Generate(r *rules.Rule, lt *schema.LogType, template []byte, limit int) [][]byte {
	g := &generator{lt: lt, seen: map[string]bool{}}
	base := map[string]any{}
	if len(template) > 0 {
		dec := json.NewDecoder(bytes.NewReader(template))
		dec.UseNumber()
		var m map[string]any
		if dec.Decode(&m) == nil {
			base = m
		}
	}
	leaves := rules.Leaves(r.Expr)
	seeds := make([][]any, len(leaves))
	positive := clone(base).(map[string]any)
	for i, l := range leaves {
		seeds[i] = g.seeds(l)
		if len(seeds[i]) > 0 && g.pathOf(l) != nil {
			g.set(positive, g.pathOf(l), seeds[i][0])
		}
		if l.Op.IsRef() && len(l.Values) > 0 && len(seeds[i]) > 0 {
			g.set(positive, g.jsonPath(strings.Split(l.Values[0], ".")), seeds[i][0])
		}
	}
	g.emit(base)
	g.emit(positive)
	for i, l := range leaves {
		path := g.pathOf(l)
		if path == nil {
			continue
		}
		for _, s := range seeds[i] {
			for _, v := range mutations(s) {
				rec := clone(positive).(map[string]any)
				if v == missing {
					del(rec, path)
				} else {
					g.set(rec, path, v)
				}
				g.emit(rec)
				// The same value alone: in a rule whose selections
				// are OR-ed, the positive record's other fields would
				// decide the outcome whatever this one holds.
				if v != missing {
					rec := clone(base).(map[string]any)
					g.set(rec, path, v)
					g.emit(rec)
				}
			}
			// Keywords search every value: also put the seed inside
			// JSON (a json field, the extras), where it is stored
			// escaped, and split it across two values.
			for _, kp := range g.keywordPaths(l) {
				rec := clone(base).(map[string]any)
				g.set(rec, kp, s)
				g.emit(rec)
			}
			if t, ok := s.(string); ok && l.IsKeyword() && len(t) > 1 {
				rec := clone(base).(map[string]any)
				g.set(rec, path, t[:len(t)/2])
				g.set(rec, []string{"zz_keyword_rest"}, t[len(t)/2:])
				g.emit(rec)
			}
		}
		if l.Op.IsRef() && len(l.Values) > 0 && len(seeds[i]) > 0 {
			other := g.jsonPath(strings.Split(l.Values[0], "."))
			for _, v := range mutations(seeds[i][0]) {
				rec := clone(positive).(map[string]any)
				if v == missing {
					del(rec, other)
				} else {
					g.set(rec, other, v)
				}
				g.emit(rec)
			}
		}
	}
	out := g.out
	if limit > 0 && len(out) > limit {
		sample := make([][]byte, 0, limit)
		for i := 0; i < limit; i++ {
			sample = append(sample, out[i*len(out)/limit])
		}
		out = sample
	}
	return out
}

type generator struct {
	lt   *schema.LogType
	out  [][]byte
	seen map[string]bool
}

// missing marks a mutation that removes the field.
var missing = &struct{ name string }{"missing"}

func (g *generator) emit(rec map[string]any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(rec) != nil {
		return
	}
	s := strings.TrimSpace(b.String())
	if !g.seen[s] {
		g.seen[s] = true
		g.out = append(g.out, []byte(s))
	}
}

// pathOf is where in the JSON record a leaf's field is written; keyword
// leaves write into the log type's last top-level string field.
func (g *generator) pathOf(l *rules.Leaf) []string {
	if l.IsKeyword() {
		for i := len(g.lt.Fields) - 1; i >= 0; i-- {
			if g.lt.Fields[i].Type.Kind == schema.KindString {
				return []string{g.lt.Fields[i].Name}
			}
		}
		return []string{"keyword_text"}
	}
	if ref := rules.ResolveField(g.lt, l.Path); ref.Where == rules.InNormalized {
		return nil
	}
	return g.jsonPath(l.Path)
}

// keywordPaths are the places inside JSON where a keyword leaf's seeds
// are also written: below the first declared json field and below an
// undeclared key (the extras).
func (g *generator) keywordPaths(l *rules.Leaf) [][]string {
	if !l.IsKeyword() {
		return nil
	}
	out := [][]string{{"zz_keyword", "nested", "k"}}
	for _, f := range g.lt.Fields {
		if f.Type.Kind == schema.KindJSON {
			return append(out, []string{f.Name, "zz_keyword", "k"})
		}
	}
	return out
}

// jsonPath spells a rule path with the declared names of the fields.
func (g *generator) jsonPath(path []string) []string {
	out := make([]string, 0, len(path))
	fields := g.lt.Fields
	for i, seg := range path {
		j := schema.FieldIndex(fields, seg)
		if j < 0 || fields == nil {
			return append(out, path[i:]...)
		}
		out = append(out, fields[j].Name)
		if fields[j].Type.Kind != schema.KindObject {
			fields = nil
			continue
		}
		fields = fields[j].Type.Fields
	}
	return out
}

// declared returns the declared type at a path, if it is a declared field.
func (g *generator) declared(path []string) (schema.Type, bool) {
	ref := rules.ResolveField(g.lt, path)
	if ref.Where != rules.InDeclared {
		return schema.Type{}, false
	}
	return ref.Type, true
}

// set writes v at path, shaping it for the declared type there: arrays get
// a list, numbers and booleans their JSON types when the text is one.
func (g *generator) set(rec map[string]any, path []string, v any) {
	if len(path) == 0 {
		return
	}
	if t, ok := g.declared(path); ok {
		v = shape(v, t)
	}
	m := rec
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}

func shape(v any, t schema.Type) any {
	s, isText := v.(string)
	switch t.Kind {
	case schema.KindArray:
		if _, ok := v.([]any); ok || v == nil {
			return v
		}
		elem := schema.Type{Kind: schema.KindString}
		if t.Elem != nil {
			elem = *t.Elem
		}
		return []any{filler(elem), shape(v, elem)}
	case schema.KindInt, schema.KindBigint, schema.KindFloat:
		if isText {
			if _, err := strconv.ParseFloat(s, 64); err == nil {
				return json.Number(s)
			}
		}
	case schema.KindBool:
		if isText {
			if b, err := strconv.ParseBool(strings.ToLower(s)); err == nil {
				return b
			}
		}
	}
	return v
}

// filler is a second element for arrays, of the element type.
func filler(t schema.Type) any {
	switch t.Kind {
	case schema.KindInt, schema.KindBigint, schema.KindFloat:
		return json.Number("0")
	case schema.KindBool:
		return false
	}
	return "other"
}

func del(rec map[string]any, path []string) {
	if len(path) == 0 {
		return
	}
	m := rec
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			return
		}
		m = next
	}
	delete(m, path[len(path)-1])
}

func clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = clone(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = clone(e)
		}
		return out
	}
	return v
}

// seeds returns values that pass the leaf (most of the time: regexes and
// wildcards are approximated), first the most typical.
func (g *generator) seeds(l *rules.Leaf) []any {
	var out []any
	switch l.Op {
	case rules.OpExists:
		return []any{"present"}
	case rules.OpEq:
		for _, v := range l.Values {
			out = append(out, v)
		}
	case rules.OpContains:
		for _, v := range l.Values {
			out = append(out, "pre "+v+" post", v)
		}
	case rules.OpStartsWith:
		for _, v := range l.Values {
			out = append(out, v+" tail")
		}
	case rules.OpEndsWith:
		for _, v := range l.Values {
			out = append(out, "head "+v)
		}
	case rules.OpGlob:
		for _, gl := range l.Globs {
			var b strings.Builder
			for _, p := range gl {
				switch p.Wild {
				case '*':
					b.WriteString("xy")
				case '?':
					b.WriteString("q")
				default:
					b.WriteString(p.Text)
				}
			}
			out = append(out, b.String())
		}
	case rules.OpRegex:
		for _, v := range l.Values {
			if s, ok := regexExample(v); ok {
				out = append(out, s)
			}
		}
	case rules.OpCIDR:
		for _, v := range l.Values {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				continue
			}
			a := p.Masked().Addr()
			out = append(out, a.Next().String(), a.String())
			if a.Is4() {
				out = append(out, "::ffff:"+a.Next().String())
			}
			last := a
			for p.Contains(last.Next()) {
				if last.Is4() && p.Bits() < 16 || last.Is6() && p.Bits() < 112 {
					break // too many steps; the first address will do
				}
				last = last.Next()
			}
			out = append(out, last.Next().String(), "AWS Internal", a.String()+"%eth0")
		}
	case rules.OpGT, rules.OpGTE, rules.OpLT, rules.OpLTE:
		for _, v := range l.Values {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			for _, d := range []float64{1, 0, -1, 0.5} {
				out = append(out, json.Number(strconv.FormatFloat(f+d, 'g', -1, 64)))
			}
			out = append(out, strconv.FormatFloat(f+1, 'g', -1, 64), " "+strconv.FormatFloat(f+1, 'g', -1, 64), "1e3", "NaN", "Inf")
		}
	case rules.OpRefEq, rules.OpRefContains, rules.OpRefStartsWith, rules.OpRefEndsWith:
		return []any{"Shared"}
	}
	return out
}

// mutations varies a value that passes a leaf.
func mutations(seed any) []any {
	out := []any{seed, missing, nil}
	s, ok := seed.(string)
	if !ok {
		if n, isNum := seed.(json.Number); isNum {
			out = append(out, string(n), []any{n}, []any{[]any{n}})
			out = append(out, numberSpellings(string(n))...)
		}
		return out
	}
	out = append(out, "", strings.ToUpper(s), flipFirst(s), "İ"+s, s+"%", "%"+s,
		[]any{"other", s}, []any{[]any{s}}, map[string]any{"v": s})
	for _, swap := range [][2]string{{"i", "İ"}, {"I", "İ"}, {"s", "ß"}, {"a", "Ä"}, {"A", "ä"}} {
		if strings.Contains(s, swap[0]) {
			out = append(out, strings.Replace(s, swap[0], swap[1], 1))
		}
	}
	if r, n := utf8.DecodeRuneInString(s); n > 0 && r != utf8.RuneError {
		for _, w := range []string{"%", "_", "*", "?", `\`, "\x00"} {
			out = append(out, w+s[n:])
		}
	}
	if len(s) > 1 {
		out = append(out, s[:len(s)-1], s+"x", "x"+s)
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		out = append(out, json.Number(s))
		out = append(out, numberSpellings(s)...)
	}
	if s == "true" || s == "false" {
		out = append(out, s == "true")
	}
	return out
}

// numberSpellings writes the number s (when it is a JSON number) the other
// ways JSON allows: a trailing zero in the fraction, an exponent, a
// negative zero, and as text with a trailing zero. Engines that read
// numbers "as written" and engines that render them canonically disagree
// on these (1.50, 1e3, -0).
func numberSpellings(s string) []any {
	s = strings.TrimSpace(s)
	if !json.Valid([]byte(s)) || strings.ContainsAny(s, `"{[tfn`) {
		return nil
	}
	var out []any
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	if strings.Contains(mant, ".") {
		out = append(out, json.Number(mant+"0"+expSuffix(exp, hasExp)), mant+"0")
	} else {
		out = append(out, json.Number(mant+".0"+expSuffix(exp, hasExp)), json.Number(mant+"0e-1"))
	}
	if !hasExp {
		out = append(out, json.Number(s+"e0"))
	}
	return append(out, json.Number("-0"), json.Number("-0.0"))
}

func expSuffix(exp string, has bool) string {
	if !has {
		return ""
	}
	return "e" + exp
}

func flipFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	if unicode.IsUpper(r) {
		return string(unicode.ToLower(r)) + s[n:]
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// regexExample builds a short text the regular expression matches (for
// the common shapes of rule regexes).
func regexExample(pat string) (string, bool) {
	re, err := syntax.Parse(pat, syntax.Perl)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	if !example(re.Simplify(), &b, 0) {
		return "", false
	}
	return b.String(), true
}

func example(re *syntax.Regexp, b *strings.Builder, depth int) bool {
	if depth > 50 {
		return false
	}
	switch re.Op {
	case syntax.OpLiteral:
		b.WriteString(string(re.Rune))
	case syntax.OpCharClass:
		if len(re.Rune) == 0 {
			return false
		}
		r := re.Rune[0]
		if r == '\n' && len(re.Rune) > 1 && re.Rune[1] > r {
			r++
		}
		b.WriteRune(r)
	case syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		b.WriteByte('x')
	case syntax.OpCapture, syntax.OpPlus:
		return example(re.Sub[0], b, depth+1)
	case syntax.OpRepeat:
		for i := 0; i < re.Min; i++ {
			if !example(re.Sub[0], b, depth+1) {
				return false
			}
		}
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if !example(s, b, depth+1) {
				return false
			}
		}
	case syntax.OpAlternate:
		return example(re.Sub[0], b, depth+1)
	case syntax.OpStar, syntax.OpQuest, syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine,
		syntax.OpBeginText, syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
	default:
		return false
	}
	return true
}
