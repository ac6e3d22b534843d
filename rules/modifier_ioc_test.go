package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/intel"
)

// testIntel is an IOC store and lookup tables for the modifier tests.
func testIntel(t testing.TB) (*intel.Store, *intel.Lookups) {
	t.Helper()
	b := intel.NewBuilder("feed_a", "feed_a.csv", intel.FormatCSV)
	for _, e := range [][2]string{
		{"ip", "203.0.113.0/24"}, {"ip", "198.51.100.7"}, {"ip", "2001:db8::/32"},
		{"domain", "evil.example"}, {"md5", "d41d8cd98f00b204e9800998ecf8427e"}, {"email", "phisher@evil.example"},
	} {
		typ, _ := intel.ParseType(e[0])
		if err := b.Add(typ, e[1], "abuse-ch", time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	store := intel.NewStore()
	store.Replace(b.Set(time.Now()))
	ex, err := intel.ExclusionSet([]string{"203.0.113.128/25"}, "intel.yaml")
	if err != nil {
		t.Fatal(err)
	}
	store.SetExclusions(ex)
	tab, err := intel.ParseTable("vip_users", "vip.csv", []byte("key,value\nAlice,CEO\nbob,CFO\n"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	lookups := intel.NewLookups()
	lookups.Replace(tab)
	return store, lookups
}

func TestIOCModifier_Matches(t *testing.T) {
	reg := testTypes(t)
	lt := reg.Get("test:events")
	store, lookups := testIntel(t)
	for _, c := range []struct {
		detection string
		record    string
		want      bool
	}{
		{"sel: {ip|ioc: ip}\ncondition: sel", `{"ip": "203.0.113.9"}`, true},
		{"sel: {ip|ioc: ip}\ncondition: sel", `{"ip": "203.0.113.200"}`, false}, // excluded network
		{"sel: {ip|ioc: ip}\ncondition: sel", `{"ip": "198.51.100.8"}`, false},
		{"sel: {ip|ioc: ip}\ncondition: sel", `{"ip": "2001:db8:1::1"}`, true},
		{"sel: {name|ioc: domain}\ncondition: sel", `{"name": "WWW.Evil.Example."}`, true},
		{"sel: {name|ioc: domain}\ncondition: sel", `{"name": "notevil.example"}`, false},
		{"sel: {name|ioc: [ip, domain]}\ncondition: sel", `{"name": "198.51.100.7"}`, true},
		{"sel: {tags|ioc: md5}\ncondition: sel", `{"tags": ["x", "D41D8CD98F00B204E9800998ECF8427E"]}`, true},
		{"sel: {user.name|ioc: email}\ncondition: sel", `{"user": {"name": "Phisher@evil.example"}}`, true},
		{"sel: {params.src|ioc: ip}\ncondition: sel", `{"params": {"src": "198.51.100.7"}}`, true},
		{"sel: {normalized.ip_address|ioc: ip}\ncondition: sel", `{"ip": "198.51.100.7"}`, true},
		{"sel: {ip|ioc: ip}\ncondition: not sel", `{"name": "x"}`, true}, // missing field: the test is false
		{"sel: {name|lookup: vip_users}\ncondition: sel", `{"name": "ALICE"}`, true},
		{"sel: {name|lookup: vip_users}\ncondition: sel", `{"name": "carol"}`, false},
		{"sel: {name|lookup: [other, vip_users]}\ncondition: sel", `{"name": "bob"}`, true},
	} {
		r, errs := loadRule(t, reg, detectionRule(c.detection))
		if len(errs) > 0 {
			t.Fatalf("%s: %v", c.detection, errs)
		}
		set, _ := NewSet(r)
		m := NewMatcher(set)
		m.UseIntel(store, lookups)
		got := false
		m.Match(buildRecord(t, lt, c.record), func(*Rule, Match) { got = true })
		if got != c.want {
			t.Errorf("%s on %s: %v, want %v", strings.ReplaceAll(c.detection, "\n", "; "), c.record, got, c.want)
		}
		// Without intel the tests never hold.
		bare := false
		NewMatcher(set).Match(buildRecord(t, lt, c.record), func(*Rule, Match) { bare = true })
		if bare && !strings.Contains(c.detection, "not sel") {
			t.Errorf("%s on %s matches without intel", c.detection, c.record)
		}
	}
}

func TestIOCModifier_AlertValues(t *testing.T) {
	reg := testTypes(t)
	store, lookups := testIntel(t)
	r, errs := loadRule(t, reg, detectionRule("a: {ip|ioc: ip}\nb: {name|lookup: vip_users}\ncondition: a and b"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	set, _ := NewSet(r)
	m := NewMatcher(set)
	m.UseIntel(store, lookups)
	var vals map[string]any
	m.Match(buildRecord(t, reg.Get("test:events"), `{"ip": "203.0.113.9", "name": "alice"}`), func(_ *Rule, mt Match) { vals = mt.Values() })
	iocs, _ := vals["ioc"].([]map[string]any)
	if len(iocs) != 1 || iocs[0]["ioc"] != "203.0.113.0/24" || iocs[0]["value"] != "203.0.113.9" || iocs[0]["set"] != "feed_a" ||
		iocs[0]["source"] != "abuse-ch" || iocs[0]["type"] != "ip" || iocs[0]["field"] != "ip" {
		t.Errorf("ioc values %v", vals["ioc"])
	}
	lk, _ := vals["lookup"].([]map[string]any)
	if len(lk) != 1 || lk[0]["table"] != "vip_users" || lk[0]["value"] != "CEO" || lk[0]["key"] != "alice" {
		t.Errorf("lookup values %v", vals["lookup"])
	}
	if vals["ip"] != "203.0.113.9" || vals["name"] != "alice" {
		t.Errorf("values %v", vals)
	}
}

func TestIOCModifier_LoadErrors(t *testing.T) {
	reg := testTypes(t)
	for _, c := range []struct{ detection, want string }{
		{"sel: {ip|ioc: asn}\ncondition: sel", `test.yaml:4: rule t: detection: ip|ioc: unknown IOC type "asn"`},
		{"sel: {ip|ioc: 5}\ncondition: sel", `ip|ioc: want an IOC type`},
		{"sel: {ip|ioc|all: ip}\ncondition: sel", `ip|ioc|all: ioc is the only modifier`},
		{"sel: {ip|contains|ioc: ip}\ncondition: sel", `ioc is the only modifier`},
		{"sel: {name|lookup: Bad Name}\ncondition: sel", `name|lookup: want a lookup table name`},
		{"sel: {name|lookup: null}\ncondition: sel", `name|lookup: want a lookup table name`},
	} {
		_, errs := loadRule(t, reg, detectionRule(c.detection))
		if len(errs) == 0 || !strings.Contains(errs[0].Error(), c.want) {
			t.Errorf("%s: errors %v, want %q", c.detection, errs, c.want)
		}
	}
}
