package schema

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

func TestJSONParser_Records(t *testing.T) {
	cases := []struct {
		name string
		cfg  ParserConfig
		unit string
		want []string // "raw => record" per emitted record
		err  string   // substring of Parse's error; "" for none
	}{
		{"one object", ParserConfig{Type: "json"}, ` {"a":1} `,
			[]string{`{"a":1} => {"a":1}`}, ""},
		{"top-level array", ParserConfig{Type: "json"}, `[{"a":1}, {"b":"x\u0041"}]`,
			[]string{`{"a":1} => {"a":1}`, `{"b":"xA"} => {"b":"xA"}`}, ""},
		{"path to an array", ParserConfig{Type: "json", JSONPath: []string{"Records"}}, `{"Records":[{"a":1},{"a":2}]}`,
			[]string{`{"a":1} => {"a":1}`, `{"a":2} => {"a":2}`}, ""},
		{"paths in order", ParserConfig{Type: "json", JSONPath: []string{"x.y", "detail"}}, `{"detail":{"a":1},"x":{"z":1}}`,
			[]string{`{"a":1} => {"a":1}`}, ""},
		{"first present path wins", ParserConfig{Type: "json", JSONPath: []string{"a", "b"}}, `{"b":{"n":2},"a":{"n":1}}`,
			[]string{`{"n":1} => {"n":1}`}, ""},
		{"null path is absent", ParserConfig{Type: "json", JSONPath: []string{"Records"}}, `{"Records":null,"k":1}`,
			[]string{`{"Records":null,"k":1} => {"Records":null,"k":1}`}, ""},
		{"no path: the unit", ParserConfig{Type: "json", JSONPath: []string{"Records"}}, `{"k": 1}`,
			[]string{`{"k": 1} => {"k":1}`}, ""},
		{"empty envelope", ParserConfig{Type: "json", JSONPath: []string{"Records"}}, `{"Records":[]}`, nil, ""},
		{"embedded", ParserConfig{Type: "json", JSONPath: []string{"r"}, EmbeddedJSON: true}, `{"r":["{\"a\": 1}", {"b":2}]}`,
			[]string{`{"a": 1} => {"a":1}`, `{"b":2} => {"b":2}`}, ""},
		{"embedded unit", ParserConfig{Type: "json", EmbeddedJSON: true}, `"{\"a\":1}"`,
			[]string{`{"a":1} => {"a":1}`}, ""},
		{"broken embedded", ParserConfig{Type: "json", JSONPath: []string{"r"}, EmbeddedJSON: true}, `{"r":["{", "{\"ok\":1}"]}`,
			[]string{`{"ok":1} => {"ok":1}`}, "record 0: embedded JSON"},
		{"element not an object", ParserConfig{Type: "json"}, `[1, {"a":1}]`,
			[]string{`{"a":1} => {"a":1}`}, "record 0 is a number, not an object"},
		{"envelope keys", ParserConfig{Type: "json", JSONPath: []string{"items"}, EnvelopeKeys: []string{"src", "missing"}},
			`{"src":"s1","items":[{"a":1},{"a":2,"envelope":0}]}`,
			[]string{`{"a":1} => {"a":1,"envelope":{"src":"s1"}}`, `{"a":2,"envelope":0} => {"a":2,"envelope":{"src":"s1"}}`}, ""},
		{"not JSON", ParserConfig{Type: "json"}, `user=bob`, nil, "not JSON"},
		{"two documents", ParserConfig{Type: "json"}, `{"a":1} {"a":2}`, nil, "not JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := NewParser(c.cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			err = p.Parse([]byte(c.unit), func(raw []byte, obj *fastjson.Value) error {
				got = append(got, string(raw)+" => "+string(appendCanonicalJSON(nil, obj)))
				return nil
			})
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			switch {
			case c.err == "" && err != nil:
				t.Errorf("error %v", err)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Errorf("error %v, want one containing %q", err, c.err)
			}
		})
	}
}

