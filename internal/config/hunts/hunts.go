// Package hunts checks the hunt packs of a config. It sits apart from
// internal/config because loading a hunt compiles its SQL: the Lambda
// functions link internal/config and must not link the SQL compiler.
package hunts

import (
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/queries"
)

// Check reports every problem of the hunt files under the config's hunts/,
// with file:line. It is a config.Check for config.Validate.
func Check(c *config.Config) config.Problems {
	if c.FS == nil {
		return nil
	}
	_, errs := queries.LoadHunts(c.FS, "hunts")
	return config.ProblemsOf("hunts", errs)
}
