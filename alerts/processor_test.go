package alerts

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"
)

// refGroup is one merged alert as StreamAlert's merger would make it,
// computed naively from the whole input: per key, in time order, a group
// takes every alert within the window of its oldest.
type refGroup struct {
	user        string
	count       int
	first, last time.Time
	members     []string
}

func referenceMerge(ms []Match, key string, window time.Duration) []refGroup {
	byKey := map[string][]Match{}
	for _, m := range ms {
		k := m.Record[key].(string)
		byKey[k] = append(byKey[k], m)
	}
	var out []refGroup
	for _, k := range sortedKeys(byKey) {
		list := byKey[k]
		sort.SliceStable(list, func(i, j int) bool { return list[i].EventTime.Before(list[j].EventTime) })
		var g *refGroup
		for _, m := range list {
			if g == nil || m.EventTime.Sub(g.first) >= window {
				if g != nil {
					out = append(out, *g)
				}
				g = &refGroup{user: k, first: m.EventTime}
			}
			g.count++
			g.last = m.EventTime
			g.members = append(g.members, AlertID(m.Rule.Name, m.RecordID))
		}
		out = append(out, *g)
	}
	return out
}

// TestProcess_TenThousandMatchesMergeIntoExpectedAlerts is the acceptance
// test: 10,000 matches of one rule with merge keys over 3 windows, fed in
// batches as time advances, become exactly the merged alerts the reference
// computes; feeding the same matches again creates nothing.
func TestProcess_TenThousandMatchesMergeIntoExpectedAlerts(t *testing.T) {
	const (
		n      = 10000
		users  = 5
		batch  = 250
		window = time.Hour
	)
	span := 3 * window
	step := span / n
	rule := RuleInfo{Name: "console_login", Title: "Console login", Severity: "medium", MergeByKeys: []string{"user"}, MergeWindow: window, Outputs: []string{"rec:out"}}
	var ms []Match
	for i := range n {
		rec := map[string]any{
			"user":   fmt.Sprintf("user-%d", i%users),
			"n":      i,
			"host":   fmt.Sprintf("host-%d", i%3),
			"const":  "same",
			"nested": map[string]any{"a": 1, "b": i % 2},
		}
		ms = append(ms, match(rule, recID(i), t0.Add(time.Duration(i)*step), rec))
	}
	want := referenceMerge(ms, "user", window)
	if len(want) != users*3 {
		t.Fatalf("the input spans %d groups, want %d (5 users × 3 windows): fix the test data", len(want), users*3)
	}

	store := openTestBolt(t)
	clock := newFakeClock(t0)
	var sunk int
	p := newTestProcessor(t, store, clock, func(c *ProcessorConfig) {
		c.Sink = func(_ context.Context, as []*Alert) error { sunk += len(as); return nil }
	})
	closed := 0
	for i := 0; i < n; i += batch {
		// The clock runs a minute behind the newest event, as a live stream.
		clock.Set(ms[i+batch-1].EventTime.Add(time.Minute))
		r := mustProcess(t, p, ms[i:i+batch]...)
		if r.New != batch || r.Merging != batch {
			t.Fatalf("batch %d: %+v, want %d new merging alerts", i/batch, r, batch)
		}
		closed += r.Closed + mustTick(t, p).Closed
	}
	clock.Advance(window + 2*DefaultMergeSettle)
	closed += mustTick(t, p).Closed
	if closed != len(want) {
		t.Errorf("closed %d groups, want %d", closed, len(want))
	}
	if g, a := p.OpenGroups(); g != 0 || a != 0 {
		t.Errorf("%d groups with %d alerts still open", g, a)
	}

	merged := mustList(t, store, Filter{Status: []Status{StatusPending}})
	if len(merged) != len(want) {
		t.Fatalf("%d pending alerts, want %d merged", len(merged), len(want))
	}
	type key struct {
		user  string
		first time.Time
	}
	got := map[key]*Alert{}
	for _, a := range merged {
		if a.Merge == nil {
			t.Fatalf("pending alert %s is not a merged alert", a.ID)
		}
		got[key{a.KeyValues["user"].(string), a.Merge.First}] = a
	}
	total := 0
	for _, w := range want {
		a := got[key{w.user, w.first}]
		if a == nil {
			t.Errorf("no merged alert for %s from %s", w.user, w.first)
			continue
		}
		total += a.Merge.Count
		if a.Merge.Count != w.count || !a.Merge.Last.Equal(w.last) {
			t.Errorf("%s from %s: count %d last %s, want %d %s", w.user, w.first, a.Merge.Count, a.Merge.Last, w.count, w.last)
		}
		if a.Merge.CommonKeys["const"] != "same" || fmt.Sprint(a.Merge.CommonKeys["nested.a"]) != "1" || len(a.Merge.CommonKeys) != 2 {
			t.Errorf("%s: common keys %v, want const and nested.a", a.ID, a.Merge.CommonKeys)
		}
		if diffs := sortedKeys(a.Merge.ValueDiffs); !slices.Equal(diffs, []string{"host", "n", "nested.b"}) {
			t.Errorf("%s: value diffs at %v", a.ID, diffs)
		}
		if len(a.Merge.ValueDiffs["host"]) != 3 || len(a.Merge.ValueDiffs["n"]) != MaxDiffValues || !a.Merge.DiffsTruncated {
			t.Errorf("%s: diffs host %v, n has %d values, truncated %v", a.ID, a.Merge.ValueDiffs["host"], len(a.Merge.ValueDiffs["n"]), a.Merge.DiffsTruncated)
		}
		if a.Record["user"] != w.user || a.Record["const"] != "same" {
			t.Errorf("%s: merged record %v", a.ID, a.Record)
		}
		if len(a.Delivery) != 1 || a.Delivery["rec:out"] == nil {
			t.Errorf("%s: delivery %v", a.ID, a.Delivery)
		}
	}
	if total != n {
		t.Errorf("merged alerts count %d matches, want %d", total, n)
	}
	// Every original is kept, marked merged into the alert of its group.
	into := map[string]string{}
	for _, w := range want {
		a := got[key{w.user, w.first}]
		if a == nil {
			continue // reported above
		}
		for _, id := range w.members {
			into[id] = a.ID
		}
	}
	members := mustList(t, store, Filter{Status: []Status{StatusMerged}})
	if len(members) != n {
		t.Fatalf("%d merged originals, want %d", len(members), n)
	}
	for _, m := range members {
		if m.MergedInto != into[m.ID] {
			t.Fatalf("alert %s merged into %s, want %s", m.ID, m.MergedInto, into[m.ID])
		}
	}
	if sunk != n+len(want) {
		t.Errorf("sink got %d alerts, want %d", sunk, n+len(want))
	}

	// Replay: the same records make no new alert, now or after a tick.
	before := countByStatus(t, store)
	r := mustProcess(t, p, ms...)
	if r.New != 0 || r.Replayed != n {
		t.Errorf("replay: %+v, want 0 new and %d replayed", r, n)
	}
	clock.Advance(3 * window)
	if tr := mustTick(t, p); tr.Closed != 0 {
		t.Errorf("replay closed %d groups", tr.Closed)
	}
	if after := countByStatus(t, store); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("replay changed the store: %v, was %v", after, before)
	}
}

