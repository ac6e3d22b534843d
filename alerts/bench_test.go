package alerts

import (
	"fmt"
	"testing"
	"time"
)

const (
	benchPending = 100_000
	benchKeys    = 1_000
	benchBatch   = 100
)

var benchRule = RuleInfo{Name: "bench", MergeByKeys: []string{"userIdentity.arn"}, MergeWindow: 24 * time.Hour, Outputs: []string{"o:x"}}

func benchMatch(i int) Match {
	rec := map[string]any{
		"eventName":       "ConsoleLogin",
		"eventSource":     "signin.amazonaws.com",
		"awsRegion":       "us-east-1",
		"sourceIPAddress": fmt.Sprintf("198.51.100.%d", i%250),
		"userIdentity":    map[string]any{"arn": fmt.Sprintf("arn:aws:iam::111122223333:user/u%d", i%benchKeys), "type": "IAMUser"},
		"eventID":         fmt.Sprintf("ev-%d", i),
		"additionalEventData": map[string]any{
			"MFAUsed": "No",
		},
	}
	return match(benchRule, fmt.Sprintf("rec-%d", i), t0.Add(time.Duration(i)*time.Millisecond), rec)
}

// pendingProcessor returns a processor holding benchPending alerts in
// benchKeys open merge groups.
func pendingProcessor(b *testing.B, store Store) (*Processor, *fakeClock) {
	b.Helper()
	clock := newFakeClock(t0)
	p := newTestProcessor(b, store, clock, nil)
	batch := make([]Match, 0, 1000)
	for i := range benchPending {
		batch = append(batch, benchMatch(i))
		if len(batch) == cap(batch) {
			mustProcess(b, p, batch...)
			batch = batch[:0]
		}
	}
	if g, a := p.OpenGroups(); g != benchKeys || a != benchPending {
		b.Fatalf("setup: %d groups with %d alerts", g, a)
	}
	return p, clock
}

// BenchmarkMerge measures merging with 100,000 alerts pending in 1,000
// open groups: adding matches (per batch of 100, into a memory or a bolt
// store) and closing every group at once.
func BenchmarkMerge(b *testing.B) {
	for _, kind := range []string{"memory", "bolt"} {
		b.Run("add/100k-pending/"+kind, func(b *testing.B) {
			var store Store = NewMemoryStore()
			if kind == "bolt" {
				store = openTestBolt(b)
			}
			p, _ := pendingProcessor(b, store)
			next := benchPending
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				batch := make([]Match, benchBatch)
				for j := range batch {
					batch[j] = benchMatch(next)
					next++
				}
				mustProcess(b, p, batch...)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchBatch), "ns/match")
		})
	}
	for _, kind := range []string{"memory", "bolt"} {
		b.Run("close/100k-pending/"+kind, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				var store Store = NewMemoryStore()
				if kind == "bolt" {
					store = openTestBolt(b)
				}
				p, clock := pendingProcessor(b, store)
				clock.Advance(48 * time.Hour)
				b.StartTimer()
				if r := mustTick(b, p); r.Merged != benchKeys {
					b.Fatalf("tick %+v", r)
				}
			}
		})
	}
}

// BenchmarkGroupAdd is the incremental merge step alone.
func BenchmarkGroupAdd(b *testing.B) {
	alerts := make([]*Alert, 1000)
	for i := range alerts {
		m := benchMatch(i * benchKeys) // one key
		alerts[i] = &Alert{ID: fmt.Sprint(i), Record: m.Record, EventTime: m.EventTime}
	}
	g := &mergeGroup{window: 24 * time.Hour, mergeKeys: benchRule.MergeByKeys}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		g.add(alerts[i%len(alerts)], t0)
		i++
	}
}

// BenchmarkFit measures building a service's body from an alert whose
// record has 10,000 entries (1.3 MB of JSON): the cost of fitting it to
// the service's limit, per send.
func BenchmarkFit(b *testing.B) {
	a := hostileBase("bench")
	a.Record = entries(10000)
	p := Payload(a)
	pd := &pagerDutyOutput{key: "k"}
	env := &outputEnv{name: "sqs:bench"}
	b.Run("pagerduty", func(b *testing.B) {
		for b.Loop() {
			fitPayload(a, p, func(q map[string]any) bool {
				body, _ := compactJSON(pd.event(a, q))
				return len(body) <= pagerDutyEventMax
			})
		}
	})
	b.Run("sqs", func(b *testing.B) {
		for b.Loop() {
			if _, err := env.fittedJSON(a, p, sqsDefaultMessageMax, xmlSafeJSON); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("slack", func(b *testing.B) {
		for b.Loop() {
			compactJSON(slackMessage(a, p))
		}
	})
}
