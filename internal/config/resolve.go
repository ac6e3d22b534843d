package config

import (
	"fmt"
	"maps"
	"path/filepath"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// Resolved is a config turned into the objects that run. It is built by
// Resolve, the one place that loads log types, rules and sources; serve,
// the Lambda functions and every command start from it. Hunts, IOC sets and
// lookups join as further parts; what needs a package the Lambdas must not
// link (the SQL compiler) is checked through a Check, as hunts are.
type Resolved struct {
	Config   *Config
	Registry *schema.Registry
	// SourceTypes holds the log types each configured source may carry,
	// by source name.
	SourceTypes map[string][]*schema.LogType
	// Rules is the rule set that runs (nil unless Parts.Rules).
	Rules *rules.Set
	// TestEvents are the config's rule test events and, when the pack is
	// on, the pack's events whose rules run (nil unless Parts.TestEvents).
	TestEvents []rules.TestEvent
}

// Parts says what Resolve builds beyond the log types and sources, which
// it always resolves. A command that only reads log types does not fail on
// a broken rule file.
type Parts struct {
	Rules      bool
	TestEvents bool // implies Rules
}

// All is every part Resolve can build.
var All = Parts{Rules: true, TestEvents: true}

// Resolve builds the running objects of cfg. Every problem found is in
// the one error it returns, each with file:line where there is one.
func Resolve(cfg *Config, parts Parts) (*Resolved, error) {
	r, ps := resolve(cfg, parts)
	if len(ps) > 0 {
		ps.Sort()
		return nil, &ProblemsError{Where: cfg.where(), Problems: ps}
	}
	return r, nil
}

// ProblemsError is the error of Resolve: every problem of a config.
type ProblemsError struct {
	Where    string // "config DIR" or "the embedded default config"
	Problems Problems
}

func (e *ProblemsError) Error() string {
	return fmt.Sprintf("%s has problems (run `streamalert validate`):\n%v", e.Where, e.Problems.Err())
}

// resolve builds what it can and returns every problem on the way;
// Validate reports them all.
func resolve(cfg *Config, parts Parts) (*Resolved, Problems) {
	r := &Resolved{Config: cfg, SourceTypes: map[string][]*schema.LogType{}}
	reg, ps := cfg.logTypes()
	r.Registry = reg
	if reg == nil {
		return r, ps
	}
	ps = append(ps, cfg.CheckLogTypes(func(p string) bool {
		types, err := reg.Select([]string{p})
		return err == nil && len(types) > 0
	})...)
	for _, s := range cfg.Sources {
		if types, err := reg.Select(s.LogTypes); err == nil {
			r.SourceTypes[s.Name] = types
		}
	}
	if parts.Rules || parts.TestEvents {
		set, rps := cfg.rules(reg)
		r.Rules = set
		ps = append(ps, rps...)
	}
	if parts.TestEvents {
		events, tps := cfg.testEvents()
		ps = append(ps, tps...)
		if cfg.Global.Rules.Pack {
			pack, err := rules.PackTestEventsFor(r.Rules)
			if err != nil {
				ps.addErr("rules", err)
			}
			events = append(events, pack...)
		}
		r.TestEvents = events
	}
	return r, ps
}

// where names the config in messages.
func (c *Config) where() string {
	if c.Dir == "" {
		return "the embedded default config"
	}
	return "config " + c.Dir
}

// OutputConfigs converts the configured outputs for the alerts package. A
// file output's relative path is taken inside dataDir. Building them is
// left to the deployment, which knows where the credentials are.
func (c *Config) OutputConfigs(dataDir string) []alerts.OutputConfig {
	out := make([]alerts.OutputConfig, 0, len(c.Outputs))
	for _, o := range c.Outputs {
		settings := o.Settings
		if p := settings["path"]; o.Service == "file" && p != "" && !filepath.IsAbs(p) {
			settings = maps.Clone(settings)
			settings["path"] = filepath.Join(dataDir, p)
		}
		out = append(out, alerts.OutputConfig{Name: o.Name, Service: o.Service, Settings: settings})
	}
	return out
}
