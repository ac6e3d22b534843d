package config

import (
	"errors"
	"strings"
	"testing"
)

// TestResolve_PartsAndOneErrorFormat: Resolve builds the parts asked for
// and no more, so a broken rule file fails only what needs rules, and
// every failure is one *ProblemsError naming the config and file:line.
func TestResolve_PartsAndOneErrorFormat(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"rules/broken.yaml": "name: broken\nlogs: [cloudtrail:events]\ndetection:\n  sel:\n    eventName|sounds_like: x\n  condition: sel\n",
	})
	cfg, ps := LoadDir(dir)
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	r, err := Resolve(cfg, Parts{})
	if err != nil {
		t.Fatalf("log types only: %v", err)
	}
	if r.Registry.Get("cloudtrail:events") == nil || r.Rules != nil || r.TestEvents != nil {
		t.Errorf("Parts{}: registry %v, rules %v, test events %d", r.Registry != nil, r.Rules, len(r.TestEvents))
	}
	for _, s := range cfg.Sources {
		if len(r.SourceTypes[s.Name]) == 0 {
			t.Errorf("source %s has no log types resolved", s.Name)
		}
	}
	_, err = Resolve(cfg, Parts{Rules: true})
	var pe *ProblemsError
	if !errors.As(err, &pe) {
		t.Fatalf("a broken rule: %v, want a *ProblemsError", err)
	}
	if len(pe.Problems) != 1 || pe.Problems[0].File != "rules/broken.yaml" || pe.Problems[0].Line != 5 {
		t.Errorf("problems %v, want one at rules/broken.yaml:5", pe.Problems)
	}
	if want := "config " + dir + " has problems (run `streamalert validate`):\nrules/broken.yaml:5: "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want it to start %q", err, want)
	}
}

// TestResolve_TestEventsFollowDisabledRules: with the pack on, Resolve
// adds the pack's test events, less those of a rule the config disables.
func TestResolve_TestEventsFollowDisabledRules(t *testing.T) {
	cfg, ps := Load(Example(), "")
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	all, err := Resolve(cfg, All)
	if err != nil {
		t.Fatal(err)
	}
	disabled := ""
	for _, ev := range all.TestEvents {
		if strings.HasPrefix(ev.File, "pack/") && len(ev.Rules) > 0 {
			disabled = ev.Rules[0]
			break
		}
	}
	if disabled == "" {
		t.Fatal("no pack test event expects a rule")
	}
	cfg.Global.Rules.Disabled = []string{disabled}
	less, err := Resolve(cfg, All)
	if err != nil {
		t.Fatal(err)
	}
	if less.Rules.Get(disabled) != nil || len(less.TestEvents) >= len(all.TestEvents) {
		t.Errorf("disabling %s: rule kept %v, test events %d of %d", disabled, less.Rules.Get(disabled) != nil, len(less.TestEvents), len(all.TestEvents))
	}
	for _, ev := range less.TestEvents {
		for _, name := range ev.Rules {
			if name == disabled {
				t.Errorf("test event %s:%d still expects the disabled rule", ev.File, ev.Line)
			}
		}
	}
}
