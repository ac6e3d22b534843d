package rules

import (
	"slices"
	"testing"
)

// TestPackTestEventsFor_DropsEventsOfDisabledRules: with every pack rule
// the policy keeps every pack event; with one rule disabled it drops
// exactly the events that expect that rule.
func TestPackTestEventsFor_DropsEventsOfDisabledRules(t *testing.T) {
	pack := loadPack(t)
	all, errs := PackTestEvents()
	if len(errs) > 0 || len(all) == 0 {
		t.Fatalf("pack test events: %d, errors %v", len(all), errs)
	}
	got, err := PackTestEventsFor(pack)
	if err != nil || len(got) != len(all) {
		t.Fatalf("full pack: %d events (%v), want %d", len(got), err, len(all))
	}
	var disabled string
	for _, ev := range all {
		if len(ev.Rules) > 0 {
			disabled = ev.Rules[0]
			break
		}
	}
	if disabled == "" {
		t.Fatal("no pack test event expects a rule")
	}
	want := 0
	for _, ev := range all {
		if !slices.Contains(ev.Rules, disabled) {
			want++
		}
	}
	got, err = PackTestEventsFor(pack.Filter(func(r *Rule) bool { return r.Name != disabled }))
	if err != nil || len(got) != want {
		t.Fatalf("without %s: %d events (%v), want %d", disabled, len(got), err, want)
	}
	for _, ev := range got {
		if slices.Contains(ev.Rules, disabled) {
			t.Errorf("event %s:%d expects disabled rule %s and was kept", ev.File, ev.Line, disabled)
		}
	}
}
