package equivalence

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/streamalert/streamalert/rules"
)

var (
	fuzzCorpusOnce sync.Once
	fuzzCorpus     *Corpus
	fuzzCorpusErr  error
)

// sigmaEscape writes text as a Sigma string value with no wildcards.
func sigmaEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`).Replace(s)
}

// FuzzLiteral compiles a rule around arbitrary text (quotes, backslashes,
// NUL, SQL comment and statement characters, any Unicode) and checks that
// the SQL selects exactly what the matcher selects: the text can neither
// change the statement nor be compared differently.
func FuzzLiteral(f *testing.F) {
	for _, s := range [][2]string{
		{"x' OR '1'='1", "X' or '1'='1"},
		{`a\b`, `A\B`},
		{"İstanbul", "istanbul"},
		{"STRAẞE", "straße"},
		{"50%_off", "50x_off"},
		{"a\x00b", "a\x00b"},
		{"'; DROP VIEW sqltest_events; --", "x"},
		{"\"quoted\" $$dollar$$ /* c */", "e'\\'"},
		{"tab\tnew\nline", "TAB\tNEW\nLINE"},
		{"ǅ", "ǆ"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, lit, other string) {
		if lit == "" || !utf8.ValidString(lit) || !utf8.ValidString(other) {
			t.Skip()
		}
		fuzzCorpusOnce.Do(func() { fuzzCorpus, fuzzCorpusErr = LoadCorpus("../..") })
		if fuzzCorpusErr != nil {
			t.Fatal(fuzzCorpusErr)
		}
		c := fuzzCorpus
		doc := map[string]any{
			"name": "fuzz_literal",
			"logs": []string{"sqltest:events"},
			"detection": map[string]any{
				"folded":    map[string]any{"name|contains": sigmaEscape(lit)},
				"cased":     map[string]any{"cmd|cased": sigmaEscape(lit)},
				"starts":    map[string]any{"other|startswith": sigmaEscape(lit)},
				"condition": "folded or cased or starts",
			},
		}
		y, err := yaml.Marshal(doc)
		if err != nil {
			t.Skip()
		}
		rs, errs := (&rules.Loader{LogTypes: c.Registry}).LoadBytes("fuzz.yaml", y, false)
		if len(errs) > 0 || len(rs) != 1 {
			t.Skip() // not a loadable rule value
		}
		var payloads [][]byte
		for _, field := range []string{"name", "cmd", "other"} {
			for _, v := range []string{lit, other, strings.ToUpper(lit), strings.ToLower(lit), "x" + lit + "y", other + lit} {
				b, _ := json.Marshal(map[string]string{field: v})
				payloads = append(payloads, b)
			}
		}
		recs, _, err := c.Classify(map[string][][]byte{"sqltest:events": payloads})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Run(context.Background(), t.TempDir(), Suite{Rules: rs, Records: recs})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() {
			t.Fatalf("literal %q: %s", lit, rep)
		}
	})
}

// FuzzRegex checks that DuckDB's regexp_matches agrees with Go's regexp
// (the matcher's) on arbitrary RE2 patterns, flags and texts.
func FuzzRegex(f *testing.F) {
	for _, s := range [][2]string{
		{`ev[i1]l\d+`, "the ev1l42"},
		{`^start.end$`, "start\nend"},
		{`(?i)kelvin`, "\u212Aelvin"},
		{`\s-O\s`, "curl\t-O\vx"},
		{`\bword\b`, "a word."},
		{`[[:alpha:]]+\pN`, "abc٣"},
		{`(?m)^x$`, "a\nx\nb"},
		{`a.c`, "a\x00c"},
		{`ß|ẞ`, "STRASSE"},
		{`\x{1F600}`, "😀"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pat, text string) {
		if !utf8.ValidString(pat) || !utf8.ValidString(text) || len(pat) > 200 {
			t.Skip()
		}
		fuzzCorpusOnce.Do(func() { fuzzCorpus, fuzzCorpusErr = LoadCorpus("../..") })
		if fuzzCorpusErr != nil {
			t.Fatal(fuzzCorpusErr)
		}
		c := fuzzCorpus
		doc := map[string]any{
			"name": "fuzz_regex",
			"logs": []string{"sqltest:events"},
			"detection": map[string]any{
				"plain":     map[string]any{"name|re": pat},
				"flags":     map[string]any{"cmd|re|i|m|s": pat},
				"condition": "plain or flags",
			},
		}
		y, err := yaml.Marshal(doc)
		if err != nil {
			t.Skip()
		}
		rs, errs := (&rules.Loader{LogTypes: c.Registry}).LoadBytes("fuzz.yaml", y, false)
		if len(errs) > 0 || len(rs) != 1 {
			t.Skip() // not a valid RE2 pattern
		}
		var payloads [][]byte
		for _, field := range []string{"name", "cmd"} {
			for _, v := range []string{text, strings.ToUpper(text), pat} {
				b, _ := json.Marshal(map[string]string{field: v})
				payloads = append(payloads, b)
			}
		}
		recs, _, err := c.Classify(map[string][][]byte{"sqltest:events": payloads})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Run(context.Background(), t.TempDir(), Suite{Rules: rs, Records: recs})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() {
			t.Fatalf("pattern %q: %s", pat, rep)
		}
	})
}
