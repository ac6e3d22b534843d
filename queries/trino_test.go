package queries

import (
	"testing"

	"github.com/streamalert/streamalert/internal/trinotest"
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
	trinotest.New(t).Require(t, names, stmts)
	t.Logf("%d Athena statements checked", len(stmts))
}
