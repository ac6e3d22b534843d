package rules

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/streamalert/streamalert/schema"
)

// benchRecords returns every Stratus record, classified.
func benchRecords(tb testing.TB) []*schema.Record {
	tb.Helper()
	files, _ := filepath.Glob("testdata/stratus/*.json")
	var out []*schema.Record
	for _, f := range files {
		out = append(out, stratusRecords(tb, f)...)
	}
	return out
}

// generateRules writes n CloudTrail rules in the shapes of the Sigma AWS
// rules (event source and names, errorCode null-or-success, user agent
// contains, JSON field contains with a not-filter, CIDR, regex filter).
// Event names come from a universe of 4,000 API names in which the names
// of the benchmark records are a few; the first five rules of every set use
// only names that occur, so that every size matches records. Each rule has
// an equality on eventName, as all but one of the Sigma AWS rules do.
func generateRules(tb testing.TB, n int, recs []*schema.Record) *Set {
	tb.Helper()
	sourceOf := map[string]string{}
	for _, r := range recs {
		sourceOf[r.Get("eventName").S] = r.Get("eventSource").S
	}
	var real []string
	for name := range sourceOf {
		real = append(real, name)
	}
	sort.Strings(real)
	universe := append([]string(nil), real...)
	for i := len(universe); i < 4000; i++ {
		universe = append(universe, fmt.Sprintf("Api%04dAction", i))
	}
	rng := rand.New(rand.NewPCG(1, 2)) // one stream: a smaller set is a prefix of a larger one
	hot := 0                           // the first rules of every size use names that occur, so all sizes match
	pick := func() (string, string) {
		name := universe[rng.IntN(len(universe))]
		if hot < 5*3 {
			name = real[rng.IntN(len(real))]
			hot++
		}
		src, ok := sourceOf[name]
		if !ok {
			src = fmt.Sprintf("svc%02d.amazonaws.com", rng.IntN(100))
		}
		return name, src
	}
	var b strings.Builder
	for i := 0; i < n; i++ {
		n1, src := pick()
		n2, _ := pick()
		n3, _ := pick()
		fmt.Fprintf(&b, "---\nname: gen_%04d\nlogs: [cloudtrail:events]\ndetection:\n", i)
		switch i % 6 {
		case 0:
			fmt.Fprintf(&b, "  selection:\n    eventSource: %s\n    eventName: [%s, %s]\n  condition: selection\n", src, n1, n2)
		case 1:
			fmt.Fprintf(&b, "  selection_event:\n    eventName: %s\n  status_success:\n    errorCode: Success\n  status_null:\n    errorCode: null\n  condition: selection_event and 1 of status_*\n", n1)
		case 2:
			fmt.Fprintf(&b, "  selection:\n    eventSource: %s\n    eventName: %s\n    userAgent|contains: 'tool-%d'\n  condition: selection\n", src, n1, i)
		case 3:
			fmt.Fprintf(&b, "  selection:\n    eventName: %s\n    requestParameters|contains: 'bucket-%d'\n  filter:\n    userIdentity.type: AssumedRole\n  condition: selection and not filter\n", n1, i)
		case 4:
			fmt.Fprintf(&b, "  selection:\n    eventName: [%s, %s, %s]\n    sourceIPAddress|cidr: [10.0.0.0/8, '2001:db8::/32']\n  condition: selection\n", n1, n2, n3)
		case 5:
			fmt.Fprintf(&b, "  selection:\n    eventSource: %s\n    eventName: %s\n  filter:\n    userIdentity.arn|re: ':assumed-role/admin-%d'\n  condition: selection and not filter\n", src, n1, i)
		}
	}
	l := &Loader{LogTypes: schema.Builtin()}
	rules, errs := l.LoadBytes("generated.yaml", []byte(b.String()), false)
	if len(errs) > 0 {
		tb.Fatal(errs)
	}
	set, errs := NewSet(rules...)
	if len(errs) > 0 {
		tb.Fatal(errs)
	}
	return set
}

// BenchmarkMatch measures matching cost per CloudTrail record against 10,
// 100 and 1,000 rules. One op is one record. Besides wall time it reports
// cpu-ns/record, the CPU time of the benchmark's thread, which stays
// comparable when other processes load the machine.
func BenchmarkMatch(b *testing.B) {
	recs := benchRecords(b)
	for _, n := range []int{10, 100, 1000} {
		m := NewMatcher(generateRules(b, n, recs))
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) { benchMatch(b, m, recs) })
	}
}

// BenchmarkMatchSigmaCorpus runs the 57 Sigma AWS rules over the Stratus
// records.
func BenchmarkMatchSigmaCorpus(b *testing.B) {
	benchMatch(b, NewMatcher(sigmaCorpus(b)), benchRecords(b))
}

func benchMatch(b *testing.B, m *Matcher, recs []*schema.Record) {
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0, cpuOK := threadCPU()
	matches := 0
	i := 0
	for b.Loop() {
		m.Match(recs[i%len(recs)], func(*Rule, Match) { matches++ })
		i++
	}
	if cpu1, ok := threadCPU(); ok && cpuOK {
		b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/float64(i), "cpu-ns/record")
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(matches)/float64(i), "matches/record")
}

// TestMatcherCostIsSublinear is the timing-free counterpart of
// BenchmarkMatch: the rules evaluated per record stay few as the set grows
// from 10 to 1,000 rules, because rules are indexed by their equality
// tests.
func TestMatcherCostIsSublinear(t *testing.T) {
	recs := benchRecords(t)
	per := map[int]float64{}
	for _, n := range []int{10, 1000} {
		m := NewMatcher(generateRules(t, n, recs))
		evals := 0
		for _, cr := range m.byType["cloudtrail:events"].rules {
			cr.root = countingNode{cr.root, &evals}
		}
		fired := 0
		for _, rec := range recs {
			m.Match(rec, func(*Rule, Match) { fired++ })
		}
		per[n] = float64(evals) / float64(len(recs))
		if n == 1000 && fired == 0 {
			t.Error("the generated rules never match; the benchmark would not exercise matching")
		}
	}
	// 100 times the rules, yet at most a couple of rule evaluations more
	// per record.
	if per[1000] > per[10]+2 {
		t.Errorf("rules evaluated per record: %.2f with 10 rules, %.2f with 1,000", per[10], per[1000])
	}
	t.Logf("rules evaluated per record: %.3f (10 rules), %.3f (1,000 rules)", per[10], per[1000])
}
