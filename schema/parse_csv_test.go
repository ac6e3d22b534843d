package schema

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

func TestParseCSV_DeclaredColumns(t *testing.T) {
	p := mustParser(t, ParserConfig{Type: "csv"}, fieldsNamed("time", "user", "action"))
	runParserCases(t, p, []parserCase{
		{name: "plain", line: "2024-01-02T03:04:05Z,alice,login",
			want: `{"time":"2024-01-02T03:04:05Z","user":"alice","action":"login"}`},
		{name: "crlf", line: "t,alice,login\r",
			want: `{"time":"t","user":"alice","action":"login"}`},
		{name: "quoted delimiter", line: `t,"smith, bob",login`,
			want: `{"time":"t","user":"smith, bob","action":"login"}`},
		{name: "doubled quotes", line: `t,"say ""hi""",""""`,
			want: `{"time":"t","user":"say \"hi\"","action":"\""}`},
		{name: "empty values kept", line: `,,""`,
			want: `{"time":"","user":"","action":""}`},
		{name: "dash is a value", line: `-,-,-`,
			want: `{"time":"-","user":"-","action":"-"}`},
		{name: "quote inside unquoted value is literal", line: `t,o"brien,x`,
			want: `{"time":"t","user":"o\"brien","action":"x"}`},
		{name: "no trimming", line: ` t , a ,x`,
			want: `{"time":" t ","user":" a ","action":"x"}`},
		{name: "space before quote makes it literal", line: `t, "a",x`,
			want: `{"time":"t","user":" \"a\"","action":"x"}`},
		{name: "bom stripped", line: "\xef\xbb\xbft,a,x",
			want: `{"time":"t","user":"a","action":"x"}`},
		{name: "quoted line break escapes", line: `t,"a\nb",x`,
			want: `{"time":"t","user":"a\\nb","action":"x"}`},
		{name: "too few", line: "t,alice", wantErr: "csv: 2 columns, want 3"},
		{name: "too many", line: "t,alice,login,extra", wantErr: "csv: 4 columns, want 3"},
		{name: "trailing delimiter counts", line: "t,alice,login,", wantErr: "csv: 4 columns, want 3"},
		{name: "unclosed quote", line: `t,"alice,login`, wantErr: "column 2: quoted value has no closing quote"},
		{name: "text after quote", line: `t,"alice"x,login`, wantErr: `column 2: 'x' after the closing quote`},
		{name: "free text", line: "the quick brown fox", wantErr: "csv: 1 columns, want 3"},
	})
}

func TestParseCSV_Options(t *testing.T) {
	t.Run("tab delimiter written as \\t", func(t *testing.T) {
		p := mustParser(t, ParserConfig{Type: "csv", Delimiter: `\t`}, fieldsNamed("a", "b"))
		runParserCases(t, p, []parserCase{
			{name: "tsv", line: "x y\tz,w", want: `{"a":"x y","b":"z,w"}`},
		})
	})
	t.Run("pipe and single quote", func(t *testing.T) {
		p := mustParser(t, ParserConfig{Type: "csv", Delimiter: "|", Quote: "'"}, fieldsNamed("a", "b"))
		runParserCases(t, p, []parserCase{
			{name: "quoted", line: `'x|y'|'it''s "ok"'`, want: `{"a":"x|y","b":"it's \"ok\""}`},
		})
	})
	t.Run("explicit columns override fields", func(t *testing.T) {
		p := mustParser(t, ParserConfig{Type: "csv", Columns: []string{"b", "", "a"}}, fieldsNamed("a", "b"))
		runParserCases(t, p, []parserCase{
			{name: "reordered, empty name skipped", line: "1,2,3", want: `{"b":"1","a":"3"}`},
			{name: "count by columns", line: "1,2", wantErr: "csv: 2 columns, want 3"},
		})
	})
	t.Run("min_columns and rest: a known prefix, the rest kept", func(t *testing.T) {
		p := mustParser(t, ParserConfig{Type: "csv", Columns: []string{"a", "", "b", "c"}, MinColumns: 2, Rest: "more"}, fieldsNamed("a", "b", "c", "more"))
		runParserCases(t, p, []parserCase{
			{name: "all known", line: "1,2,3,4", want: `{"a":"1","b":"3","c":"4"}`},
			{name: "prefix only", line: "1,2", want: `{"a":"1"}`},
			{name: "prefix and one more", line: "1,2,3", want: `{"a":"1","b":"3"}`},
			{name: "rest joined as written", line: `1,2,3,4,5,"x,y",`, want: `{"a":"1","b":"3","c":"4","more":"5,x,y,"}`},
			{name: "shorter than the prefix", line: "1", wantErr: "csv: 1 columns, want at least 2"},
		})
	})
	t.Run("min_columns without rest refuses extra cells", func(t *testing.T) {
		p := mustParser(t, ParserConfig{Type: "csv", MinColumns: 1}, fieldsNamed("a", "b"))
		runParserCases(t, p, []parserCase{
			{name: "prefix", line: "1", want: `{"a":"1"}`},
			{name: "too many", line: "1,2,3", wantErr: "csv: 3 columns, want at most 2"},
		})
	})
}

