package rules

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/streamalert/streamalert/schema"
)

// FuzzLoadRule feeds arbitrary documents to the loader: malformed YAML,
// detections and conditions must give errors with a place, never panic,
// and every rule that loads must compile and run.
func FuzzLoadRule(f *testing.F) {
	files, _ := filepath.Glob("testdata/sigma/aws_cloudtrail/*.yml")
	pack, _ := filepath.Glob("pack/*.yaml")
	for _, p := range append(files[:10], pack...) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, strings.Contains(p, "sigma"))
	}
	for _, c := range semanticsCases() {
		f.Add([]byte(detectionRule(c.detection)), false)
	}
	for _, s := range []string{
		"", "---", "name: x", "[1, 2", "name: t\nlogs: [test:events]\ndetection: {condition: 'a and (b'}",
		"title: t\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  a: {x|re: '('}\n  condition: a",
		"title: t\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  a: &x {b: c}\n  b: *x\n  condition: 1 of them",
		"action: global\ndetection: {condition: s}\n---\naction: repeat\n---\nlogsource: {product: okta}\ndetection: {s: [a, b]}",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	// An alias bomb in a test record: refused at its line, not expanded.
	f.Add([]byte("name: t\nlogs: [test:events]\ndetection:\n  sel:\n    name: a\n  condition: sel\ntests:\n  - expect: true\n    record:\n"+aliasBomb("      ", 6)), false)
	types := testTypes(f)
	reg := testRegistry(append(append([]*schema.LogType(nil), types...), schema.Builtin().All()...))
	rec := buildRecord(f, types.Get("test:events"), `{"name":"a","cmd":"x y","count":3,"ip":"10.0.0.1","tags":["a"],"user":{"name":"b"},"params":{"k":[1,{"z":null}]},"zzz":"q"}`)
	f.Fuzz(func(t *testing.T, data []byte, sigma bool) {
		l := &Loader{LogTypes: reg}
		rules, errs := l.LoadBytes("fuzz.yaml", data, sigma)
		for _, e := range errs {
			if le, ok := e.(*LoadError); !ok || le.File != "fuzz.yaml" || le.Msg == "" {
				t.Fatalf("error without a place: %#v", e)
			}
		}
		for _, r := range rules {
			if r.Expr == nil || r.Name == "" || len(r.LogTypes) == 0 {
				t.Fatalf("incomplete rule loaded: %+v", r)
			}
			_ = r.Expr.String()
			set, _ := NewSet(r)
			m := NewMatcher(set)
			m.Match(rec, func(*Rule, Match) {})
			if e := m.Errors(); len(e) > 0 {
				t.Fatalf("rule failed at run time: %v (%s)", e, r.Expr)
			}
		}
	})
}

// FuzzParseCondition checks that any condition text parses or errors.
func FuzzParseCondition(f *testing.F) {
	for _, s := range []string{"a and not 1 of b*", "(a or b) and c", "all of them", "a | count() > 3", "((", "not"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCondition(s)
		if err == nil {
			_ = condString(c)
			_, _ = expandCondition(c, map[string]Expr{"a": &Leaf{Field: "x", Op: OpExists}}, []string{"a"})
		}
	})
}

// FuzzGlob checks the wildcard matcher against an equivalent anchored
// regular expression.
func FuzzGlob(f *testing.F) {
	for _, s := range [][2]string{{"a*c", "abbc"}, {`a\*?`, "a*x"}, {"*?*", "ä"}, {"**a*", "bab"}, {`\\*`, `\x`}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if !utf8.ValidString(pattern) {
			t.Skip("regexp cannot express invalid UTF-8 literals")
		}
		g := parseSigmaString(pattern)
		var re strings.Builder
		re.WriteString(`(?s)\A`)
		for _, p := range g {
			switch p.Wild {
			case '*':
				re.WriteString(".*")
			case '?':
				re.WriteString(".")
			default:
				re.WriteString(regexp.QuoteMeta(p.Text))
			}
		}
		re.WriteString(`\z`)
		want := regexp.MustCompile(re.String()).MatchString(s)
		if got := g.match(s); got != want {
			t.Fatalf("glob %q (%s) on %q: %v, regexp says %v", pattern, g, s, got, want)
		}
	})
}

// FuzzRegexPrefilter checks that the literal prefilter never changes a
// regex's answer.
func FuzzRegexPrefilter(f *testing.F) {
	for _, s := range [][2]string{{".+:assumed-role/aws:.+", "arn:aws:sts::1:assumed-role/aws:x/y"}, {`\s-O\s`, "a -O b"},
		{"(?i)abc", "xABC"}, {"ab(cd)+e", "abcdcde"}, {"a|bc", "bc"}, {"x{2,}yz", "xxyz"}, {"(?s)a.b", "a\nb"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pat, s string) {
		r, err := newRegex(pat)
		if err != nil {
			return
		}
		if got, want := r.match(s), r.re.MatchString(s); got != want {
			t.Fatalf("regex %q (literal %q, whole %v) on %q: %v, want %v", pat, r.lit, r.whole, s, got, want)
		}
	})
}
