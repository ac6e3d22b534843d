package rules

import (
	"strings"
	"unicode/utf8"
)

// parseSigmaString reads a Sigma string value into a pattern. A backslash
// escapes only *, ? and \; before any other character it is literal, so
// C:\Windows needs no doubling.
func parseSigmaString(s string) Glob {
	var g Glob
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			g = append(g, GlobPart{Text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\'):
			lit.WriteByte(s[i+1])
			i++
		case c == '*' || c == '?':
			flush()
			g = append(g, GlobPart{Wild: c})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return g.normalize()
}

// literalGlob is a pattern of literal text only.
func literalGlob(s string) Glob {
	if s == "" {
		return Glob{}
	}
	return Glob{{Text: s}}
}

// normalize merges adjacent literal parts, drops empty ones and collapses
// runs of '*'.
func (g Glob) normalize() Glob {
	out := make(Glob, 0, len(g))
	for _, p := range g {
		switch {
		case p.Wild == 0 && p.Text == "":
			continue
		case p.Wild == 0 && len(out) > 0 && out[len(out)-1].Wild == 0:
			out[len(out)-1].Text += p.Text
		case p.Wild == '*' && len(out) > 0 && out[len(out)-1].Wild == '*':
			continue
		default:
			out = append(out, p)
		}
	}
	return out
}

// literal returns g's text when it has no wildcard.
func (g Glob) literal() (string, bool) {
	switch {
	case len(g) == 0:
		return "", true
	case len(g) == 1 && g[0].Wild == 0:
		return g[0].Text, true
	}
	return "", false
}

// wrap adds '*' at the start and/or end where missing (contains,
// startswith, endswith).
func (g Glob) wrap(start, end bool) Glob {
	out := make(Glob, 0, len(g)+2)
	if start && (len(g) == 0 || g[0].Wild != '*') {
		out = append(out, GlobPart{Wild: '*'})
	}
	out = append(out, g...)
	if end && (len(out) == 0 || out[len(out)-1].Wild != '*') {
		out = append(out, GlobPart{Wild: '*'})
	}
	return out.normalize()
}

// mapText applies fn to every literal part.
func (g Glob) mapText(fn func(string) string) Glob {
	out := make(Glob, len(g))
	for i, p := range g {
		if p.Wild == 0 {
			p.Text = fn(p.Text)
		}
		out[i] = p
	}
	return out.normalize()
}

// classify picks the cheapest operator that expresses g: equality,
// contains, startswith, endswith, or a general glob.
func (g Glob) classify() (Op, string) {
	if s, ok := g.literal(); ok {
		return OpEq, s
	}
	if len(g) == 2 && g[0].Wild == '*' && g[1].Wild == 0 {
		return OpEndsWith, g[1].Text
	}
	if len(g) == 2 && g[0].Wild == 0 && g[1].Wild == '*' {
		return OpStartsWith, g[0].Text
	}
	if len(g) == 3 && g[0].Wild == '*' && g[1].Wild == 0 && g[2].Wild == '*' {
		return OpContains, g[1].Text
	}
	return OpGlob, ""
}

// match reports whether s matches g as a whole. '?' matches one code
// point (one byte where s is not valid UTF-8).
func (g Glob) match(s string) bool {
	// Iterative matcher with backtracking to the last '*' (linear in
	// practice, at worst O(len(g)*len(s))).
	pi, si := 0, 0
	starP, starS := -1, 0
	for {
		if pi < len(g) {
			p := g[pi]
			switch p.Wild {
			case '*':
				starP, starS = pi, si
				pi++
				continue
			case '?':
				if si < len(s) {
					_, n := utf8.DecodeRuneInString(s[si:])
					si += n
					pi++
					continue
				}
			default:
				if strings.HasPrefix(s[si:], p.Text) {
					si += len(p.Text)
					pi++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		// Mismatch: let the last '*' swallow one more code point.
		if starP < 0 || starS >= len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starS:])
		starS += n
		pi, si = starP+1, starS
	}
}
