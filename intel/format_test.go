package intel

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func load(t *testing.T, file string, listType Type) *Set {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	f, err := DetectFormat(file, data)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(Source{Name: file, Origin: file, Format: f, ListType: listType, Now: t0}, data)
	if err != nil {
		t.Fatalf("Parse(%s): %v", file, err)
	}
	return s
}

// entries lists a set as "type value source expires" lines, sorted.
func entries(s *Set) []string {
	var out []string
	s.Each(func(e Entry) bool {
		exp := ""
		if !e.Expires.IsZero() {
			exp = e.Expires.Format("2006-01-02")
		}
		out = append(out, strings.TrimSpace(e.Type.String()+" "+e.Value+" "+e.Source+" "+exp))
		return true
	})
	sort.Strings(out)
	return out
}

func TestParse_Files(t *testing.T) {
	for _, c := range []struct {
		file     string
		listType Type
		format   Format
		want     []string
		skipped  map[string]int
	}{
		{"sample.csv", 0, FormatCSV, []string{
			"domain bad.test phishtank 2020-01-01",
			"domain evil.example phishtank",
			"email phisher@evil.example phishtank",
			"ip 198.51.100.7 abuse-ch",
			"ip 2001:db8::/32 spamhaus",
			"ip 203.0.113.0/24 spamhaus 2030-01-01",
			"md5 d41d8cd98f00b204e9800998ecf8427e virustotal",
			"sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709 virustotal",
			"sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 virustotal",
			"url http://malware.example/Payload.exe urlhaus",
		}, nil},
		{"sample.txt", IP, FormatList, []string{
			"ip 192.0.2.0/28 sample.txt", "ip 192.0.2.1 sample.txt", "ip 198.51.100.9 sample.txt", "ip 2001:db8:dead::1 sample.txt",
		}, nil},
		{"bundle.json", 0, FormatSTIX, []string{
			"domain evil.example bundle.json 2030-01-01",
			"ip 198.51.100.7 Example CERT",
			"ip 203.0.113.0/24 Example CERT",
			"sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 bundle.json 2030-01-01",
		}, map[string]int{"pattern with AND inside an observation": 1, "pattern with operator MATCHES": 1, "pattern_type snort": 1}},
		{"event.json", 0, FormatMISP, []string{
			"domain c2.bad.test CIRCL", "domain evil.example CIRCL", "email ceo@bad.test CIRCL",
			"ip 198.51.100.7 CIRCL", "ip 2001:db8::1 CIRCL",
			"md5 d41d8cd98f00b204e9800998ecf8427e CIRCL", "sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709 CIRCL",
			"url https://bad.test/login CIRCL",
		}, map[string]int{"MISP attribute type filename": 1, "MISP attribute with to_ids false": 1, "deleted MISP attribute": 1}},
	} {
		t.Run(c.file, func(t *testing.T) {
			s := load(t, c.file, c.listType)
			if s.Format != c.format {
				t.Errorf("format %v, want %v", s.Format, c.format)
			}
			got := entries(s)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			if len(s.Skipped) != len(c.skipped) {
				t.Errorf("skipped %v, want %v", s.Skipped, c.skipped)
			}
			for k, v := range c.skipped {
				if s.Skipped[k] != v {
					t.Errorf("skipped %v, want %v", s.Skipped, c.skipped)
				}
			}
		})
	}
}

