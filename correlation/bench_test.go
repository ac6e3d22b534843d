package correlation

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// benchRecords classifies n CloudTrail records: 40 event names, users
// users, one record every 100ms.
func benchRecords(b *testing.B, n, users int) []*schema.Record {
	b.Helper()
	lt := schema.Builtin().Get("cloudtrail:events")
	cls := schema.NewClassifier(schema.Builtin())
	out := make([]*schema.Record, 0, n)
	for i := 0; i < n; i++ {
		js := fmt.Sprintf(`{"eventVersion":"1.09","eventID":"%d","eventTime":%q,"eventSource":"iam.amazonaws.com","eventName":"Op%d","awsRegion":"us-east-1","sourceIPAddress":"10.%d.%d.%d","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u%d","userName":"u%d"},"requestParameters":{"bucketName":"b%d","bytes":%d},"recipientAccountId":"111122223333"}`,
			i, t0.Add(time.Duration(i)*100*time.Millisecond).Format(time.RFC3339Nano), i%40, (i/7)%256, (i/3)%256, i%250, i%users, i%users, i%97, i%1000)
		err := cls.Classify([]byte(js), schema.Input{Source: "bench", Types: []*schema.LogType{lt}},
			func(r *schema.Record) { out = append(out, r) },
			func(u *schema.Unclassified) { b.Fatalf("unclassified: %s", u.Reason) })
		if err != nil {
			b.Fatal(err)
		}
	}
	return out
}

// benchRules builds n correlation rules over CloudTrail: each correlates
// one to three of 40 base rules (one event name each), of every type,
// grouped by principal or source address.
func benchRules(b *testing.B, n int) []*rules.Rule {
	b.Helper()
	var doc strings.Builder
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&doc, "name: op%d\nlogs: [cloudtrail:events]\ndetection: {sel: {eventName: Op%d}, condition: sel}\n---\n", i, i)
	}
	corrs := []string{
		"{type: event_count, rules: [op%[1]d], group-by: [userIdentity.arn], timespan: 10m, condition: {gte: 20}}",
		"{type: value_count, rules: [op%[1]d, op%[2]d], group-by: [userIdentity.arn], timespan: 10m, condition: {field: requestParameters.bucketName, gte: 10}}",
		"{type: temporal, rules: [op%[1]d, op%[2]d, op%[3]d], group-by: [sourceIPAddress], timespan: 1h}",
		"{type: temporal_ordered, rules: [op%[1]d, op%[2]d], group-by: [userIdentity.arn], timespan: 30m}",
		"{type: value_sum, rules: [op%[1]d], group-by: [sourceIPAddress], timespan: 1h, condition: {field: requestParameters.bytes, gt: 100000}}",
	}
	for i := 0; i < n; i++ {
		c := strings.NewReplacer("%[1]d", fmt.Sprint(i%40), "%[2]d", fmt.Sprint((i+7)%40), "%[3]d", fmt.Sprint((i+13)%40)).Replace(corrs[i%len(corrs)])
		fmt.Fprintf(&doc, "name: c%d\ncorrelation: %s\n---\n", i, c)
	}
	rs, errs := (&rules.Loader{LogTypes: schema.Builtin()}).LoadBytes("bench.yaml", []byte(strings.TrimSuffix(doc.String(), "---\n")), false)
	set, more := rules.NewSet(rs...)
	if errs = append(errs, more...); len(errs) > 0 {
		b.Fatal(errs)
	}
	if len(set.Correlations()) != n {
		b.Fatalf("%d correlation rules", len(set.Correlations()))
	}
	return set.Correlations()
}

// BenchmarkEngine_100RulesCloudTrail is the cost per CloudTrail record of
// 100 correlation rules: matching their base rules and updating windows.
func BenchmarkEngine_100RulesCloudTrail(b *testing.B) {
	recs := benchRecords(b, 20000, 100)
	corrs := benchRules(b, 100)
	e, err := New(corrs, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	alerts := 0
	for i := 0; i < b.N; i++ {
		// Records repeat with later times, as a stream does.
		r := *recs[i%len(recs)]
		r.EventTime = r.EventTime.Add(time.Duration(i/len(recs)) * 2000 * time.Second)
		r.ID = fmt.Sprintf("%s-%d", recs[i%len(recs)].ID, i/len(recs))
		alerts += len(e.Observe(&r))
	}
	b.StopTimer()
	b.ReportMetric(float64(alerts)/float64(b.N), "alerts/record")
}

// BenchmarkEngine_MemoryPer100kGroups measures the heap one event_count
// rule holds for 100,000 active groups of one event each.
func BenchmarkEngine_MemoryPer100kGroups(b *testing.B) {
	const groups = 100_000
	recs := benchRecords(b, groups, groups)
	l := &rules.Loader{LogTypes: schema.Builtin()}
	rs, errs := l.LoadBytes("mem.yaml", []byte("name: any\nlogs: [cloudtrail:events]\ndetection: {sel: {eventSource: iam.amazonaws.com}, condition: sel}\n---\nname: c\ncorrelation: {type: event_count, rules: [any], group-by: [userIdentity.arn], timespan: 1d, condition: {gte: 5}}\n"), false)
	set, more := rules.NewSet(rs...)
	if errs = append(errs, more...); len(errs) > 0 {
		b.Fatal(errs)
	}
	b.ResetTimer()
	var perGroup float64
	for i := 0; i < b.N; i++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		e, _ := New(set.Correlations(), Options{Lateness: -1, MaxGroups: 2 * groups})
		for _, r := range recs {
			e.Observe(r)
		}
		e.Flush()
		runtime.GC()
		runtime.ReadMemStats(&after)
		if s := e.Stats()[0]; s.Groups != groups {
			b.Fatalf("%d groups", s.Groups)
		}
		perGroup = float64(after.HeapAlloc-before.HeapAlloc) / groups
		runtime.KeepAlive(e)
	}
	b.ReportMetric(perGroup, "B/group")
	b.ReportMetric(perGroup*groups/(1<<20), "MiB/100k-groups")
}
