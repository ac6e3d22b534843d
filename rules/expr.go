package rules

import (
	"fmt"
	"net/netip"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Expr is a rule's detection as a small boolean tree, the form both the
// streaming matcher and the SQL compiler walk. Its concrete types are
// And, Or, Not and *Leaf; a type switch over these four is exhaustive.
//
// The tree is normalized: And and Or have at least two children and never
// directly contain a node of their own kind, and Not never wraps a Not.
type Expr interface {
	String() string
	isExpr()
}

// And holds when every child holds.
type And []Expr

// Or holds when any child holds.
type Or []Expr

// Not holds when X does not. Evaluation is two-valued: a leaf over a
// missing field is false, so Not of it is true (SQL must wrap leaves,
// e.g. COALESCE(leaf, FALSE), to agree).
type Not struct{ X Expr }

func (And) isExpr()   {}
func (Or) isExpr()    {}
func (Not) isExpr()   {}
func (*Leaf) isExpr() {}

func (a And) String() string { return joinExprs(a, " and ") }
func (o Or) String() string  { return joinExprs(o, " or ") }
func (n Not) String() string { return "not " + wrapExpr(n.X) }

func joinExprs(xs []Expr, sep string) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = wrapExpr(x)
	}
	return strings.Join(parts, sep)
}

func wrapExpr(x Expr) string {
	switch x.(type) {
	case And, Or:
		return "(" + x.String() + ")"
	}
	return x.String()
}

// Op is what a Leaf tests.
type Op uint8

// The leaf operators. Unless a Leaf says otherwise, a leaf holds when ANY of
// the field's values (an array field has several; a missing or null field
// has none) satisfies the operator for ANY of the leaf's Values.
const (
	// OpEq: the value equals a Values entry. Declared numeric fields
	// (int, bigint, float) compare numerically when the entry parses as a
	// number; everything else compares text (see Leaf.Cased).
	OpEq Op = iota + 1
	// OpContains, OpStartsWith, OpEndsWith: substring tests on the text.
	OpContains
	OpStartsWith
	OpEndsWith
	// OpGlob: the text matches a wildcard pattern (Leaf.Globs) as a whole.
	OpGlob
	// OpRegex: an unanchored RE2 search. Values hold the patterns with any
	// flags already applied as an inline prefix such as "(?i)". Regexes are
	// case-sensitive unless they say (?i); Leaf.Cased is true.
	OpRegex
	// OpCIDR: the text parses as an IPv4 or IPv6 address inside a Values
	// network (canonical prefix text such as "10.0.0.0/8"). A value that is
	// not an IP address does not match. IPv4-mapped IPv6 addresses are
	// unmapped first.
	OpCIDR
	// OpExists: the field is present and not null. Values is empty.
	// Sigma's `field: null` is Not{OpExists} and `exists: false` likewise.
	OpExists
	// OpGT, OpGTE, OpLT, OpLTE: numeric comparisons with the single Values
	// entry (a decimal number). Numeric fields compare their number; other
	// fields compare their text parsed as a float, and text that does not
	// parse does not match.
	OpGT
	OpGTE
	OpLT
	OpLTE
	// OpRefEq, OpRefContains, OpRefStartsWith, OpRefEndsWith compare the
	// field with another field of the same record, named by the dotted path
	// in Values[0] (Sigma's fieldref modifier). The other field's value is
	// literal text (no wildcards). Holds when any pair of values satisfies
	// the test.
	OpRefEq
	OpRefContains
	OpRefStartsWith
	OpRefEndsWith
	// OpIOC, OpLookup consult threat intel at match time (see
	// modifier_ioc.go and modifier_lookup.go).
	OpIOC
	OpLookup
)

var opNames = map[Op]string{
	OpEq: "eq", OpContains: "contains", OpStartsWith: "startswith", OpEndsWith: "endswith",
	OpGlob: "glob", OpRegex: "re", OpCIDR: "cidr", OpExists: "exists",
	OpGT: "gt", OpGTE: "gte", OpLT: "lt", OpLTE: "lte",
	OpRefEq: "fieldref", OpRefContains: "fieldref|contains",
	OpRefStartsWith: "fieldref|startswith", OpRefEndsWith: "fieldref|endswith",
	OpIOC: "ioc", OpLookup: "lookup",
}

