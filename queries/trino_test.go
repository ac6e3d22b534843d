package queries

import (
	"testing"

	"github.com/streamalert/streamalert/internal/sqlgrammar"
)

// TestAthena_TrinoGrammar checks every Athena statement the compiler
// writes for the pack, the Sigma CloudTrail rules and the test rules.
func TestAthena_TrinoGrammar(t *testing.T) {
	reg := testRegistry(t)
	var stmts, names []string
	for i, r := range allRules(t, reg) {
		rngs := []TimeRange{goldenRange}
		if i == 0 {
			rngs = append(rngs, TimeRange{}) // the open range only drops conditions
		}
		for _, rng := range rngs {
			q, err := Compile(r, reg, Athena, rng)
			if err != nil {
				t.Errorf("%s: %v", r.Name, err)
				continue
			}
			stmts = append(stmts, q.SQL)
			names = append(names, r.Name)
		}
	}
	// Controls: the checker must reject what Trino rejects.
	controls := []string{
		"SELECT * FROM t WHERE x ILIKE 'a'",
		"SELECT * FROM t WHERE (x = 'a') IS TRUE",
		"SELECT * FROM t WHERE x = 'a",
	}
	res := sqlgrammar.Check(t, sqlgrammar.Trino, append(stmts, controls...))
	for i, errs := range res[:len(stmts)] {
		if len(errs) > 0 {
			t.Errorf("%s: Athena statement does not parse as Trino: %+v\n%s", names[i], errs, stmts[i])
		}
	}
	for i, errs := range res[len(stmts):] {
		if len(errs) == 0 {
			t.Errorf("the checker accepted %q", controls[i])
		}
	}
	t.Logf("%d Athena statements checked", len(stmts))
}
