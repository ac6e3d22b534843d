package schema

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

var updateParserGolden = flag.Bool("update-parsers", false, "rewrite testdata/parsers/*.golden")

// fieldsNamed declares string fields; names ending in "!" are required.
func fieldsNamed(names ...string) []Field {
	fs := make([]Field, len(names))
	for i, n := range names {
		req := strings.HasSuffix(n, "!")
		n = strings.TrimSuffix(n, "!")
		fs[i] = Field{Name: n, Column: strings.ToLower(n), Type: Type{Kind: KindString}, Required: req}
	}
	return fs
}

func mustParser(t testing.TB, cfg ParserConfig, fields []Field) Parser {
	t.Helper()
	p, err := NewParser(cfg, fields)
	if err != nil {
		t.Fatalf("NewParser(%+v): %v", cfg, err)
	}
	return p
}

// parseLine runs p on line and returns the records it emitted, as Go values
// (map[string]any of strings and nested maps).
func parseLine(p Parser, line string) ([]map[string]any, error) {
	var out []map[string]any
	err := p.Parse([]byte(line), func(raw []byte, obj *fastjson.Value) error {
		v, err := toGo(obj)
		if err != nil {
			return err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("record is %T, not an object", v)
		}
		out = append(out, m)
		return nil
	})
	return out, err
}

// toGo converts a parser's output to Go values; only objects and strings
// may appear in it.
func toGo(v *fastjson.Value) (any, error) {
	switch v.Type() {
	case fastjson.TypeString:
		return string(v.GetStringBytes()), nil
	case fastjson.TypeObject:
		m := map[string]any{}
		var err error
		o, _ := v.Object()
		o.Visit(func(k []byte, e *fastjson.Value) {
			if err != nil {
				return
			}
			var x any
			if x, err = toGo(e); err == nil {
				m[string(k)] = x
			}
		})
		return m, err
	}
	return nil, fmt.Errorf("value of type %s in a text record", v.Type())
}

// wantRecord decodes the JSON text of an expected record.
func wantRecord(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad expected JSON %s: %v", s, err)
	}
	return m
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// parserCase is one line of a parser table test: the record it gives (JSON
// object text), or "" and an error containing wantErr.
type parserCase struct {
	name    string
	line    string
	want    string
	wantErr string
}

func runParserCases(t *testing.T, p Parser, cases []parserCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			recs, err := parseLine(p, c.line)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Parse(%q) error = %v, want one containing %q (records %s)", c.line, err, c.wantErr, asJSON(recs))
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.line, err)
			}
			if c.want == "" {
				if len(recs) != 0 {
					t.Fatalf("Parse(%q) emitted %s, want nothing", c.line, asJSON(recs))
				}
				return
			}
			if len(recs) != 1 {
				t.Fatalf("Parse(%q) emitted %d records, want 1", c.line, len(recs))
			}
			if want := wantRecord(t, c.want); !reflect.DeepEqual(recs[0], want) {
				t.Fatalf("Parse(%q)\n got %s\nwant %s", c.line, asJSON(recs[0]), asJSON(want))
			}
		})
	}
}

func TestNewParser_Dispatch(t *testing.T) {
	cases := []struct {
		cfg     ParserConfig
		want    string // type name, or "" for an error
		wantErr string
	}{
		{ParserConfig{Type: "csv"}, "*schema.csvParser", ""},
		{ParserConfig{Type: "kv"}, "*schema.kvParser", ""},
		{ParserConfig{Type: "syslog"}, "*schema.syslogParser", ""},
		{ParserConfig{Type: "regex", Pattern: `(?P<a>\w+)`}, "*schema.regexParser", ""},
		{ParserConfig{Type: "csv", Delimiter: ",,"}, "", "single ASCII character"},
		{ParserConfig{Type: "csv", Delimiter: "|", Quote: "|"}, "", "both"},
		{ParserConfig{Type: "csv", Header: true, Columns: []string{"a"}}, "", "exclude each other"},
		{ParserConfig{Type: "kv", Delimiter: "=", Separator: "="}, "", "both"},
		{ParserConfig{Type: "kv", Delimiter: "\n"}, "", "line break"},
		{ParserConfig{Type: "syslog", Format: "rfc9999"}, "", "syslog format"},
		{ParserConfig{Type: "regex", Pattern: `(\w+)`}, "", "no named groups"},
		{ParserConfig{Type: "regex", Pattern: `(?P<a>`}, "", "pattern"},
		{ParserConfig{Type: "xml"}, "", "unknown type"},
	}
	for _, c := range cases {
		p, err := NewParser(c.cfg, fieldsNamed("a", "b"))
		if c.want == "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("NewParser(%+v) error = %v, want %q", c.cfg, err, c.wantErr)
			}
			if p != nil {
				t.Errorf("NewParser(%+v) returned a parser (%T) with its error", c.cfg, p)
			}
			continue
		}
		if err != nil {
			t.Errorf("NewParser(%+v): %v", c.cfg, err)
			continue
		}
		if got := fmt.Sprintf("%T", p); got != c.want {
			t.Errorf("NewParser(%+v) = %s, want %s", c.cfg, got, c.want)
		}
	}
}

