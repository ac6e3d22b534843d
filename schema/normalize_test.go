package schema

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

const normTypeYAML = `
name: test:norm
parser:
  type: json
fields:
  - name: role
  - name: src
  - name: dst
    type: ip
  - name: acct
    type: bigint
  - name: user
    type: object
    fields:
      - name: name
      - name: aliases
        type: array<string>
  - name: target
  - name: cmd
  - name: req
    type: json
  - name: res
    type: array<json>
normalize:
  ip_address: [src, dst]
  aws_account_id: [acct, req.account]
  username:
    - user.name
    - user.aliases
    - path: target
      when: {field: role, is: admin}
  command:
    - path: cmd
      when: {field: role, in: [Shell, cron]}
  hostname:
    - path: req.hosts
      when: {field: user.name, contains: "BOT"}
  email:
    - path: target
      when: {field: role, not_contains: "svc"}
  domain:
    - path: req.domain
      when: {field: role, is_not: admin}
  url:
    - path: req.url
      when: {field: role, not_in: [admin, svc]}
`

func normType(t *testing.T) *LogType {
	t.Helper()
	types, errs := ParseDefinitions("norm.yaml", []byte(normTypeYAML))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	lt := types[0]
	// a path into array<json> elements (the loader cannot declare it yet)
	lt.Normalize = append(lt.Normalize, NormalizeRule{Type: "aws_arn", Path: []string{"res", "arn"}})
	sortRules(lt.Normalize)
	return lt
}

func TestNormalize(t *testing.T) {
	lt := normType(t)
	reg, err := NewRegistry([]*LogType{lt})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		record string
		want   string // "type=v1,v2 type=v" sorted by type; "" for none
	}{
		{"plain fields and dedupe across rules",
			`{"src":"10.0.0.1","dst":"10.0.0.1","acct":123456789012,"req":{"account":"123456789012"}}`,
			"aws_account_id=123456789012 ip_address=10.0.0.1"},
		{"service names are not addresses",
			`{"src":"ec2.amazonaws.com","dst":"2001:DB8::1"}`,
			"ip_address=2001:db8::1"},
		{"dotted quads with leading zeros are addresses",
			`{"src":"010.001.000.255"}`,
			"ip_address=010.001.000.255"},
		{"arrays give each element, empties are skipped",
			`{"user":{"name":"","aliases":["al","","bo","al"]}}`,
			"username=al,bo"},
		{"condition is (case-insensitive)",
			`{"role":"ADMIN","target":"root","user":{"name":"ann"}}`,
			"email=root username=ann,root"},
		{"condition is: other value",
			`{"role":"user","target":"root@example.com"}`,
			"email=root@example.com"},
		{"condition in",
			`{"role":"shell","cmd":"id -a"}`,
			"command=id -a"},
		{"condition in: missing value",
			`{"cmd":"id -a"}`,
			""},
		{"condition contains inside json",
			`{"user":{"name":"build-bot"},"req":{"hosts":["a.example.com",{"x":1},"b.example.com"]}}`,
			"hostname=a.example.com,b.example.com username=build-bot"},
		{"negations hold on a missing value",
			`{"req":{"domain":"example.com","url":"https://example.com/"}}`,
			"domain=example.com url=https://example.com/"},
		{"is_not and not_in exclude",
			`{"role":"admin","req":{"domain":"example.com","url":"https://example.com/"}}`,
			""},
		{"array of json",
			`{"res":[{"arn":"arn:aws:s3:::a"},{"arn":"arn:aws:s3:::b"},{"arn":"arn:aws:s3:::a"},{"other":1},"str"]}`,
			"aws_arn=arn:aws:s3:::a,arn:aws:s3:::b"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := classifyWith(t, NewClassifier(reg), []byte(c.record))
			if len(res.recs) != 1 {
				t.Fatalf("got %s", res.render())
			}
			got := renderNormalized(res.recs[0].Normalized)
			if got != c.want {
				t.Errorf("normalized %q, want %q", got, c.want)
			}
		})
	}
}

// renderNormalized writes "type=v1,v2 …" sorted by type.
func renderNormalized(m map[string][]string) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s=%s", k, strings.Join(v, ",")))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func TestLooksLikeIP(t *testing.T) {
	for s, want := range map[string]bool{
		"192.0.2.1": true, "010.001.000.255": true, "::1": true, "2001:db8::1": true, "fe80::1%eth0": true,
		"256.1.1.1": false, "1.2.3": false, "1.2.3.4.5": false, "1.2.3.": false, "a.b.c.d": false,
		"AWS Internal": false, "ec2.amazonaws.com": false, "": false, "1234.1.1.1": false, ":::": false,
	} {
		if got := looksLikeIP(s); got != want {
			t.Errorf("looksLikeIP(%q) = %v, want %v", s, got, want)
		}
	}
}
