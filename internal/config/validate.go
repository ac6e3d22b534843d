package config

import (
	"sort"
	"strings"

	"github.com/streamalert/streamalert/alerts"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// logTypes loads the log type registry of the config: the built-in types
// plus the definitions under schemas/. Problems name file and line.
func (c *Config) logTypes() (*schema.Registry, Problems) {
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

// Check is a further check of a config, for objects resolved by packages
// the Lambda functions must not link (hunts need the SQL compiler).
type Check func(c *Config) Problems

// Validate resolves everything the config names and checks every cross
// reference: log types of sources, schema definitions, rules and rule
// outputs, deploy.yaml (the AWS deployment's settings, checked against
// the sources), then runs checks. It returns every problem found, sorted by
// file and line.
func Validate(c *Config, loadProblems Problems, checks ...Check) Problems {
	ps := append(Problems{}, loadProblems...)
	_, rps := resolve(c, All)
	ps = append(ps, rps...)
	ps = append(ps, c.CheckRuleOutputs()...)
	ps = append(ps, c.CheckOutputs()...)
	_, dps := c.Deploy()
	ps = append(ps, dps...)
	for _, check := range checks {
		ps = append(ps, check(c)...)
	}
	ps.Sort()
	return ps
}

// CheckOutputs reports outputs of an unknown service, settings the service
// does not take, and required settings that are missing. Secrets are not
// checked here: they are stored apart (`streamalert outputs set`), and
// `streamalert outputs list` shows which are missing.
func (c *Config) CheckOutputs() Problems {
	var ps Problems
	for _, o := range c.Outputs {
		svc, ok := alerts.LookupService(o.Service)
		if !ok {
			ps.add(o.File, o.Line, "output %s: unknown service %q (see `streamalert outputs list --all`)", o.Name, o.Service)
			continue
		}
		known := map[string]bool{}
		for _, st := range svc.Settings {
			known[st.Name] = true
			if st.Required && o.Settings[st.Name] == "" {
				ps.add(o.File, o.Line, "output %s: setting %s is required (%s)", o.Name, st.Name, st.Doc)
			}
		}
		for _, k := range sortedKeys(o.Settings) {
			if !known[k] && !strings.HasPrefix(k, "template.") {
				ps.add(o.File, o.Line, "output %s: %s takes no setting %q", o.Name, o.Service, k)
			}
		}
	}
	return ps
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Summary is what Validate looked at, and what it found that is worth a
// warning but does not make the config invalid.
type Summary struct {
	LogTypes  int // built in and the config's own
	Rules     int // rules that run
	PackRules int // of those, from the built-in pack
	Sources   int
	Outputs   int
	// Warnings: rules that repeat another rule's detection on the same
	// log types (each record would alert twice).
	Warnings Problems
}

// Summarize resolves c's log types and rules and counts them, with a
// warning for every rule that duplicates another. Problems are Validate's
// business; Summarize counts what resolved.
func Summarize(c *Config) Summary {
	r, _ := resolve(c, Parts{Rules: true})
	s := Summary{Sources: len(c.Sources), Outputs: len(c.Outputs)}
	if r.Registry != nil {
		s.LogTypes = len(r.Registry.All())
	}
	if r.Rules == nil {
		return s
	}
	for _, rule := range r.Rules.Rules() {
		s.Rules++
		if strings.HasPrefix(rule.File, "pack/") {
			s.PackRules++
		}
	}
	for _, d := range rules.Duplicates(r.Rules) {
		file := d.Rule.File
		if strings.HasPrefix(file, "pack/") {
			file = "rules"
		}
		s.Warnings.add(file, d.Rule.Line, "rule %s has the same detection and log types as %s (%s:%d): every record it matches alerts twice; disable one (rules.disabled in global.yaml) or change it",
			d.Rule.Name, d.Of.Name, d.Of.File, d.Of.Line)
	}
	s.Warnings.Sort()
	return s
}
