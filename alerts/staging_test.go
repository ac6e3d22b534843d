package alerts

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestStaging_AlertReachesNoOutputUntilPromoted is the acceptance test of
// staging: a staged rule's alert is stored, marked staged, and sent
// nowhere; once the rule is promoted (releasing what it raised) the alert
// is delivered, and later alerts go straight to the outputs.
func TestStaging_AlertReachesNoOutputUntilPromoted(t *testing.T) {
	ctx := context.Background()
	store := openTestBolt(t)
	clock := newFakeClock(t0)
	out := newRecorder("rec:out")
	rule := RuleInfo{Name: "new_rule", Staged: true, Outputs: []string{"rec:out"}}
	p := newTestProcessor(t, store, clock, nil)
	d := newTestDispatcher(t, store, clock, out)
	if err := p.SetRules(ctx, []RuleInfo{rule}); err != nil {
		t.Fatal(err)
	}

	r := mustProcess(t, p, match(rule, "1", t0, map[string]any{"x": 1}))
	if r.Staged != 1 || r.Pending != 0 {
		t.Fatalf("process: %+v", r)
	}
	id := AlertID(rule.Name, "1")
	for range 3 {
		clock.Advance(time.Hour)
		mustTick(t, p)
		if _, err := d.DispatchDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if out.calls() != 0 {
		t.Fatalf("staged alert reached the output %d times", out.calls())
	}
	a, _ := store.Get(ctx, id)
	if a.Status != StatusStaged || !a.Staged {
		t.Fatalf("staged alert: status %s staged %v", a.Status, a.Staged)
	}

	released, err := p.Promote(ctx, rule.Name, true)
	if err != nil || released != 1 {
		t.Fatalf("promote: %d, %v", released, err)
	}
	if _, err := d.DispatchDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := out.delivered(); !slices.Equal(got, []string{id}) {
		t.Fatalf("after promotion the output got %v, want [%s]", got, id)
	}
	r = mustProcess(t, p, match(rule, "2", t0.Add(4*time.Hour), map[string]any{"x": 2}))
	if r.Pending != 1 {
		t.Fatalf("after promotion: %+v", r)
	}
	if _, err := d.DispatchDue(ctx); err != nil {
		t.Fatal(err)
	}
	if out.calls() != 2 {
		t.Errorf("output calls %d, want 2", out.calls())
	}
	// The promotion is durable: a new processor does not stage the rule.
	p2 := newTestProcessor(t, store, clock, nil)
	if r := mustProcess(t, p2, match(rule, "3", t0.Add(5*time.Hour), map[string]any{"x": 3})); r.Pending != 1 {
		t.Errorf("after restart: %+v", r)
	}
}

func TestStaging_PromoteWithoutReleaseKeepsOldAlertsStaged(t *testing.T) {
	ctx := context.Background()
	store := NewMemoryStore()
	p := newTestProcessor(t, store, newFakeClock(t0), nil)
	rule := RuleInfo{Name: "r", Staged: true}
	mustProcess(t, p, match(rule, "1", t0, map[string]any{}))
	if n, err := p.Promote(ctx, "r", false); n != 0 || err != nil {
		t.Fatalf("promote: %d %v", n, err)
	}
	if got := countByStatus(t, store); got[StatusStaged] != 1 {
		t.Errorf("statuses %v", got)
	}
}

func TestStaging_AutomaticPromotionAfterQuietPeriod(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		alertAt   time.Duration // <0: no alert while staged
		checks    []time.Duration
		promoteAt time.Duration
	}{
		{"quiet rule is promoted after the period", -1, []time.Duration{47 * time.Hour, 48 * time.Hour}, 48 * time.Hour},
		{"an alert restarts the quiet period", 10 * time.Hour, []time.Duration{48 * time.Hour, 57 * time.Hour, 58 * time.Hour}, 58 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := NewMemoryStore()
			clock := newFakeClock(t0)
			p := newTestProcessor(t, store, clock, nil)
			rule := RuleInfo{Name: "r", Staged: true, Outputs: []string{"o:x"}}
			if err := p.SetRules(ctx, []RuleInfo{rule}); err != nil {
				t.Fatal(err)
			}
			if tt.alertAt >= 0 {
				clock.Set(t0.Add(tt.alertAt))
				mustProcess(t, p, match(rule, "1", clock.Now(), map[string]any{}))
			}
			var promotedAt time.Duration = -1
			for _, at := range tt.checks {
				clock.Set(t0.Add(at))
				if r := mustTick(t, p); slices.Contains(r.Promoted, "r") {
					promotedAt = at
					break
				}
			}
			if promotedAt != tt.promoteAt {
				t.Fatalf("promoted at %s, want %s", promotedAt, tt.promoteAt)
			}
			if r := mustProcess(t, p, match(rule, "after", clock.Now(), map[string]any{})); r.Pending != 1 {
				t.Errorf("after auto promotion: %+v", r)
			}
		})
	}
}

