package rules

import (
	"fmt"
	"testing"
)

func TestDuplicates_SameDetectionAndLogTypesInAnyOrder(t *testing.T) {
	reg := testTypes(t)
	doc := func(name, logs, detection string) string {
		return fmt.Sprintf("name: %s\nlogs: [%s]\ndetection:\n%s", name, logs, detection)
	}
	rules := []string{
		doc("a", "test:events", "  sel: {name: x, cmd: y}\n  condition: sel\n"),
		// the same selection, keys in another order: a copy of a
		doc("b", "test:events", "  sel: {cmd: y, name: x}\n  condition: sel\n"),
		// the same, split into two selections joined by and: a copy too
		doc("c", "test:events", "  one: {cmd: y}\n  two: {name: x}\n  condition: two and one\n"),
		// one more condition: not a copy
		doc("d", "test:events", "  sel: {name: x, cmd: y, other: z}\n  condition: sel\n"),
		// or instead of and: not a copy
		doc("e", "test:events", "  one: {cmd: y}\n  two: {name: x}\n  condition: one or two\n"),
	}
	var rs []*Rule
	for i, d := range rules {
		r, errs := loadRule(t, reg, d)
		if len(errs) > 0 {
			t.Fatalf("rule %d: %v", i, errs)
		}
		r.Line = i + 1
		rs = append(rs, r)
	}
	set, errs := NewSet(rs...)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	got := map[string]string{}
	for _, d := range Duplicates(set) {
		got[d.Rule.Name] = d.Of.Name
	}
	want := map[string]string{"b": "a", "c": "a"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Duplicates = %v, want %v", got, want)
	}
}