func TestParse_Errors(t *testing.T) {
	for _, c := range []struct {
		name   string
		format Format
		list   Type
		data   string
		want   string
	}{
		{"no header", FormatCSV, 0, "", "f.csv: empty file"},
		{"header without value", FormatCSV, 0, "type,source\n", "f.csv:1: header: no \"value\" column"},
		{"unknown column", FormatCSV, 0, "type,value,confidence\n", "f.csv:1: header: unknown column \"confidence\""},
		{"bad type", FormatCSV, 0, "type,value\nip,1.2.3.4\nasn,AS1\n", "f.csv:3: unknown IOC type \"asn\""},
		{"bad ip", FormatCSV, 0, "type,value\n\nip,1.2.3.400\n", "f.csv:3: ip: \"1.2.3.400\" is not an IP address"},
		{"bad expiry", FormatCSV, 0, "type,value,expires\nip,1.2.3.4,tomorrow\n", "f.csv:2: expires: \"tomorrow\""},
		{"field count", FormatCSV, 0, "type,value\nip,1.2.3.4,x\n", "f.csv:2:"},
		{"list without type", FormatList, 0, "1.2.3.4\nnot a value\n", "f.csv:2: \"not a value\" is no IP"},
		{"bad list line", FormatList, IP, "# c\n1.2.3.4\nevil.example\n", "f.csv:3: ip: \"evil.example\" is not an IP address"},
		{"not a bundle", FormatSTIX, 0, `{"type": "indicator"}`, "f.csv:1: STIX bundle: type is \"indicator\""},
		{"bad pattern", FormatSTIX, 0, "{\"type\": \"bundle\", \"objects\": [\n{\"type\": \"indicator\", \"id\": \"indicator--1\", \"pattern\": \"[ipv4-addr:value = \"}]}",
			"f.csv:2: indicator indicator--1: pattern"},
		{"bad value in pattern", FormatSTIX, 0, "{\"type\": \"bundle\", \"objects\": [\n\n {\"type\": \"indicator\", \"id\": \"indicator--2\", \"pattern\": \"[ipv4-addr:value = '1.2.3.4' OR ipv4-addr:value = 'x']\"}]}",
			"f.csv:3: indicator indicator--2: pattern"},
		{"bad valid_until", FormatSTIX, 0, `{"type": "bundle", "objects": [{"type": "indicator", "id": "i", "pattern": "[ipv4-addr:value = '1.2.3.4']", "valid_until": "soon"}]}`,
			"valid_until \"soon\""},
		{"misp without event", FormatMISP, 0, `{"response": []}`, "no Event"},
		{"misp bad value", FormatMISP, 0, `{"Event": {"info": "x", "Attribute": [{"type": "ip-dst", "value": "nope"}]}}`,
			"f.csv: event 0 (x) attribute 0 (ip-dst ): \"nope\" is not an IP address"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(Source{Name: "f", Origin: "f.csv", Format: c.format, ListType: c.list}, []byte(c.data))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestParseSTIXPattern(t *testing.T) {
	for _, c := range []struct {
		pat  string
		want string // comparisons as type=value, or "unsupported: …" / "error"
	}{
		{"[ipv4-addr:value = '1.2.3.4']", "[ip=1.2.3.4]"},
		{"[ipv6-addr:value = '::1' OR domain-name:value = 'x.example']", "[ip=::1 domain=x.example]"},
		{"[file:hashes.'SHA-256' = 'ab'] OR [file:hashes.MD5 = 'cd']", "[sha256=ab md5=cd]"},
		{"([url:value = 'http://a/\\'b'] OR ([email-addr:value = 'a@b']))", "[url=http://a/'b email=a@b]"},
		{"[(domain-name:value = 'a') OR domain-name:value = 'b']", "[domain=a domain=b]"},
		{"[ipv4-addr:value = '1.2.3.4' AND ipv4-addr:value = '5.6.7.8']", "unsupported: AND inside an observation"},
		{"[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'a']", "unsupported: AND between observations"},
		{"[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [domain-name:value = 'a']", "unsupported: FOLLOWEDBY between observations"},
		{"[ipv4-addr:value = '1.2.3.4'] WITHIN 5 SECONDS", "unsupported: WITHIN after the observations"},
		{"[ipv4-addr:value != '1.2.3.4']", "unsupported: operator !="},
		{"[ipv4-addr:value ISSUBSET '10.0.0.0/8']", "unsupported: operator ISSUBSET"},
		{"[network-traffic:dst_port = '22']", "unsupported: object path network-traffic:dst_port"},
		{"[process:name = 'x' OR ipv4-addr:value = '1.2.3.4']", "unsupported: object path process:name"},
		{"[ipv4-addr:value = 5]", "unsupported: a comparison with something other than a string"},
		{"[email-message:to_refs[*].value = 'a@b']", "unsupported: a list index in an object path"},
		{"[ipv4-addr:value = '1.2.3.4'", "error"},
		{"ipv4-addr:value = '1.2.3.4'", "error"},
		{"[ipv4-addr:value = 'x\\y']", "error"},
		{"", "error"},
	} {
		cs, err := ParseSTIXPattern(c.pat)
		var got string
		var unsup *errUnsupported
		switch {
		case err != nil && asUnsupported(err, &unsup):
			got = "unsupported: " + unsup.what
		case err != nil:
			got = "error"
		default:
			var parts []string
			for _, x := range cs {
				parts = append(parts, x.Type.String()+"="+x.Value)
			}
			got = "[" + strings.Join(parts, " ") + "]"
		}
		if got != c.want {
			t.Errorf("ParseSTIXPattern(%q) = %s (%v), want %s", c.pat, got, err, c.want)
		}
	}
}

func TestDetectFormat(t *testing.T) {
	for _, c := range []struct {
		name, data string
		want       Format
		err        bool
	}{
		{"a.csv", "", FormatCSV, false},
		{"a.TXT", "", FormatList, false},
		{"a.json", `{"type": "bundle", "objects": []}`, FormatSTIX, false},
		{"a.json", `{"Event": {}}`, FormatMISP, false},
		{"a.json", `[{"Event": {}}]`, FormatMISP, false},
		{"a.json", `{"type": "indicator"}`, 0, true},
		{"a.json", `nope`, 0, true},
		{"a.xml", ``, 0, true},
	} {
		got, err := DetectFormat(c.name, []byte(c.data))
		if got != c.want || (err != nil) != c.err {
			t.Errorf("DetectFormat(%s, %q) = %v, %v; want %v (error %v)", c.name, c.data, got, err, c.want, c.err)
		}
	}
}