func TestParseCSV_Header(t *testing.T) {
	fields := fieldsNamed("time!", "user", "action", "bytes")
	p := mustParser(t, ParserConfig{Type: "csv", Header: true}, fields)
	// The cases run in order on one parser: they test its header state.
	runParserCases(t, p, []parserCase{
		{name: "data before header", line: "t1,alice,login,1",
			wantErr: "want a header line naming the columns first"},
		{name: "header without required field", line: "user,action,bytes",
			wantErr: `lacks required field "time"`},
		{name: "header taken", line: "User,time,extra,action", want: ""},
		{name: "data named by header", line: "alice,t1,x,login",
			want: `{"User":"alice","time":"t1","extra":"x","action":"login"}`},
		{name: "same header again is consumed", line: "User,time,extra,action\r", want: ""},
		{name: "column count by header", line: "alice,t1,login", wantErr: "csv: 3 columns, want 4"},
		{name: "new header of declared fields", line: "time,bytes", want: ""},
		{name: "data named by new header", line: "t2,42", want: `{"time":"t2","bytes":"42"}`},
		{name: "data whose first value names a field stays data", line: "user,7",
			want: `{"time":"user","bytes":"7"}`},
	})

	rp, ok := p.(PayloadResetter)
	if !ok {
		t.Fatal("csv parser does not implement PayloadResetter")
	}
	rp.ResetPayload()
	runParserCases(t, p, []parserCase{
		{name: "after reset a header is needed again", line: "t2,42",
			wantErr: "want a header line naming the columns first"},
	})
}

func TestParseCSV_HeaderWithoutFields(t *testing.T) {
	p := mustParser(t, ParserConfig{Type: "csv", Header: true}, nil)
	runParserCases(t, p, []parserCase{
		{name: "any first line is the header", line: "a,b", want: ""},
		{name: "data", line: "1,2", want: `{"a":"1","b":"2"}`},
	})
}

// Wide records with repeated and empty column names and values that need
// escapes read back exactly.
func TestParseCSV_Wide(t *testing.T) {
	names := wideNames(30)
	names[3] = "dup"
	names[20] = "dup" // the later column wins
	names[7] = ""     // skipped
	vals := make([]string, len(names))
	for i := range vals {
		vals[i] = "v" + strconv.Itoa(i)
	}
	vals[5] = "esc \x1b[0m \"q\" \\ \xff \x00"
	var line []string
	for _, v := range vals {
		line = append(line, csvQuote(v))
	}
	p := mustParser(t, ParserConfig{Type: "csv", Columns: names}, nil)
	recs, err := parseLine(p, strings.Join(line, ","))
	if err != nil {
		t.Fatal(err)
	}
	got := recs[0]
	if len(got) != len(names)-2 {
		t.Errorf("%d keys, want %d", len(got), len(names)-2)
	}
	for i, n := range names {
		switch {
		case n == "" || i == 3:
			continue
		case got[n] != vals[i]:
			t.Errorf("%s = %q, want %q", n, got[n], vals[i])
		}
	}
	if _, err := parseLine(p, "a,b"); err == nil || !strings.Contains(err.Error(), "csv: 2 columns, want 30") {
		t.Errorf("short wide line: error %v", err)
	}
}

func wideNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = "col" + strconv.Itoa(i)
	}
	return names
}

func TestParseCSV_LongLine(t *testing.T) {
	p := mustParser(t, ParserConfig{Type: "csv"}, fieldsNamed("a", "b"))
	big := strings.Repeat("x", 10<<20)
	recs, err := parseLine(p, `"`+big+`",y`)
	if err != nil {
		t.Fatal(err)
	}
	if got := recs[0]["a"].(string); len(got) != len(big) {
		t.Errorf("10 MB value came back with %d bytes", len(got))
	}
}

func TestParseCSV_Golden(t *testing.T) {
	runGolden(t, goldenCase{file: "csv_cloudfront", cfg: ParserConfig{Type: "csv", Delimiter: `\t`},
		fields: fieldsNamed("date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method",
			"cs(Host)", "cs-uri-stem", "sc-status", "cs(Referer)", "cs(User-Agent)", "cs-uri-query")})
	runGolden(t, goldenCase{file: "csv_header", cfg: ParserConfig{Type: "csv", Header: true},
		fields: fieldsNamed("timestamp!", "user!", "action", "src_ip")})
}

