package schema

import (
	"path"
	"strings"
	"testing"
)

func TestGlobMatch(t *testing.T) {
	cases := []struct {
		glob, s string
		want    bool
	}{
		{"abc", "abc", true},
		{"abc", "abd", false},
		{"", "", true},
		{"*", "", true},
		{"*", "a/b/c", true}, // * crosses slashes
		{"a*c", "abbbc", true},
		{"a*c", "abbbd", false},
		{"*.log", "x/y.log", true},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"a?c", "aéc", true}, // ? is one character, not one byte
		{"[abc]x", "bx", true},
		{"[abc]x", "dx", false},
		{"[a-c]x", "cx", true},
		{"[!a-c]x", "dx", true},
		{"[^a-c]x", "ax", false},
		{"[]]", "]", true}, // ] first in a class is literal
		{"[é]", "é", true},
		{"[ab", "[ab", true}, // an unclosed [ is literal
		{`\*`, "*", true},
		{`\*`, "x", false},
		{`a\?`, "a?", true},
		{"*a*b*", "xxaxxbxx", true},
		{"*a*b*", "xxbxxaxx", false},
	}
	for _, c := range cases {
		if got := globMatch(c.glob, c.s); got != c.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", c.glob, c.s, got, c.want)
		}
	}
}

// FuzzGlobMatch checks globMatch against path.Match on the globs and
// strings where the two grammars agree: no slash (path.Match's * stops at
// one), no backslash and no class (whose edge cases differ).
func FuzzGlobMatch(f *testing.F) {
	f.Add("a*c", "abc")
	f.Add("?x*", "yxz")
	f.Add("**a", "ba")
	f.Fuzz(func(t *testing.T, g, s string) {
		if strings.ContainsAny(g+s, `/\[]`) {
			return
		}
		want, err := path.Match(g, s)
		if err != nil {
			return
		}
		if got := globMatch(g, s); got != want {
			t.Fatalf("globMatch(%q, %q) = %v, path.Match says %v", g, s, got, want)
		}
	})
}