func TestStaging_Digest(t *testing.T) {
	ctx := context.Background()
	store := NewMemoryStore()
	clock := newFakeClock(t0)
	p := newTestProcessor(t, store, clock, nil)
	staged := RuleInfo{Name: "staged_rule", Staged: true}
	live := RuleInfo{Name: "live_rule"}
	if err := p.SetRules(ctx, []RuleInfo{staged, live}); err != nil {
		t.Fatal(err)
	}
	mustProcess(t, p, match(staged, "old", t0, map[string]any{}))
	clock.Advance(30 * time.Hour)
	mustProcess(t, p, match(staged, "new1", clock.Now(), map[string]any{}), match(staged, "new2", clock.Now(), map[string]any{}), match(live, "x", clock.Now(), map[string]any{}))
	d, err := p.Digest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Rules) != 1 {
		t.Fatalf("digest rules %+v", d.Rules)
	}
	r := d.Rules[0]
	if r.Rule != "staged_rule" || r.Alerts != 3 || r.Last24h != 2 || !r.PromotesAt.Equal(clock.Now().Add(DefaultStagingPeriod)) {
		t.Errorf("digest %+v", r)
	}
	text := d.String()
	if !strings.Contains(text, "staged_rule: 3 alerts (2 in the last 24h)") {
		t.Errorf("digest text:\n%s", text)
	}
	a := d.Alert([]string{"slack:sec"})
	if a.ID != d.Alert(nil).ID || a.Status != StatusPending || a.Delivery["slack:sec"] == nil {
		t.Errorf("digest alert %+v", a)
	}
}

func TestStaging_UnstagedInConfigEndsStaging(t *testing.T) {
	ctx := context.Background()
	store := NewMemoryStore()
	p := newTestProcessor(t, store, newFakeClock(t0), nil)
	rule := RuleInfo{Name: "r", Staged: true, Outputs: []string{"o:x"}}
	mustProcess(t, p, match(rule, "1", t0, map[string]any{}))
	rule.Staged = false
	if r := mustProcess(t, p, match(rule, "2", t0, map[string]any{})); r.Pending != 1 {
		t.Errorf("rule no longer staged: %+v", r)
	}
	states, _ := p.RuleStates(ctx)
	if len(states) != 1 || states[0].Staged || states[0].PromotedBy != "config" {
		t.Errorf("states %+v", states)
	}
	if err := p.Stage(ctx, "r"); err != nil {
		t.Fatal(err)
	}
	if r := mustProcess(t, p, match(rule, "3", t0, map[string]any{})); r.Staged != 1 {
		t.Errorf("restaged: %+v", r)
	}
}

// TestStaging_StagedUntilPromotesWhenItComes: a rule staged until a time
// keeps its alerts staged before it and is promoted by the first tick
// after it, though the rule info it was given still says staged (a serve
// started before the time); the digest shows the time as its promotion.
func TestStaging_StagedUntilPromotesWhenItComes(t *testing.T) {
	ctx := context.Background()
	store := NewMemoryStore()
	clock := newFakeClock(t0)
	p := newTestProcessor(t, store, clock, nil)
	until := t0.Add(3 * time.Hour)
	rule := RuleInfo{Name: "until_rule", Staged: true, StagedUntil: until, Outputs: []string{"rec:out"}}
	if err := p.SetRules(ctx, []RuleInfo{rule}); err != nil {
		t.Fatal(err)
	}
	if r := mustProcess(t, p, match(rule, "1", t0, map[string]any{"x": 1})); r.Staged != 1 {
		t.Fatalf("before staged_until: %+v", r)
	}
	d, err := p.Digest(ctx)
	if err != nil || len(d.Rules) != 1 || !d.Rules[0].PromotesAt.Equal(until) {
		t.Fatalf("digest: %+v %v", d, err)
	}
	clock.Advance(2 * time.Hour)
	if res := mustTick(t, p); len(res.Promoted) != 0 {
		t.Fatalf("promoted before staged_until: %+v", res)
	}
	clock.Advance(time.Hour)
	if res := mustTick(t, p); !slices.Equal(res.Promoted, []string{"until_rule"}) {
		t.Fatalf("tick at staged_until promoted %v", res.Promoted)
	}
	states, _ := store.Rules(ctx)
	if len(states) != 1 || states[0].Staged || states[0].PromotedBy != "staged_until" {
		t.Fatalf("stored state: %+v", states)
	}
	if r := mustProcess(t, p, match(rule, "2", t0.Add(4*time.Hour), map[string]any{"x": 2})); r.Pending != 1 || r.Staged != 0 {
		t.Fatalf("after staged_until: %+v", r)
	}
}
