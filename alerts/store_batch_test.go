package alerts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// processSequence runs one sequence of matches and ticks (merging,
// threshold, dedup, staging) through a processor on store.
func processSequence(t *testing.T, store Store) Totals {
	clock := newFakeClock(t0)
	p := newTestProcessor(t, store, clock, nil)
	merge := RuleInfo{Name: "merge", MergeByKeys: []string{"u"}, MergeWindow: time.Hour, Outputs: []string{"o:x"}}
	thresh := RuleInfo{Name: "thresh", Threshold: 3, DedupPeriod: time.Hour, MergeByKeys: []string{"u"}, Outputs: []string{"o:x"}}
	staged := RuleInfo{Name: "staged", Staged: true, Outputs: []string{"o:x"}}
	for batch := range 4 {
		var ms []Match
		for i := range 25 {
			n := batch*25 + i
			at := t0.Add(time.Duration(n) * time.Minute)
			rec := map[string]any{"u": fmt.Sprintf("user%d", n%4), "n": n}
			ms = append(ms, match(merge, fmt.Sprint("m", n), at, rec), match(thresh, fmt.Sprint("t", n), at, rec))
			if n%10 == 0 {
				ms = append(ms, match(staged, fmt.Sprint("s", n), at, rec))
			}
		}
		mustProcess(t, p, ms...)
		clock.Advance(40 * time.Minute)
		mustTick(t, p)
	}
	clock.Advance(3 * time.Hour)
	mustTick(t, p)
	return p.Totals()
}

// TestProcessor_OneTransactionPerCommitStoresWhatSeparateWritesDo: the
// bbolt store applies a commit's writes in one transaction
// (BatchStore.Apply); the memory store takes them one call at a time.
// Both end with the same alerts, statuses and rule states.
func TestProcessor_OneTransactionPerCommitStoresWhatSeparateWritesDo(t *testing.T) {
	mem, bolt := NewMemoryStore(), openTestBolt(t)
	var _ BatchStore = bolt
	if _, ok := Store(mem).(BatchStore); ok {
		t.Fatal("the memory store should take the separate writes")
	}
	tm, tb := processSequence(t, mem), processSequence(t, bolt)
	if tm != tb {
		t.Errorf("totals: memory %+v, bolt %+v", tm, tb)
	}
	if tb.New == 0 || tb.Suppressed == 0 || tb.Merging == 0 || tb.Merged == 0 || tb.Staged == 0 {
		t.Errorf("the sequence does not exercise every status: %+v", tb)
	}
	summary := func(s Store) string {
		all, err := s.List(context.Background(), Filter{})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, a := range all {
			fmt.Fprintf(&b, "%s %s %s %s %v\n", a.ID, a.Status, a.MergeGroup, a.MergedInto, a.Staged)
		}
		rs, _ := s.Rules(context.Background())
		for _, r := range rs {
			fmt.Fprintf(&b, "%+v\n", r)
		}
		return b.String()
	}
	if m, b := summary(mem), summary(bolt); m != b {
		t.Errorf("stores differ:\nmemory:\n%s\nbolt:\n%s", m, b)
	}
}

// TestBoltApply_AllOrNothing: a batch with one bad change writes nothing.
func TestBoltApply_AllOrNothing(t *testing.T) {
	ctx := context.Background()
	s := openTestBolt(t)
	a := &Alert{ID: "a1", Rule: "r", Status: StatusSuppressed, Created: t0, EventTime: t0}
	err := s.Apply(ctx, WriteBatch{
		Insert: []*Alert{a},
		Mark:   []StatusChange{{ID: "missing", From: StatusMerging, To: StatusMerged}},
		Rules:  []RuleState{{Rule: "r", Staged: true}},
	})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want not found", err)
	}
	if _, err := s.Get(ctx, "a1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the insert of a failed batch was kept: %v", err)
	}
	if rs, _ := s.Rules(ctx); len(rs) != 0 {
		t.Errorf("the rule state of a failed batch was kept: %+v", rs)
	}
	if err := s.Apply(ctx, WriteBatch{Insert: []*Alert{a}, Rules: []RuleState{{Rule: "r", Staged: true}}}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "a1"); err != nil || got.Status != StatusSuppressed {
		t.Errorf("get: %+v, %v", got, err)
	}
}
