package config

import (
	"io/fs"
	"os"
	"path/filepath"

	"github.com/streamalert/streamalert/queries"
	"github.com/streamalert/streamalert/schema"
)

// LogTypes loads the log type registry of the config: the built-in types
// plus the definitions under schemas/. Problems name file and line.
func (c *Config) LogTypes() (*schema.Registry, Problems) {
	var ps Problems
	dir := ""
	if c.Dir != "" {
		dir = filepath.Join(c.Dir, "schemas")
		if _, err := os.Stat(dir); err != nil {
			dir = ""
		}
	} else if c.FS == nil {
		// no config directory: built-in types only
	} else if _, err := fs.Stat(c.FS, "schemas"); err == nil && len(c.Files("schemas", ".yaml", ".yml")) > 0 {
		ps.add("schemas", 0, "user schemas in the embedded config are not supported")
	}
	reg, errs := schema.LoadRegistry(dir)
	for _, err := range errs {
		ps.addErr("schemas", err)
	}
	return reg, ps
}

// Validate loads everything the config names and checks every cross
// reference: log types of sources, schema definitions and rule outputs.
// It returns every problem found, sorted by file and line.
func Validate(c *Config, loadProblems Problems) Problems {
	ps := append(Problems{}, loadProblems...)
	reg, lps := c.LogTypes()
	ps = append(ps, lps...)
	if reg != nil {
		ps = append(ps, c.CheckLogTypes(func(p string) bool {
			types, err := reg.Select([]string{p})
			return err == nil && len(types) > 0
		})...)
	}
	if reg != nil {
		_, rps := c.Rules(reg)
		ps = append(ps, rps...)
		_, tps := c.TestEvents()
		ps = append(ps, tps...)
	}
	ps = append(ps, c.CheckRuleOutputs()...)
	if c.FS != nil {
		_, errs := queries.LoadHunts(c.FS, "hunts")
		for _, err := range errs {
			ps.addErr("hunts", err)
		}
	}
	ps.Sort()
	return ps
}