func TestNewJSONParser_BadOptions(t *testing.T) {
	for _, cfg := range []ParserConfig{
		{Type: "json", JSONPath: []string{""}},
		{Type: "json", JSONPath: []string{"a..b"}},
		{Type: "json", EnvelopeKeys: []string{""}},
	} {
		if _, err := newJSONParser(cfg, nil); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

// refQuote is the obvious byte-by-byte JSON quoting appendJSONQuoted must
// agree with.
func refQuote(s []byte) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&15])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func TestAppendJSONQuoted(t *testing.T) {
	var inputs [][]byte
	for c := 0; c < 256; c++ {
		for _, pad := range []int{0, 3, 7, 8, 9, 15, 16} {
			s := []byte(strings.Repeat("a", pad))
			s = append(s, byte(c))
			s = append(s, "tail-of-text"[:pad%12]...)
			inputs = append(inputs, s)
		}
	}
	inputs = append(inputs, []byte(""), []byte("héllo wörld — ✓"), []byte("\x00\x1f\"\\"), []byte(strings.Repeat(`a"b\c`, 20)))
	for _, in := range inputs {
		got := string(appendJSONQuoted(nil, in))
		if want := refQuote(in); got != want {
			t.Errorf("appendJSONQuoted(%q) = %s, want %s", in, got, want)
			continue
		}
		if utf8.Valid(in) {
			var back string
			if err := json.Unmarshal([]byte(got), &back); err != nil || back != string(in) {
				t.Errorf("%s does not decode to %q: %v", got, in, err)
			}
		}
	}
}

// TestAppendCanonicalJSON: the canonical text is compact JSON, the same
// however the input was written and whatever fastjson has unescaped.
func TestAppendCanonicalJSON(t *testing.T) {
	forms := []string{
		`{"a":"\u00e9\/x","n":[1,2.5e3,-0.5,null,true,false],"o":{"k":"v\n"}}`,
		"{ \"a\" : \"é/x\" ,\n \"n\" : [ 1 , 2.5e3 , -0.5 , null , true , false ] , \"o\" : { \"k\" : \"v\\n\" } }",
	}
	want := `{"a":"é/x","n":[1,2.5e3,-0.5,null,true,false],"o":{"k":"v\n"}}`
	for i, f := range forms {
		for _, touch := range []bool{false, true} {
			var p fastjson.Parser
			v, err := p.Parse(f)
			if err != nil {
				t.Fatal(err)
			}
			if touch {
				v.GetStringBytes("a")
				v.GetStringBytes("o", "k")
			}
			got := string(appendCanonicalJSON(nil, v))
			if got != want {
				t.Errorf("form %d (touched %v): %s, want %s", i, touch, got, want)
			}
		}
	}
	var p fastjson.Parser
	v, _ := p.Parse(`[00, 1., NaN, 7]`)
	if got := string(appendCanonicalJSON(nil, v)); got != `["00","1.","NaN",7]` || !json.Valid([]byte(got)) {
		t.Errorf("numbers JSON does not allow: %s", got)
	}
}

func TestIsJSONNumber(t *testing.T) {
	good := []string{"0", "-0", "7", "-12", "1.5", "0.25", "1e9", "1E+9", "2.5e-3"}
	bad := []string{"", "-", "00", "01", "1.", ".5", "+1", "1e", "1e+", "NaN", "inf", "1..2", "0x1"}
	for _, s := range good {
		if !isJSONNumber([]byte(s)) {
			t.Errorf("%q: want a JSON number", s)
		}
	}
	for _, s := range bad {
		if isJSONNumber([]byte(s)) {
			t.Errorf("%q: want no JSON number", s)
		}
	}
}

// FuzzJSONParser: any unit, with every option, parses without panicking,
// every record is an object, and the raw text of every element is JSON.
func FuzzJSONParser(f *testing.F) {
	for _, s := range []string{`{"Records":[{"a":1},2]}`, `["{\"a\":1}", "x"]`, `{"detail":{"a":"\u0000"}}`, `[[[]]]`, `"{}"`} {
		f.Add([]byte(s))
	}
	cfgs := []ParserConfig{
		{Type: "json"},
		{Type: "json", JSONPath: []string{"Records", "detail"}},
		{Type: "json", EmbeddedJSON: true},
		{Type: "json", JSONPath: []string{"Records"}, EnvelopeKeys: []string{"a", "detail"}},
	}
	f.Fuzz(func(t *testing.T, unit []byte) {
		for _, cfg := range cfgs {
			p, err := newJSONParser(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			p.Parse(unit, func(raw []byte, obj *fastjson.Value) error {
				if obj.Type() != fastjson.TypeObject {
					t.Errorf("record is %s", obj.Type())
				}
				// An element's raw text is written by us and must be JSON;
				// the unit itself and embedded texts are passed on as given.
				whole := bytes.Equal(raw, trimSpace(unit))
				if !whole && !cfg.EmbeddedJSON && fastjson.ValidateBytes(raw) != nil {
					t.Errorf("raw %q is not JSON", raw)
				}
				return nil
			})
		}
	})
}
