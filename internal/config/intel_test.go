package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/intel"
)

func TestLoadIntel_FilesListsExclusionsLookups(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"intel.yaml": `feeds:
  - name: abuse
    url: https://feeds.example/abuse.csv
    interval: 30m
excluded_iocs:
  - 203.0.113.128/25
  - safe.example
lists:
  scanners.txt: ip
lookups:
  vip_users: lookups/vip.csv
`,
		"iocs/scanners.txt":     "203.0.113.0/24\n",
		"iocs/domains.txt":      "evil.example\n",
		"iocs/hashes.csv":       "type,value,source,expires\nmd5,d41d8cd98f00b204e9800998ecf8427e,vt,\n",
		"lookups/vip.csv":       "key,value\nalice,CEO\n",
		"iocs/README.md":        "not an IOC file",
		"iocs/demo-bad-ips.txt": "# replaced\n198.51.100.23\n",
	})
	c, ps := LoadDir(dir)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	st, ps := c.LoadIntel(t.TempDir(), time.Now())
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	var names []string
	for _, s := range st.Store.Sets() {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); got != "demo-bad-ips,domains,hashes,sample-feed,scanners" {
		t.Errorf("sets %s", got)
	}
	for _, c := range []struct {
		typ  intel.Type
		v    string
		want bool
	}{
		{intel.IP, "203.0.113.1", true}, {intel.IP, "203.0.113.200", false},
		{intel.Domain, "www.evil.example", true}, {intel.MD5, "D41D8CD98F00B204E9800998ECF8427E", true},
	} {
		if _, ok := st.Store.Match(c.typ, c.v); ok != c.want {
			t.Errorf("Match(%v, %s) = %v, want %v", c.typ, c.v, ok, c.want)
		}
	}
	if v, ok := st.Lookups.Get("vip_users", "Alice"); !ok || v != "CEO" {
		t.Errorf("lookup vip_users alice = %q, %v", v, ok)
	}
	if len(st.Feeds) != 1 || st.Feeds[0].Interval != 30*time.Minute || st.Fetcher == nil {
		t.Errorf("feeds %+v", st.Feeds)
	}
}

func TestLoadIntel_Problems(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"intel.yaml": `feeds:
  - name: abuse
    url: ftp://feeds.example/abuse.csv
  - name: abuse
    url: https://x.example/a
    format: xml
    type: asn
excluded_iocs:
  - not a value
lists:
  missing.txt: ip
  other.txt: color
lookups:
  vip_users: vip.yaml
  bad: missing.csv
`,
		"iocs/bad.csv": "type,value\nip,1.2.3.4\nip,nope\n",
	})
	c, ps := LoadDir(dir)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	_, ps = c.LoadIntel("", time.Now())
	got := ps.Err().Error()
	for _, want := range []string{
		`intel.yaml:2: feed abuse: url "ftp://feeds.example/abuse.csv" must be an http:// or https:// URL`,
		`intel.yaml:4: feed "abuse" is defined twice`,
		`intel.yaml:4: feed abuse: unknown IOC format "xml"`,
		`intel.yaml:4: feed abuse: unknown IOC type "asn"`,
		`intel.yaml:9: excluded_iocs[0]: "not a value" is no IP`,
		`intel.yaml:12: lists: other.txt: unknown IOC type "color"`,
		`intel.yaml:14: lookups: vip_users: "vip.yaml" is not a .csv or .json file`,
		`iocs/bad.csv:3: ip: "nope" is not an IP address`,
		`lists: missing.txt is not a file in iocs/`,
		`intel.yaml:15: lookups: bad: open missing.csv`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
}

func TestCheckIntel_ReportsIntelProblemsAndUnconfiguredLookups(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"intel.yaml":     "lists:\n  bad.txt: ip\n",
		"iocs/bad.txt":   "192.0.2.1\nnot-an-ip\n",
		"rules/vip.yaml": "name: vip_login\nlogs: [cloudtrail:events]\ndetection:\n  sel: {userIdentity.userName|lookup: vip_users}\n  condition: sel\n",
	})
	c, ps := LoadDir(dir)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	got := Validate(c, nil, CheckIntel).Err()
	for _, want := range []string{
		`iocs/bad.txt:2: ip: "not-an-ip" is not an IP address`,
		`intel.yaml:1: lookup table "vip_users" is named by a rule (|lookup) but not configured`,
	} {
		if got == nil || !strings.Contains(got.Error(), want) {
			t.Errorf("validate: %v; want %q", got, want)
		}
	}
}

func TestIntelState_ReloadFilesSwapsKeepsAndDrops(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"intel.yaml":      "lookups:\n  vip: lookups/vip.csv\n",
		"iocs/a.csv":      "type,value\nip,192.0.2.1\n",
		"iocs/b.txt":      "evil.example\n",
		"lookups/vip.csv": "key,value\nalice,CEO\n",
	})
	c, ps := LoadDir(dir)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	st, ps := c.LoadIntel("", time.Now())
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("iocs/a.csv", "type,value\nip,192.0.2.2\n")                              // changed
	write("iocs/b.txt", "evil.example\nnot a value\n")                             // broken: keeps the previous set
	write("lookups/vip.csv", "key,value\nbob,CFO\n")                               // changed
	if err := os.Remove(filepath.Join(dir, "iocs/demo-bad-ips.txt")); err != nil { // gone
		t.Fatal(err)
	}
	ps = st.ReloadFiles(c, time.Now())
	if len(ps) != 1 || !strings.Contains(ps[0].String(), `iocs/b.txt:2:`) {
		t.Errorf("problems %v, want the broken line of b.txt", ps)
	}
	for _, c := range []struct {
		typ  intel.Type
		v    string
		want bool
	}{
		{intel.IP, "192.0.2.1", false}, {intel.IP, "192.0.2.2", true}, {intel.Domain, "evil.example", true},
		{intel.IP, "203.0.113.66", true}, // still in the sample feed
	} {
		if _, ok := st.Store.Match(c.typ, c.v); ok != c.want {
			t.Errorf("after reload: Match(%v, %s) = %v, want %v", c.typ, c.v, ok, c.want)
		}
	}
	if st.Store.Get("demo-bad-ips") != nil {
		t.Error("the set of a removed file is still active")
	}
	if _, ok := st.Lookups.Get("vip", "bob"); !ok {
		t.Error("the lookup table was not reloaded")
	}
}