// csvQuote writes v as a quoted csv value.
func csvQuote(v string) string {
	return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
}

func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"a,b,c", `"a,b",c,d`, `"a""b",,`, `"unclosed,b,c`, `a,"b"x,c`, "a,b", ",,", `""""",",""`,
		"a\r", "\xff,\x00,\"", `",",",",","`,
	} {
		f.Add(s)
	}
	p := mustParser(f, ParserConfig{Type: "csv"}, fieldsNamed("a", "b", "c"))
	wideCols := wideNames(3 * 10)
	wide := mustParser(f, ParserConfig{Type: "csv", Columns: wideCols}, nil)
	f.Fuzz(func(t *testing.T, line string) {
		var vals []string
		err := p.Parse([]byte(line), func(raw []byte, obj *fastjson.Value) error {
			o, err := obj.Object()
			if err != nil {
				t.Fatalf("record is not an object: %v", err)
			}
			if o.Len() != 3 {
				t.Fatalf("record has %d keys, want 3", o.Len())
			}
			if !bytes.Equal(raw, trimLine([]byte(line))) && !bytes.Equal(raw, bytes.TrimPrefix(trimLine([]byte(line)), utf8BOM)) {
				t.Fatalf("raw %q is not the line %q", raw, line)
			}
			for _, k := range []string{"a", "b", "c"} {
				v := obj.Get(k)
				if v == nil || v.Type() != fastjson.TypeString {
					t.Fatalf("key %s missing or not a string", k)
				}
				vals = append(vals, string(v.GetStringBytes()))
			}
			return nil
		})
		if err != nil {
			return
		}
		// Re-encoding the values, all quoted, must parse to the same values.
		again := csvQuote(vals[0]) + "," + csvQuote(vals[1]) + "," + csvQuote(vals[2])
		if strings.ContainsAny(again, "\r\n") {
			return // a quoted value cannot span lines
		}
		recs, err := parseLine(p, again)
		if err != nil {
			t.Fatalf("re-encoded %q does not parse: %v", again, err)
		}
		for i, k := range []string{"a", "b", "c"} {
			if recs[0][k] != vals[i] {
				t.Fatalf("re-encoded %s = %q, first parse %q", k, recs[0][k], vals[i])
			}
		}
		// The same values in a 30-column record read the same.
		wideLine := strings.TrimSuffix(strings.Repeat(again+",", 10), ",")
		recs, err = parseLine(wide, wideLine)
		if err != nil {
			t.Fatalf("wide line: %v", err)
		}
		for i, c := range wideCols {
			if recs[0][c] != vals[i%3] {
				t.Fatalf("wide %s = %q, want %q", c, recs[0][c], vals[i%3])
			}
		}
	})
}

func BenchmarkParseCSV(b *testing.B) {
	fields := fieldsNamed("version", "account_id", "interface_id", "srcaddr", "dstaddr", "srcport",
		"dstport", "protocol", "packets", "bytes", "start", "end", "action", "log_status")
	p := mustParser(b, ParserConfig{Type: "csv", Delimiter: " "}, fields)
	line := []byte("2 123456789012 eni-0a1b2c3d4e5f6a7b8 10.0.1.23 203.0.113.12 44321 443 6 10 8400 1700000000 1700000060 ACCEPT OK")
	emit := func(raw []byte, obj *fastjson.Value) error { return nil }
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if err := p.Parse(line, emit); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseCSV_Wide(b *testing.B) {
	for _, n := range []int{33, 100} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			names := wideNames(n)
			vals := make([]string, n)
			for i := range vals {
				vals[i] = "value" + strconv.Itoa(i)
			}
			p := mustParser(b, ParserConfig{Type: "csv", Columns: names}, nil)
			line := []byte(strings.Join(vals, ","))
			emit := func(raw []byte, obj *fastjson.Value) error { return nil }
			b.ReportAllocs()
			b.SetBytes(int64(len(line)))
			for b.Loop() {
				if err := p.Parse(line, emit); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseCSV_Quoted(b *testing.B) {
	p := mustParser(b, ParserConfig{Type: "csv"}, fieldsNamed("time", "user", "message", "status"))
	line := []byte(`2024-01-02T03:04:05Z,"smith, bob","he said ""no"" twice",200`)
	emit := func(raw []byte, obj *fastjson.Value) error { return nil }
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if err := p.Parse(line, emit); err != nil {
			b.Fatal(err)
		}
	}
}
