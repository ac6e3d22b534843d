package queries

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/streamalert/streamalert/rules"
)

func TestQuote(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "''"},
		{"abc", "'abc'"},
		{"it's", "'it''s'"},
		{`C:\Windows\`, `'C:\Windows\'`},
		{"İß\u00e4\u2028", "'İß\u00e4\u2028'"},
		{"a\x00b", "('a' || chr(0) || 'b')"},
		{"\t", "chr(9)"},
		{"x;DROP", "('x' || chr(59) || 'DROP')"},
		{"'\n'", "('''' || chr(10) || '''')"},
		{"\x7f", "chr(127)"},
		{"a\xffb", "'a\uFFFDb'"},
	} {
		if got := quote(c.in); got != c.want {
			t.Errorf("quote(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

// unquote reads back what quote writes: string literals with doubled
// quotes and chr(n) calls, joined by || inside parentheses. It fails on
// anything else, so a quoted value that could end the literal early is
// caught.
func unquote(s string) (string, error) {
	parts := 0
	if strings.HasPrefix(s, "(") {
		if !strings.HasSuffix(s, ")") {
			return "", fmt.Errorf("unbalanced parenthesis")
		}
		s = s[1 : len(s)-1]
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if parts > 0 {
			if !strings.HasPrefix(s[i:], " || ") {
				return "", fmt.Errorf("at %d: want ||", i)
			}
			i += 4
		}
		parts++
		switch {
		case strings.HasPrefix(s[i:], "chr("):
			j := strings.IndexByte(s[i:], ')')
			if j < 0 {
				return "", fmt.Errorf("at %d: unterminated chr", i)
			}
			n, err := strconv.Atoi(s[i+4 : i+j])
			if err != nil {
				return "", err
			}
			b.WriteRune(rune(n))
			i += j + 1
		case s[i] == '\'':
			i++
			for {
				if i >= len(s) {
					return "", fmt.Errorf("unterminated literal")
				}
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
		default:
			return "", fmt.Errorf("at %d: %q is neither a literal nor chr()", i, s[i:])
		}
	}
	if parts == 0 {
		return "", fmt.Errorf("empty")
	}
	return b.String(), nil
}

// FuzzQuote checks that any text quotes to an expression that reads back
// as exactly that text, without a semicolon or control character in the
// statement text.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "a", "'", "''", "' OR '1'='1", "a || b", "chr(0)", "x\x00y", ";", "\\'", "(a)", " || ", "'||'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			t.Skip()
		}
		q := quote(s)
		for _, r := range q {
			if spliced(r) {
				t.Fatalf("quote(%q) = %q holds %q", s, q, r)
			}
		}
		back, err := unquote(q)
		if err != nil {
			t.Fatalf("quote(%q) = %q: %v", s, q, err)
		}
		if back != s {
			t.Fatalf("quote(%q) = %q reads back as %q", s, q, back)
		}
	})
}

func TestLikePattern(t *testing.T) {
	for _, c := range []struct {
		glob rules.Glob
		want string
	}{
		{rules.Glob{{Text: "abc"}}, "abc"},
		{rules.Glob{{Wild: '*'}, {Text: "50%_off"}, {Wild: '*'}}, `%50\%\_off%`},
		{rules.Glob{{Text: `C:\x`}, {Wild: '?'}}, `C:\\x_`},
		{rules.Glob{{Text: "a"}, {Wild: '*'}, {Text: "b"}, {Wild: '?'}, {Text: "c"}}, "a%b_c"},
	} {
		if got := likePattern(c.glob); got != c.want {
			t.Errorf("likePattern(%v) = %q, want %q", c.glob, got, c.want)
		}
	}
}

func TestIdent(t *testing.T) {
	if got := ident(`a"b`); got != `"a""b"` {
		t.Errorf("ident = %s", got)
	}
}