func (o Op) String() string {
	if s, ok := opNames[o]; ok {
		return s
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

// IsString reports whether o compares text with Values under Leaf.Cased.
func (o Op) IsString() bool {
	switch o {
	case OpEq, OpContains, OpStartsWith, OpEndsWith, OpGlob:
		return true
	}
	return false
}

// IsRef reports whether o compares two fields of the record.
func (o Op) IsRef() bool { return o >= OpRefEq && o <= OpRefEndsWith }

// Leaf is one test on one field.
//
// Text and case: the text of a value is what schema.Value.Text renders for
// declared scalars. Inside json fields and extras, strings are their
// (unescaped) value, numbers their canonical text (an integer written
// without fraction or exponent that fits 64 bits in decimal, any other
// number the nearest float64 in Go's shortest form: 1.50 is "1.5", 1e3
// "1000", -0 "0"), booleans "true" or "false", and objects their compact
// JSON text as stored, so `requestParameters|contains: x` searches the
// JSON. A declared object field's text is compact JSON with its
// lower-case column names as keys, in declaration order, nulls included.
// Arrays are not one value: each element is (see FieldRef).
//
// Numbers: a value that is a number (declared int, bigint, float, or a
// JSON number) equals an OpEq value that parses as a float64 (not NaN)
// numerically, and no other value; OpGT…OpLTE compare it numerically.
//
// Unless Cased, string operators compare the value's text lowered with
// strings.ToLower against Values, which are stored already lowered the
// same way. This is simple Unicode lower-casing, not
// case folding: "Ä" matches "ä", "ß" does not match "ss" (nor "ẞ" "SS").
// The edge is "İ" (U+0130): Go's simple mapping lowers it to a plain "i", so
// "İstanbul" matches "istanbul" and "ISTANBUL" here, whereas engines that
// apply the full (SpecialCasing) mapping, such as Java's toLowerCase behind
// Trino's lower(), produce "i̇" (i + U+0307). SQL must lower both sides the
// same simple way (or the compiler must treat U+0130 specially) to agree.
//
// Field "" means the record's values (Sigma keyword selections): every
// non-null scalar of the record, one value each — declared strings, ips,
// numbers, booleans and timestamps (their Text), object fields and array
// elements one by one — then every scalar inside json fields and the
// extras at any depth (strings unescaped, numbers canonical, booleans;
// keys and nulls left out). A keyword leaf holds when one value passes:
// Contains by default, StartsWith/EndsWith with those modifiers, Glob
// with wildcards, Regex with re — each applied to a single value, never
// across values.
type Leaf struct {
	// Field is the dotted field path as written in the rule, after any field
	// mapping; Path is it split at dots. "" / nil for the record text.
	Field string
	Path  []string
	Op    Op
	// Values are OR-ed alternatives; see Op for what each holds. For string
	// operators they are the literal text (wildcards removed), lowered
	// unless Cased.
	Values []string
	// Globs, for OpGlob only, are the patterns aligned with Values (Values
	// then hold a readable Sigma-escaped form of each pattern).
	Globs []Glob
	// Cased means string operators compare exact text (Sigma's |cased, and
	// encodings whose bytes are not valid UTF-8). Always true for OpRegex.
	Cased bool
	// Line is where the item is written in the rule file.
	Line int

	res  []*regex       // OpRegex, aligned with Values
	nets []netip.Prefix // OpCIDR, aligned with Values
	num  []float64      // OpGT…OpLTE: Values as numbers
}

// IsKeyword reports whether the leaf searches the record text.
func (l *Leaf) IsKeyword() bool { return l.Field == "" }

// Number returns Values[i] as a number, if it is one.
func (l *Leaf) Number(i int) (float64, bool) {
	f, err := strconv.ParseFloat(l.Values[i], 64)
	return f, err == nil
}

// Regexp returns the compiled regular expression of Values[i] (OpRegex).
func (l *Leaf) Regexp(i int) *regexp.Regexp { return l.res[i].re }

// regex is a compiled OpRegex value with a cheap prefilter: lit is text
// every match must contain ("" when none is known), and whole says the
// regex is exactly that literal.
type regex struct {
	re    *regexp.Regexp
	lit   string
	whole bool
}

// newRegex compiles pat and finds its prefilter.
func newRegex(pat string) (*regex, error) {
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, err
	}
	r := &regex{re: re}
	if tree, err := syntax.Parse(pat, syntax.Perl); err == nil {
		tree = tree.Simplify()
		r.lit = requiredLiteral(tree)
		r.whole = tree.Op == syntax.OpLiteral && r.lit != ""
		if strings.ContainsRune(r.lit, utf8.RuneError) {
			// U+FFFD in a pattern also matches invalid bytes of the text.
			r.lit, r.whole = "", false
		}
	}
	return r, nil
}

// match reports whether the regex finds a match in s.
func (r *regex) match(s string) bool {
	if r.lit != "" && !strings.Contains(s, r.lit) {
		return false
	}
	return r.whole || r.re.MatchString(s)
}

// requiredLiteral returns the longest case-sensitive literal text that
// every match of re contains, or "".
func requiredLiteral(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return ""
		}
		return string(re.Rune)
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiteral(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiteral(re.Sub[0])
		}
	case syntax.OpConcat:
		best := ""
		for _, sub := range re.Sub {
			if l := requiredLiteral(sub); len(l) > len(best) {
				best = l
			}
		}
		return best
	}
	return ""
}

