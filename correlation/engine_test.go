package correlation

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

var t0 = time.Date(2024, 8, 1, 14, 0, 0, 0, time.UTC)

// ct classifies a CloudTrail record: event name, user, source address,
// seconds after t0, and a bucket name (request parameter).
func ct(t testing.TB, name, user, ip string, sec int, bucket string) *schema.Record {
	t.Helper()
	js := fmt.Sprintf(`{"eventVersion":"1.09","eventTime":%q,"eventSource":"iam.amazonaws.com","eventName":%q,"awsRegion":"us-east-1","sourceIPAddress":%q,"userIdentity":{"type":"IAMUser","userName":%q},"requestParameters":{"bucketName":%q,"bytes":%d},"recipientAccountId":"111122223333"}`,
		t0.Add(time.Duration(sec)*time.Second).Format(time.RFC3339), name, ip, user, bucket, sec%7)
	var recs []*schema.Record
	lt := schema.Builtin().Get("cloudtrail:events")
	err := schema.NewClassifier(schema.Builtin()).Classify([]byte(js), schema.Input{Source: "test", Types: []*schema.LogType{lt}},
		func(r *schema.Record) { recs = append(recs, r) },
		func(u *schema.Unclassified) { t.Fatalf("unclassified: %s", u.Reason) })
	if err != nil || len(recs) != 1 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	return recs[0]
}

const baseRules = `name: b_fail
logs: [cloudtrail:events]
detection: {sel: {eventName: Fail}, condition: sel}
---
name: b_ok
logs: [cloudtrail:events]
detection: {sel: {eventName: Ok}, condition: sel}
---
name: b_third
logs: [cloudtrail:events]
detection: {sel: {eventName: Third}, condition: sel}
---
`

// corrRule loads one correlation rule named c over the base rules.
func corrRule(t testing.TB, corr string) *rules.Rule {
	t.Helper()
	l := &rules.Loader{LogTypes: schema.Builtin()}
	rs, errs := l.LoadBytes("test.yaml", []byte(baseRules+"name: c\ncorrelation: "+corr+"\n"), false)
	set, more := rules.NewSet(rs...)
	if errs = append(errs, more...); len(errs) > 0 {
		t.Fatal(errs)
	}
	return set.Get("c")
}

// anchors runs the records (in the given order) and returns the alerts as
// "group@record-second" strings, sorted.
func anchors(t testing.TB, e *Engine, recs []*schema.Record) []string {
	t.Helper()
	var out []string
	add := func(as []Alert) {
		for _, a := range as {
			out = append(out, fmt.Sprintf("%s@%d", strings.Join(a.Group, "/"), int(a.WindowEnd.Sub(t0).Seconds())))
		}
	}
	for _, r := range recs {
		add(e.Observe(r))
	}
	add(e.Flush())
	sort.Strings(out)
	return out
}

type step struct {
	name, user string
	sec        int
	bucket     string
}