func TestProcess_SameMatchTwiceInOneBatchIsOneAlert(t *testing.T) {
	store := NewMemoryStore()
	p := newTestProcessor(t, store, newFakeClock(t0), nil)
	rule := RuleInfo{Name: "r", Outputs: []string{"o:x"}}
	m := match(rule, "a", t0, map[string]any{"k": "v"})
	r := mustProcess(t, p, m, m)
	if r.New != 1 || r.Replayed != 1 || r.Pending != 1 {
		t.Errorf("got %+v", r)
	}
	a, err := store.Get(context.Background(), AlertID("r", "a"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != StatusPending || !slices.Equal(a.Outputs, []string{"o:x"}) {
		t.Errorf("alert %+v", a)
	}
}

func TestAlertID_StableAndDistinct(t *testing.T) {
	a, b := AlertID("rule", "rec"), AlertID("rule", "rec")
	if a != b || len(a) != 32 {
		t.Fatalf("AlertID not stable or wrong length: %q %q", a, b)
	}
	for _, other := range []string{AlertID("rule2", "rec"), AlertID("rule", "rec2"), AlertID("rul", "erec")} {
		if other == a {
			t.Errorf("distinct inputs share the id %s", a)
		}
	}
}

func TestProcess_RecordWithoutIDGetsContentID(t *testing.T) {
	p := newTestProcessor(t, NewMemoryStore(), newFakeClock(t0), nil)
	rule := RuleInfo{Name: "r"}
	m1 := match(rule, "", t0, map[string]any{"a": 1, "b": "x"})
	m2 := match(rule, "", t0, map[string]any{"b": "x", "a": 1})
	r := mustProcess(t, p, m1)
	r2 := mustProcess(t, p, m2)
	if r.New != 1 || r2.Replayed != 1 {
		t.Errorf("equal records without id: %+v then %+v", r, r2)
	}
}

func TestProcess_RuleWithoutOutputsIsDeliveredAtOnce(t *testing.T) {
	p := newTestProcessor(t, NewMemoryStore(), newFakeClock(t0), nil)
	if r := mustProcess(t, p, match(RuleInfo{Name: "lake_only"}, "1", t0, map[string]any{})); r.New != 1 || r.Pending != 0 {
		t.Errorf("got %+v", r)
	}
	p2 := newTestProcessor(t, NewMemoryStore(), newFakeClock(t0), func(c *ProcessorConfig) { c.DefaultOutputs = []string{"file:alerts"} })
	if r := mustProcess(t, p2, match(RuleInfo{Name: "lake_only"}, "1", t0, map[string]any{})); r.Pending != 1 {
		t.Errorf("with default outputs: %+v", r)
	}
}

func TestProcess_MatchWithoutRuleFails(t *testing.T) {
	p := newTestProcessor(t, NewMemoryStore(), newFakeClock(t0), nil)
	if _, err := p.Process(context.Background(), []Match{{RecordID: "x"}}); err == nil {
		t.Error("no error for a match without a rule name")
	}
}

func TestProcess_ThresholdAndDedup(t *testing.T) {
	rule := RuleInfo{Name: "brute", MergeByKeys: []string{"src"}, Threshold: 3, DedupPeriod: time.Hour, Outputs: []string{"o:x"}}
	tests := []struct {
		name string
		src  string
		at   time.Duration
		want Status
	}{
		{"first match counts", "a", 0, StatusSuppressed},
		{"second match counts", "a", time.Minute, StatusSuppressed},
		{"other key counts apart", "b", 2 * time.Minute, StatusSuppressed},
		{"third match alerts", "a", 3 * time.Minute, StatusPending},
		{"fourth is a duplicate", "a", 4 * time.Minute, StatusSuppressed},
		{"after the period the count restarts", "a", 2 * time.Hour, StatusSuppressed},
		{"second of the new period", "a", 2*time.Hour + time.Minute, StatusSuppressed},
		{"third of the new period alerts again", "a", 2*time.Hour + 2*time.Minute, StatusPending},
	}
	store := NewMemoryStore()
	p := newTestProcessor(t, store, newFakeClock(t0), nil)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mustProcess(t, p, match(rule, recID(i), t0.Add(tt.at), map[string]any{"src": tt.src}))
			a, err := store.Get(context.Background(), AlertID(rule.Name, recID(i)))
			if err != nil {
				t.Fatal(err)
			}
			if a.Status != tt.want {
				t.Errorf("status %s (%s), want %s", a.Status, a.Reason, tt.want)
			}
		})
	}
	dup, _ := store.Get(context.Background(), AlertID(rule.Name, recID(4)))
	if dup.DuplicateOf != AlertID(rule.Name, recID(3)) {
		t.Errorf("duplicate_of = %q", dup.DuplicateOf)
	}
}

