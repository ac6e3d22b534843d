package correlation

import (
	"container/heap"
	"encoding/json"
	"fmt"

	"github.com/streamalert/streamalert/rules"
)

// checkpointVersion changes when the checkpoint format does.
const checkpointVersion = 1

type checkpoint struct {
	Version int                  `json:"version"`
	Rules   map[string]ruleCheck `json:"rules"`
}

// ruleCheck is one rule's state. Timespan and type are kept so that a
// rule changed between checkpoint and restore starts afresh instead of
// reading state that means something else.
type ruleCheck struct {
	Signature string       `json:"signature"`
	Frontier  int64        `json:"frontier"`
	MaxSeen   int64        `json:"max_seen"`
	Pending   []*event     `json:"pending,omitempty"`
	Groups    []groupCheck `json:"groups,omitempty"` // least recently updated first
	Stats     Stats        `json:"stats"`
}

type groupCheck struct {
	Key    string     `json:"k"`
	Vals   []string   `json:"g"`
	Last   int64      `json:"last"`
	Events []*event   `json:"events,omitempty"`
	Sum    float64    `json:"sum,omitempty"`
	Best   []int64    `json:"best,omitempty"`
	Chain  [][]string `json:"chain,omitempty"`
}

func signature(r *rules.Rule) string { return r.Correlation.String() }

// Checkpoint returns the engine's state: pending events, groups and
// counters. Take it at the point of the input that a restart resumes
// from (with the lake commit); Restore on a new engine then continues as
// if there had been no restart.
func (e *Engine) Checkpoint() ([]byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	cp := checkpoint{Version: checkpointVersion, Rules: map[string]ruleCheck{}}
	for _, rs := range e.rules {
		rc := ruleCheck{Signature: signature(rs.rule), Frontier: rs.frontier, MaxSeen: rs.maxSeen,
			Pending: append([]*event(nil), rs.pending...), Stats: rs.stats}
		for f := rs.lru.Front(); f != nil; f = f.Next() {
			g := f.Value.(*group)
			rc.Groups = append(rc.Groups, groupCheck{Key: g.key, Vals: g.vals, Last: g.last, Events: g.events,
				Sum: g.sum, Best: g.best, Chain: g.chain})
		}
		cp.Rules[rs.rule.Name] = rc
	}
	return json.Marshal(cp)
}

// Restore replaces the engine's state with a checkpoint's. Rules the
// checkpoint does not hold, or holds with another definition, start
// empty; it returns the names of those.
func (e *Engine) Restore(data []byte) ([]string, error) {
	var cp checkpoint
	if err := json.Unmarshal(data, &cp); err != nil {
		return nil, fmt.Errorf("correlation: restore: %w", err)
	}
	if cp.Version != checkpointVersion {
		return nil, fmt.Errorf("correlation: restore: checkpoint version %d, want %d", cp.Version, checkpointVersion)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var fresh []string
	for i, rs := range e.rules {
		n := newRuleState(rs.rule, rs.opts)
		e.rules[i] = n
		for b, us := range e.uses {
			for j := range us {
				if us[j].rs == rs {
					e.uses[b][j].rs = n
				}
			}
		}
		rc, ok := cp.Rules[rs.rule.Name]
		if !ok || rc.Signature != signature(rs.rule) {
			fresh = append(fresh, rs.rule.Name)
			continue
		}
		if err := rc.check(n.c); err != nil {
			return nil, fmt.Errorf("correlation: restore: rule %s: %w", rs.rule.Name, err)
		}
		n.frontier, n.maxSeen, n.stats = rc.Frontier, rc.MaxSeen, rc.Stats
		for _, ev := range rc.Pending {
			n.pendingIDs[ev.Key+"\x00"+ev.ID] = true
			n.pending = append(n.pending, ev)
		}
		heap.Init(&n.pending)
		for _, gc := range rc.Groups {
			g := newGroup(gc.Key, gc.Vals, n.c)
			g.last = gc.Last
			if gc.Best != nil {
				g.best, g.chain = gc.Best, gc.Chain
			}
			for _, ev := range gc.Events {
				g.insert(n.c, ev)
			}
			g.sum = gc.Sum
			n.groups[g.key] = g
			g.elem = n.lru.PushBack(g)
		}
	}
	return fresh, nil
}

// check rejects state that the rule's definition cannot hold.
func (rc ruleCheck) check(c *rules.Correlation) error {
	for _, ev := range rc.Pending {
		if ev == nil {
			return fmt.Errorf("an empty pending event")
		}
	}
	for _, g := range rc.Groups {
		if len(g.Vals) != len(c.GroupBy) {
			return fmt.Errorf("group %q has %d values, want %d", g.Key, len(g.Vals), len(c.GroupBy))
		}
		for _, ev := range g.Events {
			if ev == nil {
				return fmt.Errorf("group %q: an empty event", g.Key)
			}
		}
		if c.Type == rules.TemporalOrdered && (len(g.Best) != len(c.Bases) || len(g.Chain) != len(c.Bases)) {
			return fmt.Errorf("group %q: %d sequence steps, want %d", g.Key, len(g.Best), len(c.Bases))
		}
	}
	return nil
}
