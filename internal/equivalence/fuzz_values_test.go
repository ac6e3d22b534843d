package equivalence

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/streamalert/streamalert/rules"
)

// fuzzSuite loads a one-rule document and runs it over payloads of
// sqltest:events in both engines; it fails on any difference.
func fuzzSuite(t *testing.T, doc map[string]any, payloads [][]byte, what string) {
	t.Helper()
	fuzzCorpusOnce.Do(func() { fuzzCorpus, fuzzCorpusErr = LoadCorpus("../..") })
	if fuzzCorpusErr != nil {
		t.Fatal(fuzzCorpusErr)
	}
	c := fuzzCorpus
	y, err := yaml.Marshal(doc)
	if err != nil {
		t.Skip()
	}
	rs, errs := (&rules.Loader{LogTypes: c.Registry}).LoadBytes("fuzz.yaml", y, false)
	if len(errs) > 0 || len(rs) != 1 {
		t.Skip() // not a loadable rule value
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
		t.Fatalf("%s: %s", what, rep)
	}
}

// FuzzKeyword searches arbitrary text as a keyword (plain, startswith,
// endswith) in records holding it in a declared field, inside a json
// field, inside an array<json> element and in an undeclared key, where
// the lake stores it JSON-escaped (backslashes, quotes, tabs, newlines).
func FuzzKeyword(f *testing.F) {
	for _, s := range [][2]string{
		{`C:\Windows\evil.exe`, `c:\windows\EVIL.exe`},
		{`say "hi"`, `they say "hi" twice`},
		{"tab\there", "new\nline"},
		{"benjamin*ListBuckets", "benjamin"},
		{"50%_off", `a\"b`},
		{"\u2028x", "İ"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, kw, other string) {
		if kw == "" || !utf8.ValidString(kw) || !utf8.ValidString(other) || strings.ContainsRune(kw, 0) {
			t.Skip()
		}
		doc := map[string]any{
			"name": "fuzz_keyword",
			"logs": []string{"sqltest:events"},
			"detection": map[string]any{
				"plain":     []string{sigmaEscape(kw)},
				"starts":    map[string]any{"|startswith": sigmaEscape(kw)},
				"ends":      map[string]any{"|endswith|cased": sigmaEscape(kw)},
				"condition": "plain or starts or ends",
			},
		}
		var payloads [][]byte
		for _, v := range []string{kw, other, strings.ToUpper(kw), "x" + kw, kw + "y", other + kw} {
			for _, rec := range []any{
				map[string]any{"cmd": v},
				map[string]any{"params": map[string]any{"k": v}},
				map[string]any{"items": []any{map[string]any{"k": []any{1, v}}}},
				map[string]any{"zz_undeclared": map[string]any{"k": v}},
				map[string]any{"name": other, "cmd": v},
			} {
				b, _ := json.Marshal(rec)
				payloads = append(payloads, b)
			}
		}
		fuzzSuite(t, doc, payloads, "keyword "+jsonQuote(kw))
	})
}

// FuzzNumber writes an arbitrary JSON number into json fields and extras
// and compares it with an arbitrary rule value by equality, as text
// (startswith, regex) and by gt: both engines must read a number the same
// whatever spelling JSON allows (1.50, 1e3, -0, 1E400, huge integers).
func FuzzNumber(f *testing.F) {
	for _, s := range [][2]string{
		{"1.50", "1.5"}, {"1e3", "1000"}, {"-0", "0"}, {"-0.0", "-0"}, {"1.10", "1.1"},
		{"12345678901234567890", "12345678901234567890"}, {"18446744073709551616", "1.8446744073709552e+19"},
		{"1E400", "+Inf"}, {"0.1e1", "1"}, {"-9223372036854775809", "-9223372036854775809"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, num, val string) {
		num = strings.TrimSpace(num)
		var n json.Number
		if num == "" || len(num) > 40 || json.Unmarshal([]byte(num), &n) != nil || !utf8.ValidString(val) || val == "" {
			t.Skip()
		}
		doc := map[string]any{
			"name": "fuzz_number",
			"logs": []string{"sqltest:events"},
			"detection": map[string]any{
				"eq":        map[string]any{"params.n": val},
				"text":      map[string]any{"items.n|startswith": sigmaEscape(val)},
				"re":        map[string]any{"zz_n|re": "^" + regexp.QuoteMeta(val) + "$"},
				"condition": "eq or text or re",
			},
		}
		var payloads [][]byte
		for _, rec := range []string{
			`{"params":{"n":` + num + `}}`,
			`{"items":[{"n":` + num + `}]}`,
			`{"zz_n":` + num + `}`,
			`{"params":{"n":[` + num + `]}}`,
			`{"params":{"n":` + jsonQuote(num) + `}}`,
		} {
			payloads = append(payloads, []byte(rec))
		}
		fuzzSuite(t, doc, payloads, "number "+num+" against "+jsonQuote(val))
	})
}

func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
