package historical

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/intel"
	"github.com/streamalert/streamalert/queries"
	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

func cloudTrail(i int, ip string) string {
	return fmt.Sprintf(`{"eventVersion": "1.08", "eventTime": "2024-06-01T10:%02d:00Z", "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
"awsRegion": "us-east-1", "sourceIPAddress": %q, "eventID": "sweep-%d", "eventType": "AwsApiCall", "userIdentity": {"type": "IAMUser", "userName": "u%d"}}`, i, ip, i, i)
}

// sweepStore is the shipped sample STIX feed plus a CSV set with a
// network partly allow-listed and an expired address.
func sweepStore(t *testing.T) *intel.Store {
	t.Helper()
	csv := "type,value,source,expires\nip,192.0.2.0/24,scanners,\nip,10.9.9.9,old-feed,2020-01-01\n"
	set, err := intel.Parse(intel.Source{Name: "local", Origin: "iocs/local.csv", Format: intel.FormatCSV, Now: time.Now()}, []byte(csv))
	if err != nil {
		t.Fatal(err)
	}
	st := intel.NewStore()
	st.Replace(intel.SampleSet())
	st.Replace(set)
	ex, err := intel.ExclusionSet([]string{"192.0.2.128/25"}, "intel.yaml")
	if err != nil {
		t.Fatal(err)
	}
	st.SetExclusions(ex)
	return st
}

// TestSweep_SameHitsAsStreamingAndNoSecondAlert is the end to end
// case short of serve: records from an address of a STIX feed alert while
// streaming (the pack's intel rule); the sweep over the lake finds the same
// records, and its alerts are the same alerts, so none is raised twice; an
// allow-listed network and an expired IOC never alert.
func TestSweep_SameHitsAsStreamingAndNoSecondAlert(t *testing.T) {
	ctx := context.Background()
	reg := schema.Builtin()
	ips := []string{"198.51.100.23", "203.0.113.66", "192.0.2.5", "192.0.2.200", "10.9.9.9", "10.0.0.1", "2001:db8:bad::1", "s3.amazonaws.com"}
	var payloads []string
	for i, ip := range ips {
		payloads = append(payloads, cloudTrail(i, ip))
	}
	recs := classify(t, reg, "cloudtrail:events", payloads, time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC))
	store := sweepStore(t)

	// Streaming: the pack's intel rules with the store.
	pack, errs := rules.Pack(reg)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var intelRules []*rules.Rule
	infos := map[string]alerts.RuleInfo{}
	for _, r := range pack.Rules() {
		if strings.HasPrefix(r.Name, "intel_ioc_") {
			intelRules = append(intelRules, r)
			infos[r.Name] = alerts.RuleInfo{Name: r.Name, Severity: r.Severity}
		}
	}
	set, errs := rules.NewSet(intelRules...)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	m := rules.NewMatcher(set)
	m.UseIntel(store, nil)
	var matches []alerts.Match
	streamed := map[string]bool{}
	for _, rec := range recs {
		m.Match(rec, func(r *rules.Rule, mt rules.Match) {
			matches = append(matches, alerts.Match{Rule: infos[r.Name], LogType: rec.LogType.Name, RecordID: rec.ID, EventTime: rec.EventTime, Matched: mt.Values()})
			streamed[r.Name+" "+rec.Get("sourceIPAddress").Text()] = true
		})
	}
	want := []string{"intel_ioc_ip_address 192.0.2.5", "intel_ioc_ip_address 198.51.100.23", "intel_ioc_ip_address 2001:db8:bad::1", "intel_ioc_ip_address 203.0.113.66"}
	if got := keys(streamed); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("streaming matched %v, want %v", got, want)
	}
	proc, err := alerts.NewProcessor(alerts.ProcessorConfig{Store: alerts.NewMemoryStore(), Log: slog.New(slog.DiscardHandler), StagingPeriod: -1, MergeSettle: -1})
	if err != nil {
		t.Fatal(err)
	}
	res, err := proc.Process(ctx, matches)
	if err != nil || res.New != len(want) {
		t.Fatalf("streaming alerts: %+v, %v", res, err)
	}

	// The sweep over the lake, with the same store written as iocs.
	dir := t.TempDir()
	writeLake(t, dir, recs)
	if err := WriteIntelDir(ctx, dir, store, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	eng, err := Open(ctx, dir, reg.All(), Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	var hits []SweepHit
	rng := queries.TimeRange{From: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)}
	st, err := eng.Sweep(ctx, []*schema.LogType{reg.Get("cloudtrail:events")}, rng, func(h SweepHit) error { hits = append(hits, h); return nil })
	if err != nil {
		t.Fatal(err)
	}
	swept := map[string]bool{}
	var sweepMatches []alerts.Match
	for _, h := range hits {
		swept[SweepRule(h.NormalizedType)+" "+h.Value] = true
		info, ok := infos[SweepRule(h.NormalizedType)]
		if !ok {
			t.Fatalf("hit %+v: no pack rule %s", h, SweepRule(h.NormalizedType))
		}
		sweepMatches = append(sweepMatches, h.Match(info))
	}
	if got := keys(swept); strings.Join(got, ",") != strings.Join(want, ",") || st.Hits != len(hits) {
		t.Fatalf("sweep found %v (%+v), want %v", got, st, want)
	}
	for _, h := range hits {
		if h.Value == "198.51.100.23" && (h.Set != intel.SampleSetName || h.Source != "StreamAlert sample intel" || h.IOC != "198.51.100.23" || h.IOCType != "ip") {
			t.Errorf("hit %+v", h)
		}
		if h.Value == "192.0.2.5" && (h.IOC != "192.0.2.0/24" || h.Set != "local" || h.Source != "scanners") {
			t.Errorf("hit %+v", h)
		}
	}
	res, err = proc.Process(ctx, sweepMatches)
	if err != nil || res.New != 0 || res.Replayed != len(want) {
		t.Fatalf("sweep alerts: %+v, %v; want every one a replay of a streaming alert", res, err)
	}
	// A second sweep is a replay too.
	res, err = proc.Process(ctx, sweepMatches)
	if err != nil || res.New != 0 {
		t.Fatalf("second sweep: %+v, %v", res, err)
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
