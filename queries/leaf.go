package queries

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// leaf writes one leaf. The result is never NULL: the test is wrapped in
// COALESCE(…, FALSE), so that NOT over a missing field holds, as in the
// matcher's two-valued evaluation.
func (c *typeCompiler) leaf(l *rules.Leaf) (string, error) {
	s := c.source(l.Path)
	var e string
	switch {
	case s.never:
		return "FALSE", nil
	case l.Op == rules.OpExists:
		return s.present, nil // never NULL
	case l.Op.IsRef():
		e = c.refTest(l, s)
	case l.Op == rules.OpIOC || l.Op == rules.OpLookup:
		e = c.intelLeaf(l, s)
	default:
		e = c.valuesTest(s, func(x string) string { return c.valueTest(l, x, s.elem) })
	}
	if e == "FALSE" {
		return e, nil
	}
	if c.opts.DropCoalesce {
		return "(" + e + ")", nil
	}
	return "COALESCE(" + e + ", FALSE)", nil
}

// valuesTest applies a test to the one value of a scalar source, or to
// every element of a list (holding when any element passes).
func (c *typeCompiler) valuesTest(s source, test func(x string) string) string {
	if !s.list {
		return test(s.expr)
	}
	v := c.newVar()
	t := test(v)
	if t == "FALSE" {
		return t
	}
	return c.d.anyMatch(s.expr, v, "COALESCE("+t+", FALSE)")
}

// valueTest writes the leaf's test of one value x of type t; "FALSE" when
// no value can pass.
func (c *typeCompiler) valueTest(l *rules.Leaf, x string, t schema.Type) string {
	numeric := t.Kind == schema.KindInt || t.Kind == schema.KindBigint || t.Kind == schema.KindFloat
	switch l.Op {
	case rules.OpEq:
		if numeric {
			return c.numericEq(l, x, t)
		}
		if t.Kind == schema.KindJSON {
			// A JSON number equals the values that are numbers,
			// numerically; anything else compares its text.
			return "CASE WHEN " + c.jsonIsNumber(x) + " THEN " + c.numericEq(l, "CAST("+x+" AS DOUBLE)", schema.Type{Kind: schema.KindFloat}) +
				" ELSE " + c.stringTest(l, c.text(x, t)) + " END"
		}
	case rules.OpGT, rules.OpGTE, rules.OpLT, rules.OpLTE:
		return c.compare(l, x, t, numeric)
	case rules.OpRegex:
		text := c.text(x, t)
		return c.anyValue(l, func(i int, v string) string { return c.d.regex(text, v) })
	case rules.OpCIDR:
		return c.cidr(l, c.text(x, t))
	}
	return c.stringTest(l, c.text(x, t))
}

// stringTest writes the test of a string operator on text.
func (c *typeCompiler) stringTest(l *rules.Leaf, text string) string {
	if !l.Cased {
		text = c.d.lower(text)
	}
	switch l.Op {
	case rules.OpEq:
		var vals []string
		for i, v := range l.Values {
			if c.expressible(l, i) {
				vals = append(vals, quote(v))
			}
		}
		switch len(vals) {
		case 0:
			return "FALSE"
		case 1:
			return text + " = " + vals[0]
		}
		return text + " IN (" + strings.Join(vals, ", ") + ")"
	case rules.OpContains:
		return c.anyValue(l, func(_ int, v string) string { return c.contains(text, v) })
	case rules.OpStartsWith:
		return c.anyValue(l, func(_ int, v string) string { return c.startsWith(text, v) })
	case rules.OpEndsWith:
		return c.anyValue(l, func(_ int, v string) string { return c.endsWith(text, v) })
	case rules.OpGlob:
		return c.anyValue(l, func(i int, _ string) string { return like(text, likePattern(l.Globs[i])) })
	}
	c.warn("operator %v is not supported in SQL; the leaf %s never matches", l.Op, l)
	return "FALSE"
}

// expressible reports whether value i of a string leaf can be written as
// SQL text. The lake holds valid UTF-8 only (the writer replaces invalid
// bytes), and SQL text must be valid UTF-8; a cased value with invalid
// bytes (from an encoding modifier) is left out, with a warning.
func (c *typeCompiler) expressible(l *rules.Leaf, i int) bool {
	v := l.Values[i]
	if l.Op == rules.OpGlob {
		for _, p := range l.Globs[i] {
			if p.Wild == 0 && !utf8.ValidString(p.Text) {
				v = p.Text
				break
			}
		}
	}
	if utf8.ValidString(v) {
		return true
	}
	c.warn("value %q of %s is not valid UTF-8 and cannot be written in SQL; it never matches", v, l.Field)
	return false
}

