package queries

import (
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/internal/sqlgrammar"
	"github.com/streamalert/streamalert/rules"
)

// TestRuleHunts_PartitionBoundsAndGrammar: every rule of the suite, given
// a schedule and an overlap, renders for a window with a dt bound beside
// each table within the window's partitions (the overlap included), and
// the Athena statement around the rule's passes the Trino grammar.
func TestRuleHunts_PartitionBoundsAndGrammar(t *testing.T) {
	reg := testRegistry(t)
	tables := map[string]bool{}
	for _, lt := range reg.All() {
		tables[lt.Table()] = true
	}
	isTable := func(s string) bool { return tables[s] }
	var rs []*rules.Rule
	for _, r := range allRules(t, reg) {
		if r.Correlation != nil {
			continue
		}
		c := *r
		c.Enabled, c.Schedule, c.ScheduleOverlap = true, "1h", 15*time.Minute
		rs = append(rs, &c)
	}
	hs, errs := RuleHunts(rs, reg)
	if len(errs) > 0 || len(hs) != len(rs) {
		t.Fatalf("%d hunts of %d rules: %v", len(hs), len(rs), errs)
	}
	end := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var athena []string
	for _, h := range hs {
		if !strings.HasPrefix(h.Name, RuleHuntPrefix) || h.Rule == nil {
			t.Fatalf("hunt %s", h.Name)
		}
		start, _ := h.Schedule.Window(end)
		rng := TimeRange{From: start, To: end}
		from, to := h.Partitions(rng)
		if from != "2024-05-01-09" || to != "2024-05-01-13" {
			t.Fatalf("%s reads %s to %s, want 09 (window, overlap, skew) to 13 (late)", h.Name, from, to)
		}
		for _, d := range []Dialect{Athena, DuckDB} {
			sql, err := h.RenderRange(d, rng, nil)
			if err != nil {
				t.Fatal(err)
			}
			requireBounds(t, h.Name+" ("+d.String()+")", sql, from, to, isTable)
			// The inner statements are TestAthena_TrinoGrammar's; a few
			// show the wrapper parses.
			if d == Athena && len(athena) < 5 {
				athena = append(athena, sql)
			}
		}
	}
	for i, errs := range sqlgrammar.Check(t, sqlgrammar.Trino, athena) {
		if len(errs) > 0 {
			t.Errorf("%s: %v\n%s", hs[i].Name, errs, athena[i])
		}
	}
}