func TestEngine_Types(t *testing.T) {
	for _, tc := range []struct {
		name  string
		corr  string
		steps []step
		want  string
	}{
		{"event_count crosses once per crossing",
			`{type: event_count, rules: [b_fail], group-by: [userIdentity.userName], timespan: 1m, condition: {gte: 3}}`,
			[]step{{"Fail", "a", 0, ""}, {"Fail", "a", 10, ""}, {"Fail", "a", 20, ""}, {"Fail", "a", 30, ""}, {"Fail", "b", 30, ""},
				// a's window empties, then fills again: a second crossing
				{"Fail", "a", 200, ""}, {"Fail", "a", 210, ""}, {"Fail", "a", 260, ""}},
			"a@20 a@260"},
		{"event_count one short and just outside the timespan",
			`{type: event_count, rules: [b_fail], group-by: [userIdentity.userName], timespan: 1m, condition: {gte: 3}}`,
			[]step{{"Fail", "a", 0, ""}, {"Fail", "a", 30, ""}, {"Fail", "a", 61, ""}, {"Fail", "b", 0, ""}, {"Fail", "b", 60, ""}, {"Fail", "b", 60, "x"}},
			"b@60"},
		{"event_count over two rules counts a record once",
			`{type: event_count, rules: [b_fail, b_ok], group-by: [sourceIPAddress], timespan: 1h, condition: {eq: 2}}`,
			[]step{{"Fail", "a", 0, ""}, {"Ok", "b", 5, ""}, {"Ok", "c", 6, ""}},
			"10.0.0.1@5"},
		{"value_count",
			`{type: value_count, rules: [b_fail], group-by: [sourceIPAddress], timespan: 10m, condition: {field: userIdentity.userName, gt: 2}}`,
			[]step{{"Fail", "a", 0, ""}, {"Fail", "a", 1, ""}, {"Fail", "b", 2, ""}, {"Fail", "b", 3, ""}, {"Fail", "c", 4, ""}, {"Fail", "d", 5, ""}},
			"10.0.0.1@4"},
		{"value_sum",
			`{type: value_sum, rules: [b_fail], group-by: [userIdentity.userName], timespan: 10m, condition: {field: requestParameters.bytes, gte: 9}}`,
			[]step{{"Fail", "a", 5, ""}, {"Fail", "a", 6, ""}, {"Fail", "a", 13, ""}},
			"a@6"},
		{"value_avg",
			`{type: value_avg, rules: [b_fail], group-by: [userIdentity.userName], timespan: 10m, condition: {field: requestParameters.bytes, gt: 4}}`,
			[]step{{"Fail", "a", 1, ""}, {"Fail", "a", 6, ""}, {"Fail", "a", 13, ""}, {"Fail", "a", 20, ""}},
			// bytes are sec%7: averages 1, 3.5, 4.33, 4.75
			"a@13"},
		{"temporal in any order",
			`{type: temporal, rules: [b_fail, b_ok, b_third], group-by: [userIdentity.userName], timespan: 1m}`,
			[]step{{"Third", "a", 0, ""}, {"Ok", "a", 10, ""}, {"Fail", "a", 20, ""}, {"Fail", "b", 0, ""}, {"Ok", "b", 10, ""}, {"Third", "b", 61, ""}},
			"a@20"},
		{"temporal_ordered",
			`{type: temporal_ordered, rules: [b_fail, b_ok, b_third], group-by: [userIdentity.userName], timespan: 1m}`,
			[]step{
				// out of order for a: no alert
				{"Third", "a", 0, ""}, {"Ok", "a", 10, ""}, {"Fail", "a", 20, ""},
				// in order for b, then completed again within the window: one alert
				{"Fail", "b", 0, ""}, {"Ok", "b", 10, ""}, {"Third", "b", 20, ""}, {"Third", "b", 30, ""},
				// in order for c, but the first step is just outside the timespan
				{"Fail", "c", 0, ""}, {"Ok", "c", 30, ""}, {"Third", "c", 61, ""},
				// d: a second complete sequence after the first left the window
				{"Fail", "d", 0, ""}, {"Ok", "d", 1, ""}, {"Third", "d", 2, ""}, {"Fail", "d", 100, ""}, {"Ok", "d", 101, ""}, {"Third", "d", 102, ""}},
			"b@20 d@102 d@2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := corrRule(t, tc.corr)
			var recs []*schema.Record
			for _, s := range tc.steps {
				recs = append(recs, ct(t, s.name, s.user, "10.0.0.1", s.sec, s.bucket))
			}
			e, err := New([]*rules.Rule{r}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(anchors(t, e, recs), " "); got != tc.want {
				t.Errorf("alerts %q, want %q", got, tc.want)
			}
			// Any arrival order within the lateness gives the same alerts.
			rng := rand.New(rand.NewSource(1))
			for i := 0; i < 5; i++ {
				sh := append([]*schema.Record(nil), recs...)
				rng.Shuffle(len(sh), func(i, j int) { sh[i], sh[j] = sh[j], sh[i] })
				e, _ := New([]*rules.Rule{r}, Options{Lateness: time.Hour})
				if got := strings.Join(anchors(t, e, sh), " "); got != tc.want {
					t.Errorf("shuffled: alerts %q, want %q", got, tc.want)
				}
			}
		})
	}
}

func TestEngine_AlertCarriesRecords(t *testing.T) {
	r := corrRule(t, `{type: event_count, rules: [b_fail], group-by: [userIdentity.userName, sourceIPAddress], timespan: 1m, condition: {gte: 2}}`)
	e, _ := New([]*rules.Rule{r}, Options{Lateness: -1})
	a1, a2 := ct(t, "Fail", "a", "10.0.0.1", 0, ""), ct(t, "Fail", "a", "10.0.0.1", 5, "")
	e.Observe(a1)
	e.Observe(a2)
	as := e.Flush()
	if len(as) != 1 {
		t.Fatalf("%d alerts", len(as))
	}
	a := as[0]
	if a.RecordID != a2.ID || strings.Join(a.RecordIDs, ",") != a1.ID+","+a2.ID || a.Value != 2 ||
		a.GroupValues()["sourceIPAddress"] != "10.0.0.1" || !a.WindowEnd.Equal(t0.Add(5*time.Second)) ||
		!a.WindowStart.Equal(t0.Add(-55*time.Second)) || a.ID != AlertID("c", "a\x0010.0.0.1", a2.ID) {
		t.Errorf("alert %+v", a)
	}
}

