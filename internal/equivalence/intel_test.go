package equivalence

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/intel"
	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// intelRules are |ioc and |lookup rules over CloudTrail.
const intelRules = `name: ioc_source_ip
logs: [cloudtrail:events]
detection:
  sel: {sourceIPAddress|ioc: ip}
  condition: sel
---
name: ioc_normalized_ip_not_vip
logs: [cloudtrail:events]
detection:
  sel: {normalized.ip_address|ioc: ip}
  vip: {userIdentity.userName|lookup: vip_users}
  condition: sel and not vip
---
name: ioc_bucket_domain_or_url
logs: [cloudtrail:events]
detection:
  sel: {requestParameters.bucketName|ioc: [domain, url]}
  condition: sel
---
name: ioc_agent_hash_or_email
logs: [cloudtrail:events]
detection:
  sel: {userAgent|ioc: [sha256, md5, email]}
  condition: sel
---
name: lookup_vip_users
logs: [cloudtrail:events]
detection:
  sel: {userIdentity.userName|lookup: vip_users}
  condition: sel
`

// intelValues are the field values the records take, chosen around the
// IOC set below: inside and outside networks (v4, v6, IPv4-mapped, nested
// with an allow-listed part), expired entries, domains in other case with
// trailing dots and subdomains, look-alikes, hashes and addresses in upper
// case, and values of no IOC type at all.
var (
	intelIPs = []string{"203.0.113.5", "203.0.113.200", "203.0.114.1", "::ffff:203.0.113.6", "2001:db8:1::9", "2001:db9::1",
		"198.51.100.7", "198.51.100.8", "192.0.2.10", "192.0.2.99", "s3.amazonaws.com", "10.0.0.1", "0203.0.113.5"}
	intelBuckets = []string{"evil.example", "WWW.Evil.Example.", "a.b.evil.example", "notevil.example", "evil.example.com",
		"old.test", "x.safe.evil.example", "HTTP://Bad.Example/Path", "http://bad.example/path", "plain-bucket"}
	intelAgents = []string{"D41D8CD98F00B204E9800998ECF8427E", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"Phisher@Evil.Example", "aws-cli/2.0", "d41d8cd98f00b204e9800998ecf8427f"}
	intelUsers = []string{"alice", "ALICE", "Bob", "carol", "İlker"}
)

func intelStore(t *testing.T) (*intel.Store, *intel.Lookups) {
	t.Helper()
	csv := `type,value,source,expires
ip,203.0.113.0/24,feed-a,
ip,198.51.100.7,feed-a,
ip,192.0.2.10,feed-b,2020-01-01
ip,192.0.2.0/28,feed-b,2999-01-01
ip,2001:db8::/32,feed-a,
domain,Evil.Example.,feed-c,
domain,old.test,feed-c,2020-01-01
url,hxxp://bad[.]example/Path,feed-c,
md5,d41d8cd98f00b204e9800998ecf8427e,feed-d,
sha256,E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855,feed-d,
email,phisher[@]evil.example,feed-d,
`
	set, err := intel.Parse(intel.Source{Name: "test_feed", Origin: "test.csv", Format: intel.FormatCSV, Now: time.Now()}, []byte(csv))
	if err != nil {
		t.Fatal(err)
	}
	store := intel.NewStore()
	store.Replace(set)
	ex, err := intel.ExclusionSet([]string{"203.0.113.128/25", "safe.evil.example"}, "intel.yaml")
	if err != nil {
		t.Fatal(err)
	}
	store.SetExclusions(ex)
	tab, err := intel.ParseTable("vip_users", "vip.csv", []byte("key,value\nAlice,CEO\nİlker,CTO\n"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	lookups := intel.NewLookups()
	lookups.Replace(tab)
	return store, lookups
}

// intelRecords classifies one CloudTrail record per combination of the
// values (cycled, so every value of every list appears with several
// others).
func intelRecords(t *testing.T) []*schema.Record {
	t.Helper()
	reg := schema.Builtin()
	lt := reg.Get("cloudtrail:events")
	cls := schema.NewClassifier(reg)
	var recs []*schema.Record
	n := len(intelIPs) * len(intelBuckets)
	for i := 0; i < n; i++ {
		rec := fmt.Sprintf(`{"eventVersion": "1.08", "eventTime": "2026-06-01T10:%02d:%02dZ", "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
"awsRegion": "us-east-1", "sourceIPAddress": %q, "userAgent": %q, "eventID": "e%d", "eventType": "AwsApiCall",
"userIdentity": {"type": "IAMUser", "userName": %q}, "requestParameters": {"bucketName": %q}}`,
			i/60, i%60, intelIPs[i%len(intelIPs)], intelAgents[i%len(intelAgents)], i, intelUsers[i%len(intelUsers)], intelBuckets[i/len(intelIPs)])
		err := cls.Classify([]byte(rec), schema.Input{Source: "test", Types: []*schema.LogType{lt}},
			func(r *schema.Record) { recs = append(recs, r) },
			func(u *schema.Unclassified) { t.Fatalf("record did not classify: %s\n%s", u.Reason, rec) })
		if err != nil {
			t.Fatal(err)
		}
	}
	return recs
}

// TestEquivalence_IOCRules: |ioc and |lookup rules select the same records
// streaming and in DuckDB SQL over the iocs and lookup tables.
func TestEquivalence_IOCRules(t *testing.T) {
	rs, errs := (&rules.Loader{LogTypes: schema.Builtin()}).LoadBytes("intel.yaml", []byte(intelRules), false)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	store, lookups := intelStore(t)
	recs := intelRecords(t)
	rep, err := Run(context.Background(), t.TempDir(), Suite{Rules: rs, Records: recs, IOCs: store, Lookups: lookups})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(rep)
	if !rep.OK() {
		t.Fatal(rep)
	}
	// The comparison means something only if the rules do select records,
	// and not all of them. Count the matcher's selections per rule.
	set, _ := rules.NewSet(rs...)
	m := rules.NewMatcher(set)
	m.UseIntel(store, lookups)
	per := map[string]int{}
	for _, rec := range recs {
		m.Match(rec, func(r *rules.Rule, _ rules.Match) { per[r.Name]++ })
	}
	for _, r := range rs {
		if per[r.Name] == 0 || per[r.Name] == len(recs) {
			t.Errorf("rule %s selects %d of %d records; the test needs some of each", r.Name, per[r.Name], len(recs))
		}
	}
	// And the cases the values were chosen for hold.
	want := map[string][]string{
		"ip":     {"203.0.113.5", "::ffff:203.0.113.6", "2001:db8:1::9", "198.51.100.7", "192.0.2.10"},
		"not ip": {"203.0.113.200", "203.0.114.1", "2001:db9::1", "198.51.100.8", "192.0.2.99", "s3.amazonaws.com", "0203.0.113.5"},
	}
	for kind, vals := range want {
		for _, v := range vals {
			_, ok := store.Match(intel.IP, v)
			if ok != (kind == "ip") {
				t.Errorf("%s: matched %v, want %s", v, ok, kind)
			}
		}
	}
	for v, wantOK := range map[string]bool{"WWW.Evil.Example.": true, "a.b.evil.example": true, "notevil.example": false,
		"evil.example.com": false, "old.test": false, "x.safe.evil.example": false} {
		if _, ok := store.Match(intel.Domain, v); ok != wantOK {
			t.Errorf("domain %s: matched %v, want %v", v, ok, wantOK)
		}
	}
	if !strings.Contains(rep.String(), "0 differences") {
		t.Errorf("report %s", rep)
	}
}