func TestProcess_DedupWithoutKeysIsPerRule(t *testing.T) {
	rule := RuleInfo{Name: "noisy", DedupPeriod: 10 * time.Minute, Outputs: []string{"o:x"}}
	store := NewMemoryStore()
	p := newTestProcessor(t, store, newFakeClock(t0), nil)
	r := mustProcess(t, p,
		match(rule, "1", t0, map[string]any{"x": 1}),
		match(rule, "2", t0.Add(5*time.Minute), map[string]any{"x": 2}),
		match(rule, "3", t0.Add(11*time.Minute), map[string]any{"x": 3}),
	)
	if r.Pending != 2 || r.Suppressed != 1 {
		t.Errorf("got %+v, want 2 pending and 1 suppressed", r)
	}
}

func TestProcess_StateSurvivesRestart(t *testing.T) {
	store := openTestBolt(t)
	clock := newFakeClock(t0)
	merging := RuleInfo{Name: "m", MergeByKeys: []string{"u"}, MergeWindow: time.Hour, Outputs: []string{"o:x"}}
	dedup := RuleInfo{Name: "d", DedupPeriod: time.Hour, MergeByKeys: []string{"u"}}
	p1 := newTestProcessor(t, store, clock, nil)
	mustProcess(t, p1,
		match(merging, "1", t0, map[string]any{"u": "x", "v": 1}),
		match(merging, "2", t0.Add(time.Minute), map[string]any{"u": "x", "v": 2}),
		match(dedup, "3", t0, map[string]any{"u": "x"}),
	)
	// A new processor over the same store: the open group and the dedup
	// entry come back.
	clock.Advance(2 * time.Minute)
	p2 := newTestProcessor(t, store, clock, nil)
	r := mustProcess(t, p2,
		match(merging, "4", t0.Add(2*time.Minute), map[string]any{"u": "x", "v": 3}),
		match(dedup, "5", t0.Add(time.Minute), map[string]any{"u": "x"}),
	)
	if r.Merging != 1 || r.Suppressed != 1 {
		t.Fatalf("after restart: %+v", r)
	}
	clock.Advance(2 * time.Hour)
	if tr := mustTick(t, p2); tr.Merged != 1 {
		t.Fatalf("tick after restart: %+v", tr)
	}
	pend := mustList(t, store, Filter{Rule: "m", Status: []Status{StatusPending}})
	if len(pend) != 1 || pend[0].Merge == nil || pend[0].Merge.Count != 3 {
		t.Fatalf("merged after restart: %+v", pend)
	}
}