func TestEngine_LateAndEvicted(t *testing.T) {
	r := corrRule(t, `{type: event_count, rules: [b_fail], group-by: [userIdentity.userName], timespan: 1h, condition: {gte: 2}}`)
	e, _ := New([]*rules.Rule{r}, Options{Lateness: 10 * time.Second, MaxGroups: 2})
	e.Observe(ct(t, "Fail", "a", "ip", 100, ""))
	e.Observe(ct(t, "Fail", "a", "ip", 95, ""))  // late within lateness: kept
	e.Observe(ct(t, "Fail", "b", "ip", 80, ""))  // behind the frontier (90): late
	e.Observe(ct(t, "Fail", "c", "ip", 200, "")) // evaluates a's events: groups a
	e.Observe(ct(t, "Fail", "d", "ip", 300, "")) // groups a, c
	e.Observe(ct(t, "Fail", "e", "ip", 400, "")) // d evicts a, e evicts c
	e.Observe(ct(t, "Ok", "e", "ip", 400, ""))   // no base rule matches
	e.Flush()
	s := e.Stats()[0]
	if s.Late != 1 || s.Evicted != 2 || s.Alerts != 1 || s.Events != 5 || s.Groups != 2 {
		t.Errorf("stats %+v", s)
	}
}

// A restart from a checkpoint taken mid-sequence completes the sequence
// once; records replayed from before the checkpoint do not fire it again.
func TestEngine_CheckpointRestart(t *testing.T) {
	r := corrRule(t, `{type: temporal_ordered, rules: [b_fail, b_ok, b_third], group-by: [userIdentity.userName], timespan: 10m}`)
	c := corrRule(t, `{type: event_count, rules: [b_fail], group-by: [userIdentity.userName], timespan: 10m, condition: {gte: 3}}`)
	c.Name = "c2"
	var recs []*schema.Record
	for i, s := range []step{{"Fail", "a", 0, ""}, {"Fail", "a", 10, ""}, {"Ok", "a", 20, ""}, {"Fail", "a", 30, ""}, {"Third", "a", 40, ""}, {"Fail", "b", 50, ""}} {
		recs = append(recs, ct(t, s.name, s.user, "ip", s.sec+i, s.bucket))
	}
	whole, _ := New([]*rules.Rule{r, c}, Options{Lateness: 15 * time.Second})
	want := anchors(t, whole, recs)
	if len(want) != 2 {
		t.Fatalf("uninterrupted run: %v", want)
	}
	for cut := 1; cut < len(recs); cut++ {
		first, _ := New([]*rules.Rule{r, c}, Options{Lateness: 15 * time.Second})
		var got []string
		for _, rec := range recs[:cut] {
			for _, a := range first.Observe(rec) {
				got = append(got, fmt.Sprintf("%s@%d", a.Group[0], int(a.WindowEnd.Sub(t0).Seconds())))
			}
		}
		cp, err := first.Checkpoint()
		if err != nil {
			t.Fatal(err)
		}
		// kill -9: first is gone; a new engine starts from the checkpoint
		// and the input is replayed from one record before the cut.
		second, _ := New([]*rules.Rule{r, c}, Options{Lateness: 15 * time.Second})
		if fresh, err := second.Restore(cp); err != nil || len(fresh) != 0 {
			t.Fatal(fresh, err)
		}
		rest := append([]*schema.Record{recs[cut-1]}, recs[cut:]...)
		got = append(got, anchors(t, second, rest)...)
		sort.Strings(got)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("cut at %d: alerts %v, want %v", cut, got, want)
		}
	}
	// A changed rule starts afresh.
	cp, _ := whole.Checkpoint()
	changed := corrRule(t, `{type: temporal_ordered, rules: [b_fail, b_ok, b_third], group-by: [userIdentity.userName], timespan: 20m}`)
	e, _ := New([]*rules.Rule{changed}, Options{})
	if fresh, err := e.Restore(cp); err != nil || strings.Join(fresh, ",") != "c" {
		t.Errorf("restore of a changed rule: %v %v", fresh, err)
	}
	if _, err := e.Restore([]byte(`{"version": 99}`)); err == nil {
		t.Error("restore of another version: no error")
	}
}
