package rules

import (
	"fmt"
	"strings"
)

// Cond is a parsed Sigma condition, before selections are substituted.
// Its concrete types are CondAnd, CondOr, CondNot, CondSel and CondOf.
type Cond interface{ isCond() }

// CondAnd holds when every part holds.
type CondAnd []Cond

// CondOr holds when any part holds.
type CondOr []Cond

// CondNot negates X.
type CondNot struct{ X Cond }

// CondSel names one selection.
type CondSel struct{ Name string }

// CondOf is `1 of P`, `any of P` (All false) or `all of P` (All true),
// where Pattern is a selection name, a name pattern with '*', or "them".
type CondOf struct {
	All     bool
	Pattern string
}

func (CondAnd) isCond() {}
func (CondOr) isCond()  {}
func (CondNot) isCond() {}
func (CondSel) isCond() {}
func (CondOf) isCond()  {}

// ParseCondition parses one Sigma condition expression. Operators are lower
// case; precedence from loosest: or, and, not, `x of`, parentheses.
func ParseCondition(s string) (Cond, error) {
	toks, err := lexCondition(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("condition is empty")
	}
	p := &condParser{toks: toks}
	c, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		t := p.toks[p.pos]
		if lower := strings.ToLower(t); lower == "and" || lower == "or" || lower == "not" {
			return nil, fmt.Errorf("condition %q: unexpected %q (operators are lower case: and, or, not)", s, t)
		}
		return nil, fmt.Errorf("condition %q: unexpected %q", s, t)
	}
	return c, nil
}

func lexCondition(s string) ([]string, error) {
	var toks []string
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, string(c))
			i++
		case c == '|':
			return nil, fmt.Errorf("condition %q: aggregations after '|' (count, near, …) are not supported; use a correlation rule", s)
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()|", rune(s[j])) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks, nil
}

type condParser struct {
	toks  []string
	pos   int
	depth int
}

func (p *condParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *condParser) next() string {
	t := p.peek()
	p.pos++
	return t
}

func (p *condParser) parseOr() (Cond, error) {
	first, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	parts := CondOr{first}
	for p.peek() == "or" {
		p.next()
		c, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		parts = append(parts, c)
	}
	if len(parts) == 1 {
		return first, nil
	}
	return parts, nil
}

func (p *condParser) parseAnd() (Cond, error) {
	first, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	parts := CondAnd{first}
	for p.peek() == "and" {
		p.next()
		c, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		parts = append(parts, c)
	}
	if len(parts) == 1 {
		return first, nil
	}
	return parts, nil
}

func (p *condParser) parseNot() (Cond, error) {
	if p.peek() == "not" {
		p.next()
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return CondNot{X: x}, nil
	}
	return p.parsePrimary()
}

const maxConditionDepth = 100

func (p *condParser) parsePrimary() (Cond, error) {
	t := p.next()
	switch t {
	case "":
		return nil, fmt.Errorf("condition ends early: expected a selection, '(' or 'not'")
	case "(":
		p.depth++
		if p.depth > maxConditionDepth {
			return nil, fmt.Errorf("condition nests parentheses more than %d deep", maxConditionDepth)
		}
		c, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if p.next() != ")" {
			return nil, fmt.Errorf("condition has an unclosed '('")
		}
		p.depth--
		return c, nil
	case ")", "and", "or", "of":
		return nil, fmt.Errorf("condition: unexpected %q", t)
	case "AND", "OR", "NOT", "And", "Or", "Not":
		return nil, fmt.Errorf("condition: unexpected %q (operators are lower case: and, or, not)", t)
	case "1", "any", "all":
		if p.peek() != "of" {
			// Not a quantifier: a selection may be named "1", "any" or "all".
			return CondSel{Name: t}, nil
		}
		p.next()
		pat := p.next()
		switch pat {
		case "", "(", ")", "and", "or", "not", "of":
			return nil, fmt.Errorf("condition: %s of needs a selection name, a pattern or 'them', not %q", t, pat)
		}
		return CondOf{All: t == "all", Pattern: pat}, nil
	}
	if p.peek() == "of" {
		return nil, fmt.Errorf("condition: %q of is not supported (only 1 of, any of, all of)", t)
	}
	if strings.ContainsAny(t, "*") {
		return nil, fmt.Errorf("condition: pattern %q needs '1 of' or 'all of' before it", t)
	}
	return CondSel{Name: t}, nil
}

// expandCondition substitutes selections into a parsed condition. names
// lists the selections in file order.
func expandCondition(c Cond, sels map[string]Expr, names []string) (Expr, error) {
	switch c := c.(type) {
	case CondAnd:
		var xs []Expr
		for _, p := range c {
			x, err := expandCondition(p, sels, names)
			if err != nil {
				return nil, err
			}
			xs = append(xs, x)
		}
		return newAnd(xs...), nil
	case CondOr:
		var xs []Expr
		for _, p := range c {
			x, err := expandCondition(p, sels, names)
			if err != nil {
				return nil, err
			}
			xs = append(xs, x)
		}
		return newOr(xs...), nil
	case CondNot:
		x, err := expandCondition(c.X, sels, names)
		if err != nil {
			return nil, err
		}
		return newNot(x), nil
	case CondSel:
		x, ok := sels[c.Name]
		if !ok {
			return nil, fmt.Errorf("condition names %q, which is not a selection (have %s)", c.Name, strings.Join(names, ", "))
		}
		return x, nil
	case CondOf:
		matched := matchSelections(c.Pattern, names)
		if len(matched) == 0 {
			return nil, fmt.Errorf("condition: %q matches no selection (have %s)", c.Pattern, strings.Join(names, ", "))
		}
		var xs []Expr
		for _, n := range matched {
			xs = append(xs, sels[n])
		}
		if c.All {
			return newAnd(xs...), nil
		}
		return newOr(xs...), nil
	}
	return nil, fmt.Errorf("condition: unknown node %T", c)
}

// matchSelections returns the selection names a `x of` pattern covers.
// "them" and patterns not starting with '_' leave out names starting
// with '_'.
func matchSelections(pattern string, names []string) []string {
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, "_") && !strings.HasPrefix(pattern, "_") {
			continue
		}
		if pattern == "them" {
			out = append(out, n)
			continue
		}
		if starPattern(pattern).match(n) {
			out = append(out, n)
		}
	}
	return out
}

// starPattern reads a selection name pattern, where only '*' is special.
func starPattern(p string) Glob {
	var g Glob
	for i, part := range strings.Split(p, "*") {
		if i > 0 {
			g = append(g, GlobPart{Wild: '*'})
		}
		g = append(g, GlobPart{Text: part})
	}
	return g.normalize()
}
