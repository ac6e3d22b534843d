package schema

import (
	"sort"
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

func TestParseKV_Defaults(t *testing.T) {
	p := mustParser(t, ParserConfig{Type: "kv"}, nil)
	runParserCases(t, p, []parserCase{
		{name: "plain", line: "user=alice action=login ok=1",
			want: `{"user":"alice","action":"login","ok":"1"}`},
		{name: "quoted with delimiter and separator", line: `msg="a b=c" n=2`,
			want: `{"msg":"a b=c","n":"2"}`},
		{name: "escapes in quotes", line: `msg="say \"hi\" C:\\x \d" z=1`,
			want: `{"msg":"say \"hi\" C:\\x \\d","z":"1"}`},
		{name: "empty values", line: `a= b="" c=1`,
			want: `{"a":"","b":"","c":"1"}`},
		{name: "separator in value", line: "url=http://x/?a=b&c=d",
			want: `{"url":"http://x/?a=b&c=d"}`},
		{name: "repeated delimiters and ends", line: "  a=1    b=2  \r",
			want: `{"a":"1","b":"2"}`},
		{name: "repeated key keeps last", line: "a=1 a=2",
			want: `{"a":"2"}`},
		{name: "dash is a value", line: "a=- b=1",
			want: `{"a":"-","b":"1"}`},
		{name: "quote inside unquoted value", line: `a=it"s b=1`,
			want: `{"a":"it\"s","b":"1"}`},
		{name: "token without separator", line: "user=alice oops action=x",
			wantErr: `kv: token "oops" has no separator "="`},
		{name: "free text", line: "the quick brown fox",
			wantErr: `kv: token "the" has no separator`},
		{name: "empty key", line: "=x a=1", wantErr: "has an empty key"},
		{name: "quote in key", line: `a"b=1`, wantErr: `holds '"'`},
		{name: "unclosed quote", line: `msg="abc d=1`, wantErr: `key "msg": quoted value has no closing quote`},
		{name: "text after quote", line: `msg="abc"def x=1`, wantErr: `after the closing quote`},
		{name: "only spaces", line: "   ", wantErr: "no key/value pairs"},
		{name: "empty", line: "", wantErr: "no key/value pairs"},
	})
}

func TestParseKV_Options(t *testing.T) {
	t.Run("comma and colon", func(t *testing.T) {
		p := mustParser(t, ParserConfig{Type: "kv", Delimiter: ",", Separator: ":"}, nil)
		runParserCases(t, p, []parserCase{
			{name: "spaces trimmed", line: `src: 10.0.0.1 , dst:10.0.0.2,, msg:"a, b" ,x: `,
				want: `{"src":"10.0.0.1","dst":"10.0.0.2","msg":"a, b","x":""}`},
			{name: "space-only token between delimiters", line: "a:1,  ,b:2",
				want: `{"a":"1","b":"2"}`},
		})
	})
	t.Run("multi-byte delimiter and single quote", func(t *testing.T) {
		p := mustParser(t, ParserConfig{Type: "kv", Delimiter: " | ", Separator: "=", Quote: "'"}, nil)
		runParserCases(t, p, []parserCase{
			{name: "cef-like", line: `act=blocked | msg='a | b \' c' | n=1`,
				want: `{"act":"blocked","msg":"a | b ' c","n":"1"}`},
		})
	})
	t.Run("tab delimiter", func(t *testing.T) {
		p := mustParser(t, ParserConfig{Type: "kv", Delimiter: `\t`}, nil)
		runParserCases(t, p, []parserCase{
			{name: "tsv pairs", line: "a=x y\tb=2", want: `{"a":"x y","b":"2"}`},
		})
	})
}

func TestParseKV_Golden(t *testing.T) {
	runGolden(t, goldenCase{file: "kv_fortigate", cfg: ParserConfig{Type: "kv"}})
}

func FuzzKV(f *testing.F) {
	for _, s := range []string{
		"a=1 b=2", `m="x y" n=""`, `m="\"\\" z=1`, "a", "=", `a="`, `a="b"c`, "a=1  b=2\r",
		"k=\x00\x1b\xff", `a=b=c`,
	} {
		f.Add(s)
	}
	p := mustParser(f, ParserConfig{Type: "kv"}, nil)
	f.Fuzz(func(t *testing.T, line string) {
		got := map[string]string{}
		err := p.Parse([]byte(line), func(raw []byte, obj *fastjson.Value) error {
			o, err := obj.Object()
			if err != nil {
				t.Fatalf("record is not an object: %v", err)
			}
			if o.Len() == 0 {
				t.Fatal("record without keys")
			}
			o.Visit(func(k []byte, v *fastjson.Value) {
				if v.Type() != fastjson.TypeString {
					t.Fatalf("key %q has a %s", k, v.Type())
				}
				got[string(k)] = string(v.GetStringBytes())
			})
			return nil
		})
		if err != nil {
			return
		}
		// Re-encoding every pair with a quoted value must give the same record.
		keys := make([]string, 0, len(got))
		for k := range got {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		for _, k := range keys {
			v := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(got[k])
			b.WriteString(k + `="` + v + `" `)
		}
		recs, err := parseLine(p, b.String())
		if err != nil {
			t.Fatalf("re-encoded %q does not parse: %v", b.String(), err)
		}
		if len(recs[0]) != len(got) {
			t.Fatalf("re-encoded record has %d keys, first parse %d", len(recs[0]), len(got))
		}
		for k, v := range got {
			if recs[0][k] != v {
				t.Fatalf("re-encoded %q = %q, first parse %q", k, recs[0][k], v)
			}
		}
	})
}

func BenchmarkParseKV(b *testing.B) {
	p := mustParser(b, ParserConfig{Type: "kv"}, nil)
	line := []byte(`date=2024-05-01 time=10:00:00 devname="FGT60F" devid="FGT60FTK1234" logid="0000000013" type="traffic" subtype="forward" level="notice" srcip=192.0.2.10 srcport=51234 dstip=203.0.113.5 dstport=443 proto=6 action="accept" policyid=1 service="HTTPS" sentbyte=1520 rcvdbyte=4096 msg="allowed by policy \"default\""`)
	emit := func(raw []byte, obj *fastjson.Value) error { return nil }
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if err := p.Parse(line, emit); err != nil {
			b.Fatal(err)
		}
	}
}