// anyValue ORs a test over the leaf's values.
func (c *typeCompiler) anyValue(l *rules.Leaf, test func(i int, v string) string) string {
	var parts []string
	for i, v := range l.Values {
		if l.Op.IsString() && !c.expressible(l, i) {
			continue
		}
		parts = append(parts, test(i, v))
	}
	switch len(parts) {
	case 0:
		return "FALSE"
	case 1:
		return parts[0]
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// contains, startsWith and endsWith test literal text. DuckDB's string
// functions compare bytes as Go's strings functions do; Athena uses LIKE
// with the literal escaped.
func (c *typeCompiler) contains(x, lit string) string {
	if c.d == DuckDB {
		return "contains(" + x + ", " + quote(lit) + ")"
	}
	return like(x, "%"+likeEscape(lit)+"%")
}

func (c *typeCompiler) startsWith(x, lit string) string {
	if c.d == DuckDB {
		return "starts_with(" + x + ", " + quote(lit) + ")"
	}
	return like(x, likeEscape(lit)+"%")
}

func (c *typeCompiler) endsWith(x, lit string) string {
	if c.d == DuckDB {
		return "ends_with(" + x + ", " + quote(lit) + ")"
	}
	return like(x, "%"+likeEscape(lit))
}

// numericEq: a numeric field equals a value that parses as a number
// numerically. Values that do not parse can never equal the text of a
// number (every number's text parses), and NaN equals nothing.
func (c *typeCompiler) numericEq(l *rules.Leaf, x string, t schema.Type) string {
	var parts []string
	for _, v := range l.Values {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) {
			continue
		}
		if n, ok := smallInt(f); ok && t.Kind != schema.KindFloat {
			parts = append(parts, x+" = "+n)
			continue
		}
		parts = append(parts, "CAST("+x+" AS DOUBLE) = "+c.d.double(strconv.FormatFloat(f, 'g', -1, 64)))
	}
	switch len(parts) {
	case 0:
		return "FALSE"
	case 1:
		return parts[0]
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// compare: numeric fields compare their number (NaN compares false, as in
// Go); other values compare their text parsed as a number, and text that
// does not parse does not match.
func (c *typeCompiler) compare(l *rules.Leaf, x string, t schema.Type, numeric bool) string {
	op := map[rules.Op]string{rules.OpGT: " > ", rules.OpGTE: " >= ", rules.OpLT: " < ", rules.OpLTE: " <= "}[l.Op]
	var num string
	switch {
	case numeric && t.Kind == schema.KindFloat:
		num = "CASE WHEN " + c.d.isNaN(x) + " THEN NULL ELSE " + x + " END"
	case numeric:
		// An integer column against an integral value compares exactly
		// as Go's float64 comparison does (conversion is monotonic and
		// exact for the value), and lets the engine push the filter down.
		return c.anyValue(l, func(_ int, v string) string {
			f, _ := strconv.ParseFloat(v, 64)
			if n, ok := smallInt(f); ok {
				return x + op + n
			}
			return "CAST(" + x + " AS DOUBLE)" + op + c.d.double(v)
		})
	default:
		num = c.parseFloat(c.text(x, t))
	}
	return c.anyValue(l, func(_ int, v string) string { return num + op + c.d.double(v) })
}

// smallInt renders f as an integer literal when it is one that float64
// holds exactly (|f| < 2^53).
func smallInt(f float64) (string, bool) {
	if f != math.Trunc(f) || math.Abs(f) >= 1<<53 {
		return "", false
	}
	return strconv.FormatInt(int64(f), 10), true
}

// parseFloat parses text as Go's strconv.ParseFloat does: NULL when it
// does not parse, or parses to NaN (which compares false). DuckDB calls
// the Go function; Athena accepts plain decimal and exponent forms.
func (c *typeCompiler) parseFloat(x string) string {
	if c.d == DuckDB {
		return fnParseFloat + "(" + x + ")"
	}
	return "CASE WHEN regexp_like(" + x + `, '^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$') THEN TRY_CAST(` + x + " AS DOUBLE) END"
}

// cidr: the text is an IP address inside one of the networks. DuckDB
// calls the matcher's own test (rules.MatchCIDR); Athena casts with
// TRY_CAST, so text that is not an address never matches.
func (c *typeCompiler) cidr(l *rules.Leaf, text string) string {
	if len(l.Values) == 0 {
		return "FALSE"
	}
	if c.d == DuckDB {
		return fnCIDR + "(" + text + ", " + quote(strings.Join(l.Values, ",")) + ")"
	}
	return c.anyValue(l, func(_ int, v string) string {
		return "contains(" + quote(v) + ", TRY_CAST(" + text + " AS IPADDRESS))"
	})
}

// refTest compares the leaf's field with another field of the same row:
// any pair of values passing holds.
func (c *typeCompiler) refTest(l *rules.Leaf, s source) string {
	o := c.source(splitPath(l.Values[0]))
	if o.never {
		return "FALSE"
	}
	return c.valuesTest(s, func(x string) string {
		a := c.text(x, s.elem)
		if !l.Cased {
			a = c.d.lower(a)
		}
		return c.valuesTest(o, func(y string) string {
			b := c.text(y, o.elem)
			if !l.Cased {
				b = c.d.lower(b)
			}
			return c.refOp(l.Op, a, b)
		})
	})
}

func (c *typeCompiler) refOp(op rules.Op, a, b string) string {
	switch op {
	case rules.OpRefEq:
		return a + " = " + b
	case rules.OpRefContains:
		if c.d == DuckDB {
			return "contains(" + a + ", " + b + ")"
		}
		return "strpos(" + a + ", " + b + ") > 0"
	case rules.OpRefStartsWith:
		return "starts_with(" + a + ", " + b + ")"
	}
	if c.d == DuckDB {
		return "ends_with(" + a + ", " + b + ")"
	}
	return "(length(" + a + ") >= length(" + b + ") AND substr(" + a + ", length(" + a + ") - length(" + b + ") + 1) = " + b + ")"
}
