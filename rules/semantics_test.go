package rules

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// semCase is one detection evaluated against records: each record with the
// expected outcome.
type semCase struct {
	name      string
	detection string
	records   map[string]bool // record JSON → want
}

// jsonStr quotes s as a JSON string (for records with control characters).
func jsonStr(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func semanticsCases() []semCase {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	return []semCase{
		// Structure: maps AND, lists OR.
		{"map is AND", "sel:\n  name: a\n  cmd: b\ncondition: sel", map[string]bool{
			`{"name":"a","cmd":"b"}`: true, `{"name":"a","cmd":"c"}`: false, `{"name":"a"}`: false}},
		{"value list is OR", "sel:\n  name: [a, b]\ncondition: sel", map[string]bool{
			`{"name":"a"}`: true, `{"name":"b"}`: true, `{"name":"c"}`: false}},
		{"list of maps is OR", "sel:\n  - name: a\n  - cmd: b\ncondition: sel", map[string]bool{
			`{"name":"a"}`: true, `{"cmd":"b"}`: true, `{"name":"b","cmd":"a"}`: false}},
		{"all makes a list AND", "sel:\n  cmd|contains|all: [foo, bar]\ncondition: sel", map[string]bool{
			`{"cmd":"xfoo bar"}`: true, `{"cmd":"foo"}`: false, `{"cmd":"bar"}`: false}},

		// Wildcards and escaping.
		{"star", "sel:\n  name: 'a*c'\ncondition: sel", map[string]bool{
			`{"name":"ac"}`: true, `{"name":"abbc"}`: true, `{"name":"abcd"}`: false, `{"name":"xac"}`: false}},
		{"question mark is one character", "sel:\n  name: 'a?c'\ncondition: sel", map[string]bool{
			`{"name":"abc"}`: true, `{"name":"ac"}`: false, `{"name":"abbc"}`: false, `{"name":"aäc"}`: true}},
		{"escaped star is literal", `sel:
  name: 'a\*c'
condition: sel`, map[string]bool{`{"name":"a*c"}`: true, `{"name":"abc"}`: false}},
		{"escaped question mark is literal", `sel:
  name: 'a\?c'
condition: sel`, map[string]bool{`{"name":"a?c"}`: true, `{"name":"abc"}`: false}},
		{"backslash before other characters is literal", `sel:
  name: 'C:\Windows\System32'
condition: sel`, map[string]bool{`{"name":"C:\\Windows\\System32"}`: true, `{"name":"C:\\\\Windows\\\\System32"}`: false}},
		{"double backslash then wildcard", `sel:
  name: 'C:\Windows\\*'
condition: sel`, map[string]bool{`{"name":"C:\\Windows\\x.exe"}`: true, `{"name":"C:\\Windows\\"}`: true, `{"name":"C:\\Windowsx"}`: false}},
		{"triple backslash star is backslash and literal star", `sel:
  name: 'a\\\*'
condition: sel`, map[string]bool{`{"name":"a\\*"}`: true, `{"name":"a\\x"}`: false}},
		{"literal percent and underscore", "sel:\n  name: '100%_done'\ncondition: sel", map[string]bool{
			`{"name":"100%_done"}`: true, `{"name":"100x_done"}`: false, `{"name":"100%xdone"}`: false}},

		// Case.
		{"case-insensitive by default", "sel:\n  name: FoO\ncondition: sel", map[string]bool{
			`{"name":"foo"}`: true, `{"name":"FOO"}`: true, `{"name":"fo"}`: false}},
		{"cased", "sel:\n  name|cased: FoO\ncondition: sel", map[string]bool{
			`{"name":"FoO"}`: true, `{"name":"foo"}`: false}},
		{"cased contains", "sel:\n  name|contains|cased: Bar\ncondition: sel", map[string]bool{
			`{"name":"xBarx"}`: true, `{"name":"xbarx"}`: false}},
		{"non-ASCII letters fold", "sel:\n  name: Ärger\ncondition: sel", map[string]bool{
			`{"name":"ärger"}`: true, `{"name":"ÄRGER"}`: true, `{"name":"arger"}`: false}},
		{"sharp s is not ss", "sel:\n  name: straße\ncondition: sel", map[string]bool{
			`{"name":"STRAßE"}`: true, `{"name":"strasse"}`: false, `{"name":"STRASSE"}`: false}},
		{"dotted capital I lowers to plain i", "sel:\n  name: İstanbul\ncondition: sel", map[string]bool{
			`{"name":"istanbul"}`: true, `{"name":"ISTANBUL"}`: true, `{"name":"İSTANBUL"}`: true, `{"name":"ıstanbul"}`: false}},
		{"wildcard with non-ASCII case", "sel:\n  name: 'ÄB*'\ncondition: sel", map[string]bool{
			`{"name":"äbc"}`: true, `{"name":"abc"}`: false}},

		// contains, startswith, endswith.
		{"contains", "sel:\n  cmd|contains: evil\ncondition: sel", map[string]bool{
			`{"cmd":"an EVIL thing"}`: true, `{"cmd":"good"}`: false}},
		{"startswith", "sel:\n  cmd|startswith: evil\ncondition: sel", map[string]bool{
			`{"cmd":"Evil thing"}`: true, `{"cmd":"an evil"}`: false}},
		{"endswith", "sel:\n  cmd|endswith: .exe\ncondition: sel", map[string]bool{
			`{"cmd":"A.EXE"}`: true, `{"cmd":"a.exe.txt"}`: false}},
		{"contains keeps inner wildcards", "sel:\n  cmd|contains: 'a*b'\ncondition: sel", map[string]bool{
			`{"cmd":"xxaxxbxx"}`: true, `{"cmd":"bxa"}`: false}},
		{"contains star means any value", "sel:\n  cmd|contains: '*'\ncondition: sel", map[string]bool{
			`{"cmd":""}`: true, `{"cmd":"x"}`: true, `{"other":"x"}`: false}},

		// Regular expressions.
		{"re is unanchored", "sel:\n  cmd|re: 'foo\\d+'\ncondition: sel", map[string]bool{
			`{"cmd":"xfoo12y"}`: true, `{"cmd":"foo"}`: false}},
		{"re is case-sensitive", "sel:\n  cmd|re: 'foo'\ncondition: sel", map[string]bool{
			`{"cmd":"FOO"}`: false, `{"cmd":"foo"}`: true}},
		{"re|i", "sel:\n  cmd|re|i: 'foo'\ncondition: sel", map[string]bool{`{"cmd":"FOO"}`: true}},
		{"re inline (?i)", "sel:\n  cmd|re: '(?i)foo'\ncondition: sel", map[string]bool{`{"cmd":"FoO"}`: true}},
		{"re without m: ^ is start of text", "sel:\n  cmd|re: '^bar$'\ncondition: sel", map[string]bool{
			`{"cmd":"foo\nbar"}`: false, `{"cmd":"bar"}`: true}},
		{"re|m: ^ and $ at lines", "sel:\n  cmd|re|m: '^bar$'\ncondition: sel", map[string]bool{`{"cmd":"foo\nbar"}`: true}},
		{"re without s: dot is not newline", "sel:\n  cmd|re: 'foo.bar'\ncondition: sel", map[string]bool{`{"cmd":"foo\nbar"}`: false}},
		{"re|s: dot matches newline", "sel:\n  cmd|re|s: 'foo.bar'\ncondition: sel", map[string]bool{`{"cmd":"foo\nbar"}`: true}},
		{"re|i|s combined", "sel:\n  cmd|re|i|s: 'FOO.BAR'\ncondition: sel", map[string]bool{`{"cmd":"foo\nbar"}`: true}},
		{"re on a number", "sel:\n  count|re: '^4\\d$'\ncondition: sel", map[string]bool{`{"count":42}`: true, `{"count":420}`: false}},

		// CIDR.
		{"cidr IPv4", "sel:\n  ip|cidr: 10.0.0.0/8\ncondition: sel", map[string]bool{
			`{"ip":"10.1.2.3"}`: true, `{"ip":"11.0.0.1"}`: false, `{"ip":"::1"}`: false}},
		{"cidr IPv6", "sel:\n  ip|cidr: '2001:db8::/32'\ncondition: sel", map[string]bool{
			`{"ip":"2001:db8::1"}`: true, `{"ip":"2001:db9::1"}`: false, `{"ip":"10.0.0.1"}`: false}},
		{"cidr list", "sel:\n  ip|cidr: [10.0.0.0/8, 192.168.0.0/16]\ncondition: sel", map[string]bool{
			`{"ip":"192.168.1.1"}`: true, `{"ip":"172.16.0.1"}`: false}},
		{"cidr on text that is no IP", "sel:\n  cmd|cidr: 10.0.0.0/8\ncondition: sel", map[string]bool{
			`{"cmd":"AWS Internal"}`: false, `{"cmd":"10.9.9.9"}`: true, `{"cmd":"ec2.amazonaws.com"}`: false}},
		{"cidr IPv4-mapped IPv6", "sel:\n  cmd|cidr: 10.0.0.0/8\ncondition: sel", map[string]bool{`{"cmd":"::ffff:10.1.1.1"}`: true}},
		{"not cidr on a non-IP matches", "sel:\n  cmd|cidr: 10.0.0.0/8\ncondition: not sel", map[string]bool{`{"cmd":"AWS Internal"}`: true}},

		// exists, null, empty.
		{"exists true", "sel:\n  cmd|exists: true\ncondition: sel", map[string]bool{
			`{"cmd":"x"}`: true, `{"cmd":""}`: true, `{"other":"x"}`: false, `{"cmd":null}`: false}},
		{"exists false", "sel:\n  cmd|exists: false\ncondition: sel", map[string]bool{
			`{"cmd":"x"}`: false, `{"other":"x"}`: true, `{"cmd":null}`: true}},
		{"null matches missing and null", "sel:\n  cmd: null\ncondition: sel", map[string]bool{
			`{"other":"x"}`: true, `{"cmd":null}`: true, `{"cmd":""}`: false, `{"cmd":"x"}`: false}},
		{"empty list is null", "sel:\n  cmd: []\ncondition: sel", map[string]bool{`{"other":"x"}`: true, `{"cmd":"x"}`: false}},
		{"empty string is not missing", "sel:\n  cmd: ''\ncondition: sel", map[string]bool{
			`{"cmd":""}`: true, `{"other":"x"}`: false, `{"cmd":"x"}`: false}},
		{"null or value (CloudTrail errorCode)", "sel:\n  name: a\nok:\n  cmd: Success\nnone:\n  cmd: null\ncondition: sel and 1 of ok or sel and none", map[string]bool{
			`{"name":"a"}`: true, `{"name":"a","cmd":"Success"}`: true, `{"name":"a","cmd":"AccessDenied"}`: false}},
		{"null inside a json field", "sel:\n  params.k: null\ncondition: sel", map[string]bool{
			`{"params":{"k":null}}`: true, `{"params":{}}`: true, `{"params":{"k":"v"}}`: false}},

		// not over a missing field.
		{"not over missing field matches", "sel:\n  name: a\nfilter:\n  cmd: x\ncondition: sel and not filter", map[string]bool{
			`{"name":"a"}`: true, `{"name":"a","cmd":"x"}`: false, `{"name":"a","cmd":"y"}`: true}},
		{"not contains over missing field", "sel:\n  cmd|contains: x\ncondition: not sel", map[string]bool{`{"name":"a"}`: true}},

		// Numbers.
		{"gt", "sel:\n  count|gt: 5\ncondition: sel", map[string]bool{`{"count":6}`: true, `{"count":5}`: false, `{"count":-7}`: false}},
		{"gte", "sel:\n  count|gte: 5\ncondition: sel", map[string]bool{`{"count":5}`: true, `{"count":4}`: false}},
		{"lt", "sel:\n  ratio|lt: 0.5\ncondition: sel", map[string]bool{`{"ratio":0.25}`: true, `{"ratio":0.5}`: false}},
		{"lte", "sel:\n  small|lte: -1\ncondition: sel", map[string]bool{`{"small":-1}`: true, `{"small":0}`: false}},
		{"gt on a string field parses the text", "sel:\n  cmd|gt: 5\ncondition: sel", map[string]bool{
			`{"cmd":"10"}`: true, `{"cmd":"4.5"}`: false, `{"cmd":"abc"}`: false}},
		{"gt on a json number", "sel:\n  params.n|gt: 5\ncondition: sel", map[string]bool{`{"params":{"n":7}}`: true, `{"params":{"n":"3"}}`: false}},
		{"int equals numeric field", "sel:\n  count: 5\ncondition: sel", map[string]bool{`{"count":5}`: true, `{"count":50}`: false}},
		{"numeric string equals numeric field numerically", "sel:\n  ratio: '0.50'\ncondition: sel", map[string]bool{`{"ratio":0.5}`: true}},
		{"int against string field compares text", "sel:\n  name: 5\ncondition: sel", map[string]bool{
			`{"name":"5"}`: true, `{"name":"5.0"}`: false, `{"name":"05"}`: false}},
		{"wildcard against numeric field uses text", "sel:\n  count: '4*'\ncondition: sel", map[string]bool{`{"count":42}`: true, `{"count":24}`: false}},
		{"array of ints", "sel:\n  ports: 22\ncondition: sel", map[string]bool{`{"ports":[80,22]}`: true, `{"ports":[80]}`: false, `{"ports":[]}`: false}},

		// neq.
		{"neq is not any", "sel:\n  name|neq: [a, b]\ncondition: sel", map[string]bool{
			`{"name":"c"}`: true, `{"name":"a"}`: false, `{"name":"B"}`: false, `{"other":"x"}`: true}},

		// Encodings.
		{"base64", "sel:\n  cmd|base64|contains: 'hello'\ncondition: sel", map[string]bool{
			`{"cmd":"echo ` + b64("hello") + `"}`: true, `{"cmd":"hello"}`: false}},
		{"base64offset offset 0", "sel:\n  cmd|base64offset|contains: 'http://evil'\ncondition: sel", map[string]bool{
			`{"cmd":"` + b64("http://evil.example") + `"}`: true, `{"cmd":"` + b64("good") + `"}`: false}},
		{"base64offset offset 1", "sel:\n  cmd|base64offset|contains: 'http://evil'\ncondition: sel", map[string]bool{
			`{"cmd":"` + b64("xhttp://evil.example") + `"}`: true}},
		{"base64offset offset 2", "sel:\n  cmd|base64offset|contains: 'http://evil'\ncondition: sel", map[string]bool{
			`{"cmd":"` + b64("xyhttp://evil.example") + `"}`: true}},
		{"wide", "sel:\n  cmd|wide|contains: 'ab'\ncondition: sel", map[string]bool{
			`{"cmd":` + jsonStr("xa\x00b\x00y") + `}`: true, `{"cmd":"ab"}`: false}},
		{"utf16be", "sel:\n  cmd|utf16be|contains: 'ab'\ncondition: sel", map[string]bool{
			`{"cmd":` + jsonStr("\x00a\x00b") + `}`: true, `{"cmd":` + jsonStr("a\x00b\x00") + `}`: false}},
		{"wide then base64", "sel:\n  cmd|wide|base64offset|contains: 'ping'\ncondition: sel", map[string]bool{
			`{"cmd":"` + b64("p\x00i\x00n\x00g\x00") + `"}`: true}},
		{"windash", "sel:\n  cmd|windash|contains: ' -nop '\ncondition: sel", map[string]bool{
			`{"cmd":"powershell -nop -c x"}`: true, `{"cmd":"powershell /nop -c x"}`: true,
			`{"cmd":"powershell –nop -c x"}`: true, `{"cmd":"powershell nop -c x"}`: false}},
		{"windash leaves inner dashes", "sel:\n  cmd|windash: 'a-b'\ncondition: sel", map[string]bool{
			`{"cmd":"a-b"}`: true, `{"cmd":"a/b"}`: false}},

		// fieldref.
		{"fieldref", "sel:\n  user.name|fieldref: name\ncondition: sel", map[string]bool{
			`{"name":"Bob","user":{"name":"bob"}}`: true, `{"name":"alice","user":{"name":"bob"}}`: false, `{"user":{"name":"bob"}}`: false}},
		{"fieldref contains", "sel:\n  cmd|fieldref|contains: name\ncondition: sel", map[string]bool{
			`{"name":"bob","cmd":"user/bob"}`: true, `{"name":"eve","cmd":"user/bob"}`: false}},
		{"fieldref endswith cased", "sel:\n  cmd|fieldref|endswith|cased: name\ncondition: sel", map[string]bool{
			`{"name":"bob","cmd":"user/bob"}`: true, `{"name":"Bob","cmd":"user/bob"}`: false}},
		{"not fieldref over missing field", "sel:\n  cmd|fieldref: name\ncondition: not sel", map[string]bool{`{"cmd":"x"}`: true}},

		// Keywords.
		{"keywords search the record text", "keywords:\n  - evil\ncondition: keywords", map[string]bool{
			`{"cmd":"an EVIL thing"}`: true, `{"user":{"name":"evil"}}`: true, `{"params":{"k":"evil"}}`: true,
			`{"zzz":"evil"}`: true, `{"tags":["x","evil"]}`: true, `{"cmd":"good"}`: false}},
		{"keywords are OR", "keywords:\n  - alpha\n  - beta\ncondition: keywords", map[string]bool{
			`{"cmd":"beta"}`: true, `{"cmd":"gamma"}`: false}},
		{"keyword with wildcard", "keywords: 'foo*bar'\ncondition: keywords", map[string]bool{
			`{"cmd":"xfooxxbarx"}`: true, `{"cmd":"barfoo"}`: false}},
		{"keywords see every scalar", "keywords: ['42']\ncondition: keywords", map[string]bool{
			`{"count":42}`: true, `{"cmd":"x42"}`: true, `{"ratio":4.2}`: false, `{"ports":[1,42]}`: true, `{"user":{"id":420}}`: true}},
		{"keywords see timestamps and booleans", "keywords: ['2023-07-10T11:42:36', 'true']\ncondition: keywords", map[string]bool{
			`{"when":"2023-07-10T11:42:36Z"}`: true, `{"flag":true}`: true, `{"flag":false}`: false, `{"when":"2023-07-10T11:42:37Z"}`: false}},
		{"keyword with modifiers", "keywords:\n  '|re': 'ab+c'\ncondition: keywords", map[string]bool{`{"cmd":"xabbbc"}`: true, `{"cmd":"ac"}`: false}},
		{"keyword finds unescaped JSON text", `keywords: ['C:\Windows\evil.exe', 'say "hi"', "a\tb"]
condition: keywords`, map[string]bool{
			`{"params":{"path":"C:\\Windows\\evil.exe"}}`: true, `{"zzz":{"path":"C:\\Windows\\evil.exe"}}`: true,
			`{"cmd":"C:\\Windows\\evil.exe"}`: true, `{"items":[{"q":"they say \"hi\""}]}`: true,
			`{"params":{"t":"a\tb"}}`: true, `{"zzz":"a\\tb"}`: false, `{"params":{"path":"C:\\Windows\\good.exe"}}`: false}},
		{"keyword JSON numbers are canonical", "keywords: ['1.5', '1000']\ncondition: keywords", map[string]bool{
			`{"params":{"r":1.50}}`: true, `{"zzz":1e3}`: true, `{"params":{"r":1.25}}`: false, `{"params":{"r":"1,50"}}`: false, `{"params":{"r":1.05e3}}`: false}},
		{"keyword JSON keys are not values", "keywords: ['secretkey']\ncondition: keywords", map[string]bool{
			`{"params":{"secretkey":1}}`: false, `{"params":{"k":"secretkey"}}`: true}},
		{"keyword startswith is per value", "keywords:\n  '|startswith': 'evil'\ncondition: keywords", map[string]bool{
			`{"cmd":"evil.exe"}`: true, `{"cmd":"not evil"}`: false, `{"name":"x","cmd":"evilx"}`: true, `{"params":{"k":"EVIL"}}`: true}},
		{"keyword endswith is per value", "keywords:\n  '|endswith': '.exe'\ncondition: keywords", map[string]bool{
			`{"cmd":"evil.exe"}`: true, `{"cmd":"evil.exe now"}`: false, `{"cmd":"evil.exe","name":"x"}`: true}},
		{"keyword regex anchors are per value", "keywords:\n  '|re': '^alpha$'\ncondition: keywords", map[string]bool{
			`{"name":"alpha","cmd":"beta"}`: true, `{"name":"alpha beta"}`: false, `{"zzz":{"a":"alpha"}}`: true}},
		{"keyword wildcards stay inside a value", "keywords: 'benjamin*ListBuckets'\ncondition: keywords", map[string]bool{
			`{"name":"benjamin","cmd":"ListBuckets"}`: false, `{"cmd":"benjamin ran ListBuckets"}`: true}},
		{"number equality in JSON is numeric", "sel:\n  params.ratio: '1.50'\ncondition: sel", map[string]bool{
			`{"params":{"ratio":1.5}}`: true, `{"params":{"ratio":1.50}}`: true, `{"params":{"ratio":"1.50"}}`: true,
			`{"params":{"ratio":"1.5"}}`: false, `{"params":{"ratio":1.51}}`: false}},
		{"number equality in extras is numeric", "sel:\n  zzz: [1e3, -0]\ncondition: sel", map[string]bool{
			`{"zzz":1000}`: true, `{"zzz":1000.0}`: true, `{"zzz":0}`: true, `{"zzz":-0.0}`: true, `{"zzz":"1e3"}`: true, `{"zzz":"1000"}`: false}},
		{"JSON numbers as text are canonical", "sel:\n  params.r|startswith: '1.1'\ncondition: sel", map[string]bool{
			`{"params":{"r":1.10}}`: true, `{"params":{"r":1.1}}`: true, `{"params":{"r":"1.10"}}`: true, `{"params":{"r":11}}`: false}},

		// Field paths.
		{"nested object", "sel:\n  user.session.mfa: 'true'\ncondition: sel", map[string]bool{
			`{"user":{"session":{"mfa":"true"}}}`: true, `{"user":{"session":{"mfa":"false"}}}`: false, `{"user":{}}`: false}},
		{"declared names match case-insensitively", "sel:\n  USER.Name: bob\n  path: /x\ncondition: sel", map[string]bool{
			`{"user":{"name":"bob"},"Path":"/x"}`: true}},
		{"json path", "sel:\n  params.a.b: x\ncondition: sel", map[string]bool{
			`{"params":{"a":{"b":"X"}}}`: true, `{"params":{"a":{"b":"y"}}}`: false, `{"params":{"a":"x"}}`: false}},
		{"json path walks arrays", "sel:\n  params.list.cmd|contains: creds\ncondition: sel", map[string]bool{
			`{"params":{"list":[{"cmd":["a","get creds"]},{"cmd":"b"}]}}`: true, `{"params":{"list":[{"cmd":["a"]}]}}`: false}},
		{"array<json> elements", "sel:\n  items.k: v\ncondition: sel", map[string]bool{
			`{"items":[{"k":"w"},{"k":"v"}]}`: true, `{"items":[{"k":"w"}]}`: false}},
		{"contains on a json field searches its JSON", "sel:\n  params|contains: '\"s3:GetObject\"'\ncondition: sel", map[string]bool{
			`{"params":{"action":["s3:GetObject"]}}`: true, `{"params":{"action":"s3:PutObject"}}`: false}},
		{"contains on an object field searches its JSON", "sel:\n  user|contains: '\"name\":\"bob\"'\ncondition: sel", map[string]bool{
			`{"user":{"name":"bob"}}`: true, `{"user":{"name":"eve"}}`: false}},
		{"json booleans and numbers as text", "sel:\n  params.on: 'true'\n  params.n: 5\ncondition: sel", map[string]bool{
			`{"params":{"on":true,"n":5}}`: true, `{"params":{"on":false,"n":5}}`: false}},
		{"array field: any element", "sel:\n  tags: b\ncondition: sel", map[string]bool{`{"tags":["a","B"]}`: true, `{"tags":["a"]}`: false}},
		{"not over array field", "sel:\n  tags: b\ncondition: not sel", map[string]bool{`{"tags":["a","b"]}`: false, `{"tags":["a"]}`: true}},
		{"undeclared key in extras", "sel:\n  zzz: 1\ncondition: sel", map[string]bool{`{"zzz":1}`: true, `{"zzz":2}`: false}},
		{"undeclared key inside a declared object", "sel:\n  user.extra.deep: x\ncondition: sel", map[string]bool{
			`{"user":{"name":"a","extra":{"deep":"x"}}}`: true, `{"user":{"name":"a"}}`: false}},
		{"path below a scalar is missing", "sel:\n  name.sub: x\ncondition: not sel", map[string]bool{`{"name":"x"}`: true}},
		{"normalized type", "sel:\n  normalized.ip_address|cidr: 10.0.0.0/8\ncondition: sel", map[string]bool{
			`{"ip":"10.0.0.1"}`: true, `{"ip":"192.168.0.1"}`: false, `{"name":"x"}`: false}},
		{"bool field", "sel:\n  flag: TRUE\ncondition: sel", map[string]bool{`{"flag":true}`: true, `{"flag":false}`: false}},
		{"bool value", "sel:\n  flag: true\ncondition: sel", map[string]bool{`{"flag":true}`: true, `{"flag":false}`: false}},
		{"timestamp text", "sel:\n  when|startswith: '2024-05-01T'\ncondition: sel", map[string]bool{
			`{"when":"2024-05-01T10:00:00Z"}`: true, `{"when":"2024-05-02T10:00:00Z"}`: false}},

		// Conditions.
		{"1 of pattern", "sel_a:\n  name: a\nsel_b:\n  name: b\nother:\n  name: c\ncondition: 1 of sel_*", map[string]bool{
			`{"name":"a"}`: true, `{"name":"b"}`: true, `{"name":"c"}`: false}},
		{"all of pattern", "sel_a:\n  name: a\nsel_b:\n  cmd: b\ncondition: all of sel_*", map[string]bool{
			`{"name":"a","cmd":"b"}`: true, `{"name":"a"}`: false}},
		{"any of", "sel_a:\n  name: a\nsel_b:\n  name: b\ncondition: any of sel*", map[string]bool{`{"name":"b"}`: true}},
		{"1 of them skips underscore", "sel:\n  name: a\n_hidden:\n  name: b\ncondition: 1 of them", map[string]bool{
			`{"name":"a"}`: true, `{"name":"b"}`: false}},
		{"all of them skips underscore", "sel:\n  name: a\nfoo:\n  cmd: b\n_hidden:\n  other: z\ncondition: all of them", map[string]bool{
			`{"name":"a","cmd":"b"}`: true, `{"name":"a"}`: false}},
		{"underscore pattern includes underscore names", "_x1:\n  name: a\n_x2:\n  name: b\ncondition: 1 of _x*", map[string]bool{`{"name":"b"}`: true}},
		{"pattern without underscore skips underscore names", "x1:\n  name: a\n_x2:\n  name: b\ncondition: 1 of *x*", map[string]bool{
			`{"name":"a"}`: true, `{"name":"b"}`: false}},
		{"and binds tighter than or", "a:\n  name: a\nb:\n  cmd: b\nc:\n  other: c\ncondition: a or b and c", map[string]bool{
			`{"name":"a"}`: true, `{"cmd":"b"}`: false, `{"cmd":"b","other":"c"}`: true}},
		{"not binds tighter than and", "a:\n  name: a\nb:\n  cmd: b\ncondition: not a and b", map[string]bool{
			`{"cmd":"b"}`: true, `{"name":"a","cmd":"b"}`: false}},
		{"parentheses", "a:\n  name: a\nb:\n  cmd: b\nc:\n  other: c\ncondition: (a or b) and c", map[string]bool{
			`{"name":"a"}`: false, `{"name":"a","other":"c"}`: true}},
		{"not 1 of", "sel:\n  name: a\nf_1:\n  cmd: x\nf_2:\n  other: y\ncondition: sel and not 1 of f_*", map[string]bool{
			`{"name":"a"}`: true, `{"name":"a","other":"y"}`: false}},
		{"list of conditions is OR", "a:\n  name: a\nb:\n  name: b\ncondition:\n  - a\n  - b", map[string]bool{
			`{"name":"a"}`: true, `{"name":"b"}`: true, `{"name":"c"}`: false}},
		{"double not", "a:\n  name: a\ncondition: not not a", map[string]bool{`{"name":"a"}`: true, `{"name":"b"}`: false}},
	}
}

func TestSemantics(t *testing.T) {
	reg := testTypes(t)
	lt := reg.Get("test:events")
	for _, c := range semanticsCases() {
		t.Run(c.name, func(t *testing.T) {
			r, errs := loadRule(t, reg, detectionRule(c.detection))
			if len(errs) > 0 {
				t.Fatalf("load: %v", errs)
			}
			for js, want := range c.records {
				rec := buildRecord(t, lt, js)
				if got := matches(t, r, rec); got != want {
					t.Errorf("record %s: match = %v, want %v (expr: %s)", js, got, want, r.Expr)
				}
			}
		})
	}
}

// TestExprShape pins how detections normalize into leaves, which the SQL
// compiler relies on.
func TestExprShape(t *testing.T) {
	reg := testTypes(t)
	cases := []struct{ detection, want string }{
		{"sel:\n  name: [A, b]\ncondition: sel", `name|eq ["a", "b"]`},
		{"sel:\n  name: [a, 'b*', '*c*', '*d', 'e?']\ncondition: sel",
			`name|eq "a" or name|startswith "b" or name|contains "c" or name|endswith "d" or name|glob "e?"`},
		{"sel:\n  name|cased: A\ncondition: sel", `name|eq|cased "A"`},
		{"sel:\n  name: null\ncondition: sel", `not name|exists`},
		{"sel:\n  name|neq: a\ncondition: sel", `not name|eq "a"`},
		{"sel:\n  name|contains|all: [a, b]\ncondition: sel", `name|contains "a" and name|contains "b"`},
		{"sel:\n  ip|cidr: 10.1.2.3/8\ncondition: sel", `ip|cidr "10.0.0.0/8"`},
		{"sel:\n  cmd|re|i|m: x\ncondition: sel", `cmd|re "(?im)x"`},
		{"sel:\n  cmd|fieldref|startswith: name\ncondition: sel", `cmd|fieldref|startswith "name"`},
		{"k:\n  - a\n  - 'b*c'\ncondition: k", `<text>|contains "a" or <text>|glob "*b*c*"`},
		{"sel:\n  count|gte: 1.50\ncondition: sel", `count|gte "1.5"`},
	}
	for _, c := range cases {
		r, errs := loadRule(t, reg, detectionRule(c.detection))
		if len(errs) > 0 {
			t.Fatalf("%s: %v", c.detection, errs)
		}
		if got := r.Expr.String(); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.detection, got, c.want)
		}
	}
}

// TestWindashExpansion checks the five dash variants in every combination.
func TestWindashExpansion(t *testing.T) {
	out, err := windash(parseSigmaString("-a /b"))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 25 {
		t.Fatalf("got %d variants, want 25", len(out))
	}
	seen := map[string]bool{}
	for _, g := range out {
		s, _ := g.literal()
		seen[s] = true
	}
	for _, want := range []string{"-a /b", "/a -b", "\u2013a \u2015b", "\u2014a -b"} {
		if !seen[want] {
			t.Errorf("missing variant %q", want)
		}
	}
}

// TestBase64Offset checks the three variants against pySigma's scheme.
func TestBase64Offset(t *testing.T) {
	out, err := encodeBase64Offset(literalGlob("/bin/sh"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range out {
		s, _ := g.literal()
		got = append(got, s)
	}
	// Each variant must occur in the encoding of the value at that offset.
	for i, v := range got {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("x", i) + "/bin/sh" + "yz"))
		if !strings.Contains(enc, v) {
			t.Errorf("offset %d: %q not in %q", i, v, enc)
		}
	}
	if fmt.Sprint(got) != "[L2Jpbi9za 9iaW4vc2 vYmluL3No]" {
		t.Errorf("variants = %v", got)
	}
}
