package main

import (
	"context"
	"os"

	"github.com/streamalert/streamalert/alerts"
)

// ruleStates returns the staging state the data directory's alert store
// keeps for each rule (through serve while it runs). No store yet: nil.
func (g *globals) ruleStates(ctx context.Context, data string) (map[string]alerts.RuleState, error) {
	cfg, err := g.loadConfig()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(alerts.DefaultStorePath(dataDir(data, cfg))); err != nil {
		return nil, nil
	}
	_, st, rc, _, err := g.openStore(data)
	if err != nil {
		return nil, err
	}
	var states []alerts.RuleState
	if rc != nil {
		states, err = rc.RuleStates(ctx)
	} else {
		defer st.Close()
		states, err = st.Rules(ctx)
	}
	if err != nil {
		return nil, err
	}
	out := make(map[string]alerts.RuleState, len(states))
	for _, s := range states {
		out[s.Rule] = s
	}
	return out, nil
}
