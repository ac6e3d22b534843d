// Package hunts checks the hunt packs of a config. It sits apart from
// internal/config because loading a hunt compiles its SQL: the Lambda
// functions link internal/config and must not link the SQL compiler.
package hunts

import (
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/queries"
)

// Check reports every problem Resolve finds in the hunts that would run —
// the hunt files under hunts/, a config hunt reusing a pack hunt's name,
// historical.yaml's hunt settings naming no hunt, a schedule or param
// override that does not parse, a rule's schedule that does not parse —
// with file:line. It is a config.Check for
// config.Validate; the rest of historical.yaml is checked by config's own
// resolver, so its problems are not repeated here.
func Check(c *config.Config) config.Problems {
	hist, _ := c.Historical()
	_, ps := resolve(c, hist)
	// Rules' schedules are read where the SQL is; the rules' own problems
	// are the config resolver's.
	if r, err := config.Resolve(c, config.Parts{Rules: true}); err == nil {
		_, errs := queries.RuleHunts(r.Rules.Rules(), r.Registry)
		ps = append(ps, config.ProblemsOf("rules", errs)...)
	}
	return ps
}
