package schema

import "unicode/utf8"

// globMatch matches s against a glob: * is any run of characters (slashes
// included), ? one character, [...] a class ([!...] or [^...] negated,
// a-z ranges), and \ quotes the next character. It is the glob of a log
// type's log_patterns.
//
// It is not the rules package's Glob, on purpose: a Sigma value has no
// character classes ("[" is literal) and its backslash escapes only *, ?
// and \ (so C:\Windows needs no doubling), and rules.Glob is a parsed
// form shared with the SQL compiler. Neither grammar can replace the other
// without changing what existing log types or Sigma rules match; and
// schema cannot import rules, which imports schema. path.Match differs
// too: its * stops at a slash.
func globMatch(g, s string) bool {
	gi, si := 0, 0
	starG, starS := -1, -1
	for si < len(s) || gi < len(g) {
		if gi < len(g) {
			switch g[gi] {
			case '*':
				starG, starS = gi, si
				gi++
				continue
			case '?':
				if si < len(s) {
					_, w := utf8.DecodeRuneInString(s[si:])
					gi++
					si += w
					continue
				}
			case '[':
				if si < len(s) {
					r, w := utf8.DecodeRuneInString(s[si:])
					if ok, n := matchClass(g[gi:], r); n > 0 {
						if ok {
							gi += n
							si += w
							continue
						}
						break
					}
					if s[si] == '[' { // an unclosed [ is literal
						gi++
						si++
						continue
					}
				}
			case '\\':
				if gi+1 < len(g) && si < len(s) && s[si] == g[gi+1] {
					gi += 2
					si++
					continue
				}
			default:
				if si < len(s) && s[si] == g[gi] {
					gi++
					si++
					continue
				}
			}
		}
		if starG >= 0 && starS < len(s) {
			starS++
			gi, si = starG+1, starS
			continue
		}
		return false
	}
	return true
}

// matchClass matches r against the class at the start of g ("[...]") and
// returns the class's length, 0 when g holds no closed class.
func matchClass(g string, r rune) (bool, int) {
	i := 1
	neg := false
	if i < len(g) && (g[i] == '!' || g[i] == '^') {
		neg = true
		i++
	}
	match := false
	first := true
	for i < len(g) {
		if g[i] == ']' && !first {
			return match != neg, i + 1
		}
		first = false
		lo, w := utf8.DecodeRuneInString(g[i:])
		i += w
		hi := lo
		if i+1 < len(g) && g[i] == '-' && g[i+1] != ']' {
			hi, w = utf8.DecodeRuneInString(g[i+1:])
			i += 1 + w
		}
		if lo <= r && r <= hi {
			match = true
		}
	}
	return false, 0
}
