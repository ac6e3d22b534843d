package rules

import (
	"testing"

	"github.com/streamalert/streamalert/schema"
)

// packMinCorrelations is the number of correlation rules the pack promises.
const packMinCorrelations = 10

func TestPack_CorrelationRules(t *testing.T) {
	set := loadPack(t)
	if n := len(set.Correlations()); n < packMinCorrelations {
		t.Errorf("the pack has %d correlation rules, want at least %d", n, packMinCorrelations)
	}
	types := map[CorrelationType]bool{}
	logTypes := map[string]bool{}
	for _, r := range set.Correlations() {
		types[r.Correlation.Type] = true
		for _, n := range r.LogTypeNames() {
			logTypes[n] = true
		}
		if r.Title == "" || r.Description == "" || r.Runbook == "" || r.Format != Native {
			t.Errorf("%s: needs a title, a description and a runbook, and the native format", r.Name)
		}
		tech := false
		for _, tag := range r.Tags {
			tech = tech || attackTechnique.MatchString(tag)
		}
		if !tech {
			t.Errorf("%s: tags %v name no ATT&CK technique", r.Name, r.Tags)
		}
	}
	for _, ty := range []CorrelationType{EventCount, ValueCount, ValueSum, TemporalOrdered} {
		if !types[ty] {
			t.Errorf("no pack correlation rule of type %s", ty)
		}
	}
	if len(logTypes) < 4 {
		t.Errorf("pack correlation rules cover log types %v, want at least 4", logTypes)
	}
	// Every base rule only feeds correlations, and its inline tests (one
	// match, one non-match at least) pass through the classifier.
	feed := set.FeedOnly()
	if len(feed) == 0 {
		t.Fatal("no feed-only base rules")
	}
	for _, b := range feed {
		var match, noMatch bool
		for _, tc := range b.Tests {
			match, noMatch = match || tc.Expect, noMatch || !tc.Expect
		}
		if !match || !noMatch {
			t.Errorf("base rule %s: needs a matching and a non-matching test", b.Name)
		}
	}
	res := (&Tester{Set: set, Registry: schema.Builtin()}).Run(nil)
	ran := map[string]int{}
	for _, r := range res {
		ran[r.Rule]++
		if !r.Pass {
			t.Errorf("%s: %s: %s", r.Rule, r.Name, r.Diff)
		}
	}
	for _, b := range feed {
		if ran[b.Name] != len(b.Tests) {
			t.Errorf("base rule %s: %d of %d tests ran", b.Name, ran[b.Name], len(b.Tests))
		}
	}
}