func TestProcess_GroupOfOneGoesOnAsItself(t *testing.T) {
	store := NewMemoryStore()
	clock := newFakeClock(t0)
	rule := RuleInfo{Name: "m", MergeByKeys: []string{"u"}, MergeWindow: time.Hour, Outputs: []string{"o:x"}}
	p := newTestProcessor(t, store, clock, nil)
	mustProcess(t, p, match(rule, "1", t0, map[string]any{"u": "x"}))
	clock.Advance(30 * time.Minute)
	if tr := mustTick(t, p); tr.Closed != 0 {
		t.Fatalf("closed before the window passed: %+v", tr)
	}
	clock.Advance(31 * time.Minute)
	if tr := mustTick(t, p); tr.Closed != 1 || tr.Merged != 0 {
		t.Fatalf("tick: %+v", tr)
	}
	a, _ := store.Get(context.Background(), AlertID("m", "1"))
	if a.Status != StatusPending || a.Merge != nil || a.Delivery["o:x"] == nil {
		t.Errorf("single alert: %+v", a)
	}
}

func TestProcess_MissingMergeKeyIsNotMerged(t *testing.T) {
	rule := RuleInfo{Name: "m", MergeByKeys: []string{"u"}, MergeWindow: time.Hour, Outputs: []string{"o:x"}}
	p := newTestProcessor(t, NewMemoryStore(), newFakeClock(t0), nil)
	r := mustProcess(t, p, match(rule, "1", t0, map[string]any{"other": 1}))
	if r.Pending != 1 || r.Merging != 0 {
		t.Errorf("got %+v", r)
	}
}

func TestProcess_NestedMergeKeyFoundAnywhere(t *testing.T) {
	rule := RuleInfo{Name: "m", MergeByKeys: []string{"arn"}, MergeWindow: time.Hour}
	store := NewMemoryStore()
	clock := newFakeClock(t0)
	p := newTestProcessor(t, store, clock, nil)
	mustProcess(t, p,
		match(rule, "1", t0, map[string]any{"userIdentity": map[string]any{"arn": "A"}, "n": 1}),
		match(rule, "2", t0.Add(time.Minute), map[string]any{"userIdentity": map[string]any{"arn": "A"}, "n": 2}),
		match(rule, "3", t0.Add(time.Minute), map[string]any{"userIdentity": map[string]any{"arn": "B"}, "n": 3}),
	)
	clock.Advance(2 * time.Hour)
	if tr := mustTick(t, p); tr.Closed != 2 || tr.Merged != 1 {
		t.Errorf("tick: %+v", tr)
	}
}

func TestProcess_LateMatchJoinsOpenGroupAndOldReplaySpansBatches(t *testing.T) {
	rule := RuleInfo{Name: "m", MergeByKeys: []string{"u"}, MergeWindow: 10 * time.Minute, Outputs: []string{"o:x"}}
	store := NewMemoryStore()
	// Records from a day ago, fed in two batches a few seconds apart: the
	// settle time keeps the group open between them.
	clock := newFakeClock(t0.Add(24 * time.Hour))
	p := newTestProcessor(t, store, clock, nil)
	mustProcess(t, p, match(rule, "1", t0.Add(5*time.Minute), map[string]any{"u": "x"}))
	clock.Advance(5 * time.Second)
	mustTick(t, p)
	mustProcess(t, p, match(rule, "2", t0, map[string]any{"u": "x"}), match(rule, "3", t0.Add(11*time.Minute), map[string]any{"u": "x"}))
	clock.Advance(2 * DefaultMergeSettle)
	tr := mustTick(t, p)
	if tr.Closed != 2 || tr.Merged != 1 {
		t.Fatalf("tick: %+v, want 2 groups: (2,1) and (3)", tr)
	}
	m := mustList(t, store, Filter{Status: []Status{StatusPending}})
	var counts []int
	for _, a := range m {
		if a.Merge != nil {
			counts = append(counts, a.Merge.Count)
			if !a.Merge.First.Equal(t0) || !a.Merge.Last.Equal(t0.Add(5*time.Minute)) {
				t.Errorf("merged span %s–%s", a.Merge.First, a.Merge.Last)
			}
		}
	}
	if !slices.Equal(counts, []int{2}) {
		t.Errorf("merged counts %v", counts)
	}
}