// Prefix returns the network of Values[i] (OpCIDR).
func (l *Leaf) Prefix(i int) netip.Prefix { return l.nets[i] }

func (l *Leaf) String() string {
	f := l.Field
	if f == "" {
		f = "<text>"
	}
	op := l.Op.String()
	if l.Cased && (l.Op.IsString() || l.Op.IsRef()) {
		op += "|cased"
	}
	if l.Op == OpExists {
		return f + "|exists"
	}
	vals := make([]string, len(l.Values))
	for i, v := range l.Values {
		vals[i] = strconv.Quote(v)
	}
	if len(vals) == 1 {
		return f + "|" + op + " " + vals[0]
	}
	return f + "|" + op + " [" + strings.Join(vals, ", ") + "]"
}

// Glob is a wildcard pattern: a sequence of literal text and wildcards.
// It matches a whole value.
type Glob []GlobPart

// GlobPart is one piece of a Glob: literal Text when Wild is 0, else a
// wildcard, '*' (any run of characters, possibly empty) or '?' (exactly
// one character, a Unicode code point).
type GlobPart struct {
	Wild byte
	Text string
}

// String renders g in Sigma's escaped form: literal *, ? and \ get a
// backslash.
func (g Glob) String() string {
	var b strings.Builder
	for _, p := range g {
		if p.Wild != 0 {
			b.WriteByte(p.Wild)
			continue
		}
		for _, r := range p.Text {
			if r == '*' || r == '?' || r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Walk calls fn for every node of x, parents before children, and stops
// descending where fn returns false.
func Walk(x Expr, fn func(Expr) bool) {
	if !fn(x) {
		return
	}
	switch x := x.(type) {
	case And:
		for _, c := range x {
			Walk(c, fn)
		}
	case Or:
		for _, c := range x {
			Walk(c, fn)
		}
	case Not:
		Walk(x.X, fn)
	}
}

// Leaves returns every leaf of x in order.
func Leaves(x Expr) []*Leaf {
	var out []*Leaf
	Walk(x, func(e Expr) bool {
		if l, ok := e.(*Leaf); ok {
			out = append(out, l)
		}
		return true
	})
	return out
}

// newAnd builds a normalized conjunction.
func newAnd(xs ...Expr) Expr {
	var out And
	for _, x := range xs {
		if a, ok := x.(And); ok {
			out = append(out, a...)
		} else {
			out = append(out, x)
		}
	}
	if len(out) == 1 {
		return out[0]
	}
	return out
}

// newOr builds a normalized disjunction.
func newOr(xs ...Expr) Expr {
	var out Or
	for _, x := range xs {
		if o, ok := x.(Or); ok {
			out = append(out, o...)
		} else {
			out = append(out, x)
		}
	}
	if len(out) == 1 {
		return out[0]
	}
	return out
}

// newNot negates x, removing double negation.
func newNot(x Expr) Expr {
	if n, ok := x.(Not); ok {
		return n.X
	}
	return Not{X: x}
}