// Values with bytes that need JSON escapes must read back exactly, and
// the record must marshal to JSON that parses to the same values.
func TestRecordBuilder_ExactValues(t *testing.T) {
	values := []string{
		"plain",
		`say "hi"`,
		`C:\Users\x`,
		"esc \x1b[31mred\x1b[0m",
		"vt\v ff\f bell\a nul\x00 del\x7f",
		"tab\there\nnewline\rcr",
		"bad utf8 \xff\xfe with \"quote\"",
		"astral \U000E0001 tag \\",
		"",
	}
	var b recordBuilder
	for round := 0; round < 3; round++ { // reuse must not leak between records
		obj := b.begin()
		inner := b.object()
		for i, v := range values {
			b.set(obj, fmt.Sprintf("k%d", i), []byte(v))
			b.set(inner, fmt.Sprintf("k%d", i), []byte(v))
		}
		obj.Set("inner", inner)
		// A clean value replacing an escaped one must win, and the reverse.
		b.set(obj, "k1", []byte("replaced"))
		b.set(obj, "k0", []byte("now \"escaped\""))
		if err := b.finish(); err != nil {
			t.Fatal(err)
		}
		want := append([]string(nil), values...)
		want[1], want[0] = "replaced", "now \"escaped\""
		for i, v := range want {
			if got := string(obj.GetStringBytes(fmt.Sprintf("k%d", i))); got != v {
				t.Errorf("round %d: k%d = %q, want %q", round, i, got, v)
			}
			if got := string(obj.GetStringBytes("inner", fmt.Sprintf("k%d", i))); got != values[i] {
				t.Errorf("round %d: inner.k%d = %q, want %q", round, i, got, values[i])
			}
		}
		if n := obj.GetObject().Len(); n != len(values)+1 {
			t.Errorf("round %d: %d keys, want %d", round, n, len(values)+1)
		}
	}
}

func TestRecordBuilder_KeyInterning(t *testing.T) {
	var b recordBuilder
	k1 := b.key([]byte("user"))
	k2 := b.key([]byte("user"))
	if k1 != "user" || k2 != "user" {
		t.Fatalf("key = %q, %q", k1, k2)
	}
	if n := testing.AllocsPerRun(100, func() { b.key([]byte("user")) }); n != 0 {
		t.Errorf("interned key lookup allocates %v times", n)
	}
	for i := 0; i < 2*maxInternedKeys; i++ {
		b.key([]byte(fmt.Sprint(i)))
	}
	if len(b.keys) > maxInternedKeys {
		t.Errorf("key cache grew to %d, limit %d", len(b.keys), maxInternedKeys)
	}
}

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("é", 40) // 80 bytes
	got := excerpt([]byte(long))
	if !strings.HasSuffix(got, "…") || strings.Contains(got, `\x`) {
		t.Errorf("excerpt cut a rune or did not mark the cut: %s", got)
	}
	if got := excerpt([]byte("short")); got != `"short"` {
		t.Errorf("excerpt(short) = %s", got)
	}
}

// goldenCase names a golden test: the lines of testdata/parsers/<file>.txt
// are parsed by one parser; the results go to <file>.golden, one JSON line
// per input line ({"records": [...]} or {"error": "..."}).
type goldenCase struct {
	file   string
	cfg    ParserConfig
	fields []Field
}

func runGolden(t *testing.T, g goldenCase) {
	t.Helper()
	in, err := os.ReadFile(filepath.Join("testdata", "parsers", g.file+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	p := mustParser(t, g.cfg, g.fields)
	var out bytes.Buffer
	err = SplitLines(in, func(line []byte) error {
		if bytes.HasPrefix(line, []byte("#")) { // comments in the input
			return nil
		}
		recs, err := parseLine(p, string(line))
		res := map[string]any{"line": string(line)}
		if err != nil {
			res["error"] = err.Error()
		} else {
			res["records"] = recs
		}
		enc := json.NewEncoder(&out)
		enc.SetEscapeHTML(false)
		return enc.Encode(res)
	})
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "parsers", g.file+".golden")
	if *updateParserGolden {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update-parsers to create it)", err)
	}
	gotLines := strings.Split(out.String(), "\n")
	wantLines := strings.Split(string(want), "\n")
	for i := 0; i < max(len(gotLines), len(wantLines)); i++ {
		var g, w string
		if i < len(gotLines) {
			g = gotLines[i]
		}
		if i < len(wantLines) {
			w = wantLines[i]
		}
		if g != w {
			t.Errorf("%s line %d:\n got %s\nwant %s", golden, i+1, g, w)
		}
	}
}
