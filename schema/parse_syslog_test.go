package schema

import (
	"strconv"
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

func TestParseSyslog_RFC3164(t *testing.T) {
	p := mustParser(t, ParserConfig{Type: "syslog"}, nil)
	runParserCases(t, p, []parserCase{
		{name: "rfc example", line: "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
			want: `{"priority":"34","facility":"4","severity":"2","timestamp":"Oct 11 22:14:15","hostname":"mymachine","app_name":"su","message":"'su root' failed for lonvick on /dev/pts/8"}`},
		{name: "space padded day and pid", line: "<38>Jan  2 03:04:05 web-1 sshd[4242]: Accepted publickey for bob",
			want: `{"priority":"38","facility":"4","severity":"6","timestamp":"Jan  2 03:04:05","hostname":"web-1","app_name":"sshd","proc_id":"4242","message":"Accepted publickey for bob"}`},
		{name: "zero padded day, fraction, slash in tag", line: "<22>Feb 09 10:11:12.345 mx postfix/smtpd[77]: connect from x",
			want: `{"priority":"22","facility":"2","severity":"6","timestamp":"Feb 09 10:11:12.345","hostname":"mx","app_name":"postfix/smtpd","proc_id":"77","message":"connect from x"}`},
		{name: "rfc3339 timestamp", line: "<13>2024-01-02T03:04:05.123456+01:00 host app: hi",
			want: `{"priority":"13","facility":"1","severity":"5","timestamp":"2024-01-02T03:04:05.123456+01:00","hostname":"host","app_name":"app","message":"hi"}`},
		{name: "no hostname", line: "<13>Mar  3 01:02:03 cron[1]: job",
			want: `{"priority":"13","facility":"1","severity":"5","timestamp":"Mar  3 01:02:03","app_name":"cron","proc_id":"1","message":"job"}`},
		{name: "no tag", line: "<13>Mar  3 01:02:03 host just a message: with colon",
			want: `{"priority":"13","facility":"1","severity":"5","timestamp":"Mar  3 01:02:03","hostname":"host","message":"just a message: with colon"}`},
		{name: "empty message", line: "<0>Dec 31 23:59:60 h",
			want: `{"priority":"0","facility":"0","severity":"0","timestamp":"Dec 31 23:59:60","hostname":"h","message":""}`},
		{name: "max priority, leading zero", line: "<191>Jan  1 00:00:00 h a: m",
			want: `{"priority":"191","facility":"23","severity":"7","timestamp":"Jan  1 00:00:00","hostname":"h","app_name":"a","message":"m"}`},
		{name: "crlf", line: "<13>Jan  1 00:00:00 h a: m\r",
			want: `{"priority":"13","facility":"1","severity":"5","timestamp":"Jan  1 00:00:00","hostname":"h","app_name":"a","message":"m"}`},
		{name: "kernel message", line: "<4>Jan  1 00:00:00 h kernel: [ 12.345] usb 1-1: new device",
			want: `{"priority":"4","facility":"0","severity":"4","timestamp":"Jan  1 00:00:00","hostname":"h","app_name":"kernel","message":"[ 12.345] usb 1-1: new device"}`},
		{name: "no pri", line: "Jan  2 03:04:05 web-1 sshd[1]: x", wantErr: "syslog: no <PRI> header"},
		{name: "pri too big", line: "<192>Jan  1 00:00:00 h a: m", wantErr: "bad <PRI> header"},
		{name: "pri not closed", line: "<13 Jan  1 00:00:00 h a: m", wantErr: "bad <PRI> header"},
		{name: "empty pri", line: "<>Jan  1 00:00:00 h a: m", wantErr: "bad <PRI> header"},
		{name: "bad month", line: "<13>Foo  1 00:00:00 h a: m", wantErr: "RFC 3164: no timestamp"},
		{name: "bad hour", line: "<13>Jan  1 24:00:00 h a: m", wantErr: "RFC 3164: no timestamp"},
		{name: "day zero", line: "<13>Jan  0 10:00:00 h a: m", wantErr: "RFC 3164: no timestamp"},
		{name: "glued message", line: "<13>Jan  1 10:00:00x h", wantErr: "RFC 3164: no timestamp"},
		{name: "free text", line: "the quick brown fox", wantErr: "no <PRI> header"},
	})
}

func TestParseSyslog_RFC3164WithoutPRI(t *testing.T) {
	p := mustParser(t, ParserConfig{Type: "syslog", Format: "rfc3164"}, nil)
	runParserCases(t, p, []parserCase{
		{name: "auth.log line", line: "Jan  2 03:04:05 web-1 sudo:    bob : TTY=pts/0 ; COMMAND=/bin/ls",
			want: `{"timestamp":"Jan  2 03:04:05","hostname":"web-1","app_name":"sudo","message":"   bob : TTY=pts/0 ; COMMAND=/bin/ls"}`},
		{name: "with pri", line: "<86>Jan  2 03:04:05 web-1 sudo: x",
			want: `{"priority":"86","facility":"10","severity":"6","timestamp":"Jan  2 03:04:05","hostname":"web-1","app_name":"sudo","message":"x"}`},
		{name: "5424 refused", line: "<13>1 2024-01-02T03:04:05Z h a - - - m", wantErr: "RFC 5424 message, want RFC 3164"},
		{name: "free text", line: "the quick brown fox", wantErr: "RFC 3164: no timestamp"},
	})
}

func TestParseSyslog_RFC5424(t *testing.T) {
	p := mustParser(t, ParserConfig{Type: "syslog"}, nil)
	runParserCases(t, p, []parserCase{
		{name: "rfc example 1", line: "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \xef\xbb\xbf'su root' failed for lonvick on /dev/pts/8",
			want: `{"priority":"34","facility":"4","severity":"2","timestamp":"2003-10-11T22:14:15.003Z","hostname":"mymachine.example.com","app_name":"su","msg_id":"ID47","message":"'su root' failed for lonvick on /dev/pts/8"}`},
		{name: "rfc example 3 with sd", line: `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event log entry...`,
			want: `{"priority":"165","facility":"20","severity":"5","timestamp":"2003-10-11T22:14:15.003Z","hostname":"mymachine.example.com","app_name":"evntslog","msg_id":"ID47","structured_data":{"exampleSDID@32473":{"iut":"3","eventSource":"Application","eventID":"1011"}},"message":"An application event log entry..."}`},
		{name: "rfc example 4 sd only", line: `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3"][examplePriority@32473 class="high"]`,
			want: `{"priority":"165","facility":"20","severity":"5","timestamp":"2003-10-11T22:14:15.003Z","hostname":"mymachine.example.com","app_name":"evntslog","msg_id":"ID47","structured_data":{"exampleSDID@32473":{"iut":"3"},"examplePriority@32473":{"class":"high"}}}`},
		{name: "all nil", line: "<13>1 - - - - - -",
			want: `{"priority":"13","facility":"1","severity":"5"}`},
		{name: "all nil, empty message", line: "<13>1 - - - - - - ",
			want: `{"priority":"13","facility":"1","severity":"5","message":""}`},
		{name: "offset time and procid", line: "<13>1 2024-01-02T03:04:05-07:00 h app 123 - - msg with  spaces ",
			want: `{"priority":"13","facility":"1","severity":"5","timestamp":"2024-01-02T03:04:05-07:00","hostname":"h","app_name":"app","proc_id":"123","message":"msg with  spaces "}`},
		{name: "sd escapes", line: `<13>1 - h a - - [x@1 q="say \"hi\"" b="C:\\dir" r="a\]b" o="\n stays" e=""] m`,
			want: `{"priority":"13","facility":"1","severity":"5","hostname":"h","app_name":"a","structured_data":{"x@1":{"q":"say \"hi\"","b":"C:\\dir","r":"a]b","o":"\\n stays","e":""}},"message":"m"}`},
		{name: "sd raw bracket inside value", line: `<13>1 - h a - - [x@1 v="a]b"] m`,
			want: `{"priority":"13","facility":"1","severity":"5","hostname":"h","app_name":"a","structured_data":{"x@1":{"v":"a]b"}},"message":"m"}`},
		{name: "sd repeated id merges, repeated param keeps last", line: `<13>1 - h a - - [x p="1"][x q="2" p="3"]`,
			want: `{"priority":"13","facility":"1","severity":"5","hostname":"h","app_name":"a","structured_data":{"x":{"p":"3","q":"2"}}}`},
		{name: "sd element without params", line: `<13>1 - h a - - [timeQuality] m`,
			want: `{"priority":"13","facility":"1","severity":"5","hostname":"h","app_name":"a","structured_data":{"timeQuality":{}},"message":"m"}`},
		{name: "bad timestamp", line: "<13>1 2024-13-02T03:04:05Z h a - - - m", wantErr: "timestamp \"2024-13-02T03:04:05Z\" is not RFC 3339"},
		{name: "timestamp without zone", line: "<13>1 2024-01-02T03:04:05 h a - - - m", wantErr: "is not RFC 3339"},
		{name: "short header", line: "<13>1 2024-01-02T03:04:05Z h a", wantErr: "line ends in the header, at app_name"},
		{name: "double space", line: "<13>1 2024-01-02T03:04:05Z  h a - - - m", wantErr: "empty hostname"},
		{name: "sd not bracketed", line: "<13>1 - h a - - x m", wantErr: "structured data must be - or [...]"},
		{name: "sd unclosed", line: `<13>1 - h a - - [x a="1"`, wantErr: "has no closing ]"},
		{name: "sd value unclosed", line: `<13>1 - h a - - [x a="1] m`, wantErr: "value of a has no closing quote"},
		{name: "sd missing quotes", line: `<13>1 - h a - - [x a=1] m`, wantErr: `want name="value"`},
		{name: "sd no id", line: `<13>1 - h a - - [ a="1"] m`, wantErr: "has no id"},
		{name: "glued message after sd", line: `<13>1 - h a - - [x a="1"]m`, wantErr: "after the structured data"},
		{name: "glued message after nil sd", line: `<13>1 - h a - - -m`, wantErr: "after the structured data"},
		{name: "control byte in header", line: "<13>1 - h\x01 a - - - m", wantErr: "hostname"},
	})
}

func TestParseSyslog_Formats(t *testing.T) {
	p5424 := mustParser(t, ParserConfig{Type: "syslog", Format: "rfc5424"}, nil)
	runParserCases(t, p5424, []parserCase{
		{name: "3164 refused", line: "<13>Jan  1 00:00:00 h a: m", wantErr: "not RFC 5424"},
		{name: "no pri refused", line: "Jan  1 00:00:00 h a: m", wantErr: "no <PRI> header"},
		{name: "version 0 is not 5424", line: "<13>0 - - - - - -", wantErr: "not RFC 5424"},
	})
}

// Values with control bytes and invalid UTF-8 come back exactly.
func TestParseSyslog_ExactMessage(t *testing.T) {
	p := mustParser(t, ParserConfig{Type: "syslog"}, nil)
	msg := "color \x1b[31mred\x1b[0m \"q\" \\ bad \xff\xfe tab\t"
	recs, err := parseLine(p, "<13>Jan  1 00:00:00 h a: "+msg)
	if err != nil {
		t.Fatal(err)
	}
	if got := recs[0]["message"]; got != msg {
		t.Errorf("message = %q, want %q", got, msg)
	}
}

func TestParseSyslog_LongLine(t *testing.T) {
	p := mustParser(t, ParserConfig{Type: "syslog"}, nil)
	msg := strings.Repeat("y", 10<<20)
	recs, err := parseLine(p, "<13>1 - h a - - - "+msg)
	if err != nil {
		t.Fatal(err)
	}
	if got := recs[0]["message"].(string); len(got) != len(msg) {
		t.Errorf("10 MB message came back with %d bytes", len(got))
	}
}

func TestParseSyslog_Golden(t *testing.T) {
	runGolden(t, goldenCase{file: "syslog_mixed", cfg: ParserConfig{Type: "syslog"}})
	runGolden(t, goldenCase{file: "syslog_varlog", cfg: ParserConfig{Type: "syslog", Format: "rfc3164"}})
}

func FuzzSyslog(f *testing.F) {
	for _, s := range []string{
		"<34>Oct 11 22:14:15 mymachine su: 'su root' failed",
		"<13>Jan  2 03:04:05 h sshd[1]: m",
		"<13>2024-01-02T03:04:05.1Z h a: m",
		"<165>1 2003-10-11T22:14:15.003Z host app 12 ID [a@1 x=\"1\" y=\"\\\"\\]\"][b z=\"\"] \xef\xbb\xbfmsg",
		"<13>1 - - - - - -",
		"<13>1 - h a - - [x a=\"1\"",
		"Jan  2 03:04:05 host app: no pri",
		"<0>", "<", "<13>1 ", "<13>Jan  1 00:00:00",
	} {
		f.Add(s, uint8(0))
	}
	formats := []string{"", "rfc3164", "rfc5424"}
	parsers := make([]Parser, len(formats))
	for i, fm := range formats {
		parsers[i] = mustParser(f, ParserConfig{Type: "syslog", Format: fm}, nil)
	}
	f.Fuzz(func(t *testing.T, line string, format uint8) {
		p := parsers[int(format)%len(parsers)]
		_ = p.Parse([]byte(line), func(raw []byte, obj *fastjson.Value) error {
			o, err := obj.Object()
			if err != nil {
				t.Fatalf("record is not an object: %v", err)
			}
			var pri, fac, sev = -1, -1, -1
			o.Visit(func(k []byte, v *fastjson.Value) {
				key := string(k)
				if key == "structured_data" {
					sd, err := v.Object()
					if err != nil {
						t.Fatalf("structured_data is a %s", v.Type())
					}
					sd.Visit(func(id []byte, e *fastjson.Value) {
						eo, err := e.Object()
						if err != nil {
							t.Fatalf("structured_data[%q] is a %s", id, e.Type())
						}
						eo.Visit(func(_ []byte, pv *fastjson.Value) {
							if pv.Type() != fastjson.TypeString {
								t.Fatalf("structured_data param is a %s", pv.Type())
							}
						})
					})
					return
				}
				if v.Type() != fastjson.TypeString {
					t.Fatalf("%s is a %s", key, v.Type())
				}
				s := string(v.GetStringBytes())
				switch key {
				case "priority", "facility", "severity":
					n, err := strconv.Atoi(s)
					if err != nil {
						t.Fatalf("%s = %q", key, s)
					}
					switch key {
					case "priority":
						pri = n
					case "facility":
						fac = n
					case "severity":
						sev = n
					}
				case "timestamp", "hostname", "app_name", "proc_id", "msg_id", "message":
					if key != "message" && s == "" {
						t.Fatalf("empty %s", key)
					}
				default:
					t.Fatalf("unexpected key %q", key)
				}
			})
			if pri >= 0 && (pri > 191 || fac*8+sev != pri || sev > 7) {
				t.Fatalf("priority %d, facility %d, severity %d", pri, fac, sev)
			}
			return nil
		})
	})
}

func benchSyslog(b *testing.B, format, line string) {
	p := mustParser(b, ParserConfig{Type: "syslog", Format: format}, nil)
	emit := func(raw []byte, obj *fastjson.Value) error { return nil }
	unit := []byte(line)
	b.ReportAllocs()
	b.SetBytes(int64(len(unit)))
	for b.Loop() {
		if err := p.Parse(unit, emit); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseSyslog(b *testing.B) {
	b.Run("rfc3164", func(b *testing.B) {
		benchSyslog(b, "", "<38>Jan  2 03:04:05 web-1 sshd[4242]: Accepted publickey for bob from 198.51.100.7 port 52311 ssh2: ED25519 SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
	})
	b.Run("rfc5424", func(b *testing.B) {
		benchSyslog(b, "", `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 4242 ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][origin ip="192.0.2.1"] An application event log entry with a "quoted" word`)
	})
}
