package schema

import (
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

// combinedLog is the Apache/nginx combined log format.
const combinedLog = `(?P<remote_host>\S+) (?P<ident>\S+) (?P<remote_user>\S+) \[(?P<time>[^\]]+)\] "(?P<method>[A-Z]+) (?P<path>\S+) (?P<protocol>[^"]+)" (?P<status>\d{3}) (?P<bytes>\d+|-)(?: "(?P<referer>(?:[^"\\]|\\.)*)" "(?P<user_agent>(?:[^"\\]|\\.)*)")?`

func TestParseRegex_Combined(t *testing.T) {
	p := mustParser(t, ParserConfig{Type: "regex", Pattern: combinedLog}, nil)
	runParserCases(t, p, []parserCase{
		{name: "combined", line: `192.0.2.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"`,
			want: `{"remote_host":"192.0.2.1","ident":"-","remote_user":"frank","time":"10/Oct/2000:13:55:36 -0700","method":"GET","path":"/apache_pb.gif","protocol":"HTTP/1.0","status":"200","bytes":"2326","referer":"http://www.example.com/start.html","user_agent":"Mozilla/4.08 [en] (Win98; I ;Nav)"}`},
		{name: "common: optional groups left out, dash kept", line: `192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "POST /login HTTP/1.1" 302 -`,
			want: `{"remote_host":"192.0.2.1","ident":"-","remote_user":"-","time":"10/Oct/2000:13:55:36 -0700","method":"POST","path":"/login","protocol":"HTTP/1.1","status":"302","bytes":"-"}`},
		{name: "empty group kept", line: `::1 - - [t] "GET / HTTP/1.1" 200 0 "" "curl"`,
			want: `{"remote_host":"::1","ident":"-","remote_user":"-","time":"t","method":"GET","path":"/","protocol":"HTTP/1.1","status":"200","bytes":"0","referer":"","user_agent":"curl"}`},
		{name: "escaped quote in user agent", line: `::1 - - [t] "GET / HTTP/1.1" 200 0 "-" "a \"b\" c"`,
			want: `{"remote_host":"::1","ident":"-","remote_user":"-","time":"t","method":"GET","path":"/","protocol":"HTTP/1.1","status":"200","bytes":"0","referer":"-","user_agent":"a \\\"b\\\" c"}`},
		{name: "crlf", line: "::1 - - [t] \"GET / HTTP/1.1\" 200 0\r",
			want: `{"remote_host":"::1","ident":"-","remote_user":"-","time":"t","method":"GET","path":"/","protocol":"HTTP/1.1","status":"200","bytes":"0"}`},
		{name: "trailing text is not dropped", line: `::1 - - [t] "GET / HTTP/1.1" 200 0 trailing`,
			wantErr: "does not match the pattern"},
		{name: "free text", line: "the quick brown fox", wantErr: `regex: line "the quick brown fox" does not match`},
	})
}

func TestParseRegex_Anchoring(t *testing.T) {
	cases := []struct {
		pattern, line string
		want          string
		wantErr       bool
	}{
		{pattern: `(?P<a>\d+)`, line: "123", want: `{"a":"123"}`},
		{pattern: `(?P<a>\d+)`, line: "x123", wantErr: true},
		{pattern: `(?P<a>\d+)`, line: "123x", wantErr: true},
		{pattern: `^(?P<a>\d+)$`, line: "123", want: `{"a":"123"}`},
		{pattern: `(?P<a>a)|(?P<b>ab)`, line: "ab", want: `{"b":"ab"}`},                               // alternation inside the anchors
		{pattern: `(?i)(?P<a>x+)`, line: "XxX", want: `{"a":"XxX"}`},                                  // flags still apply
		{pattern: `(?P<a>x)|(?P<a>y)`, line: "y", want: `{"a":"y"}`},                                  // shared name
		{pattern: `(?P<a>\w+)(?P<rest>.*)`, line: "ab\x1b[0m", want: `{"a":"ab","rest":"\u001b[0m"}`}, // exact bytes
	}
	for _, c := range cases {
		p := mustParser(t, ParserConfig{Type: "regex", Pattern: c.pattern}, nil)
		recs, err := parseLine(p, c.line)
		if c.wantErr {
			if err == nil {
				t.Errorf("%s on %q: matched %s, want an error", c.pattern, c.line, asJSON(recs))
			}
			continue
		}
		if err != nil {
			t.Errorf("%s on %q: %v", c.pattern, c.line, err)
			continue
		}
		if got := asJSON(recs[0]); got != asJSON(wantRecord(t, c.want)) {
			t.Errorf("%s on %q = %s, want %s", c.pattern, c.line, got, c.want)
		}
	}
}

func TestParseRegex_Golden(t *testing.T) {
	// S3 server access log.
	const s3Access = `(?P<bucket_owner>\S+) (?P<bucket>\S+) \[(?P<time>[^\]]+)\] (?P<remote_ip>\S+) (?P<requester>\S+) (?P<request_id>\S+) (?P<operation>\S+) (?P<key>\S+) (?:"(?P<request_uri>[^"]*)"|-) (?P<http_status>\S+) (?P<error_code>\S+) (?P<bytes_sent>\S+) (?P<object_size>\S+) (?P<total_time>\S+) (?P<turn_around_time>\S+) (?:"(?P<referer>[^"]*)"|-) (?:"(?P<user_agent>[^"]*)"|-) (?P<version_id>\S+)(?: (?P<rest>.*))?`
	runGolden(t, goldenCase{file: "regex_s3_access", cfg: ParserConfig{Type: "regex", Pattern: s3Access}})
}

func FuzzRegex(f *testing.F) {
	f.Add(combinedLog, `192.0.2.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.0" 200 2326 "-" "ua"`)
	f.Add(`(?P<a>\w+)=(?P<b>.*)`, "k=v")
	f.Add(`(?P<a>x)|(?P<b>y)?`, "")
	f.Add(`(?P<a>[^\n]*)`, "line\r")
	f.Add(`(`, "x")
	f.Fuzz(func(t *testing.T, pattern, line string) {
		p, err := NewParser(ParserConfig{Type: "regex", Pattern: pattern}, nil)
		if err != nil {
			return
		}
		_ = p.Parse([]byte(line), func(raw []byte, obj *fastjson.Value) error {
			o, err := obj.Object()
			if err != nil {
				t.Fatalf("record is not an object: %v", err)
			}
			o.Visit(func(k []byte, v *fastjson.Value) {
				if v.Type() != fastjson.TypeString {
					t.Fatalf("%s is a %s", k, v.Type())
				}
				// Every value is a piece of the line.
				if !strings.Contains(line, string(v.GetStringBytes())) {
					t.Fatalf("%s = %q is not in the line %q", k, v.GetStringBytes(), line)
				}
			})
			return nil
		})
	})
}

func BenchmarkParseRegex(b *testing.B) {
	p := mustParser(b, ParserConfig{Type: "regex", Pattern: combinedLog}, nil)
	line := []byte(`192.0.2.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?user=1&next=%2Fhome HTTP/1.1" 200 2326 "http://www.example.com/start.html" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"`)
	emit := func(raw []byte, obj *fastjson.Value) error { return nil }
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if err := p.Parse(line, emit); err != nil {
			b.Fatal(err)
		}
	}
}
