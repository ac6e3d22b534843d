package config

import (
	"io/fs"

	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// rules loads the rules that run: the built-in pack (unless rules.pack is
// false in global.yaml) and every rule file under the config's rules/,
// less the rules named in rules.disabled and those with enabled: false.
// File names in problems are relative to the config directory.
func (c *Config) rules(reg *schema.Registry) (*rules.Set, Problems) {
	var ps Problems
	var sets []*rules.Set
	if c.Global.Rules.Pack {
		pack, errs := rules.Pack(reg)
		for _, err := range errs {
			ps.addErr("rules", err)
		}
		sets = append(sets, pack)
	}
	if c.FS == nil {
		// The config directory was not found; Load reported it.
	} else if sub, err := fs.Sub(c.FS, "rules"); err == nil {
		if _, err := fs.Stat(sub, "."); err == nil {
			own, errs := rules.LoadFS(sub, "rules", reg)
			for _, err := range errs {
				ps.addErr("rules", err)
			}
			sets = append(sets, own)
		}
	}
	set, errs := rules.Merge(sets...)
	for _, err := range errs {
		ps.addErr("rules", err)
	}
	disabled := map[string]bool{}
	for _, name := range c.Global.Rules.Disabled {
		if set.Get(name) == nil {
			ps.add("global.yaml", 0, "rules.disabled names %q, which is not a rule", name)
		}
		disabled[name] = true
	}
	set = set.Filter(func(r *rules.Rule) bool { return r.Enabled && !disabled[r.Name] })
	return set, ps
}

// testEvents loads the config's rule test-event files (rules/tests/).
func (c *Config) testEvents() ([]rules.TestEvent, Problems) {
	var ps Problems
	if c.FS == nil {
		return nil, nil
	}
	sub, err := fs.Sub(c.FS, "rules/tests")
	if err != nil {
		return nil, nil
	}
	if _, err := fs.Stat(sub, "."); err != nil {
		return nil, nil
	}
	evs, errs := rules.LoadTestEvents(sub, "rules/tests")
	for _, err := range errs {
		ps.addErr("rules/tests", err)
	}
	return evs, ps
}
