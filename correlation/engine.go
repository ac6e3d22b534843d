package correlation

import (
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// Options bound an Engine's memory and its patience with late records.
type Options struct {
	// Lateness is how far behind the latest event time a rule has seen an
	// event may arrive and still be evaluated in order. Zero means
	// DefaultLateness; negative means none.
	Lateness time.Duration
	// MaxGroups is the most groups a rule keeps; zero means
	// DefaultMaxGroups.
	MaxGroups int
	// MaxRecordIDs is the most contributing record ids an alert carries
	// (the latest ones); zero means DefaultMaxRecordIDs.
	MaxRecordIDs int
}

// Defaults of Options.
const (
	DefaultLateness     = 5 * time.Minute
	DefaultMaxGroups    = 100_000
	DefaultMaxRecordIDs = 100
)

func (o Options) withDefaults() Options {
	switch {
	case o.Lateness == 0:
		o.Lateness = DefaultLateness
	case o.Lateness < 0:
		o.Lateness = 0
	}
	if o.MaxGroups <= 0 {
		o.MaxGroups = DefaultMaxGroups
	}
	if o.MaxRecordIDs <= 0 {
		o.MaxRecordIDs = DefaultMaxRecordIDs
	}
	return o
}

// Alert is one crossing of a correlation rule's condition by a group.
type Alert struct {
	// ID is stable: the same rule, group and crossing event give the same
	// id, so an alert fired again after a restart is a duplicate.
	ID   string
	Rule *rules.Rule
	// Group holds the group-by values, in the order of the rule's
	// group-by list.
	Group []string
	// WindowStart and WindowEnd bound the window that crossed:
	// [WindowEnd − timespan, WindowEnd], WindowEnd the crossing event's
	// time.
	WindowStart, WindowEnd time.Time
	// RecordID is the record whose event made the condition hold.
	RecordID string
	// RecordIDs are the window's contributing records, oldest first (for
	// temporal_ordered: the matched sequence), at most
	// Options.MaxRecordIDs of the latest.
	RecordIDs []string
	// Value is what the condition held for: the count, distinct count,
	// sum, average or number of rules.
	Value float64
}

// GroupValues returns the alert's group as group-by field → value.
func (a Alert) GroupValues() map[string]string {
	out := make(map[string]string, len(a.Group))
	for i, g := range a.Rule.Correlation.GroupBy {
		out[g] = a.Group[i]
	}
	return out
}

// Stats are a rule's counters.
type Stats struct {
	Rule    string
	Groups  int   // groups held now
	Pending int   // events waiting for the frontier
	Events  int64 // events evaluated
	Alerts  int64
	Late    int64 // events that arrived behind the frontier, left out
	Evicted int64 // groups evicted by MaxGroups
	// NoGroup counts records a base rule matched that lacked a group-by
	// field (or the value field), which therefore belong to no group.
	NoGroup int64
}

// Engine runs correlation rules over records. It is safe for concurrent
// use; records are evaluated one at a time.
type Engine struct {
	opts    Options
	matcher *rules.Matcher
	// uses maps a base rule (the matcher's copy) to the rules it feeds.
	uses  map[*rules.Rule][]use
	rules []*ruleState

	mu      sync.Mutex
	touched []*ruleState
}

// use is one base rule of one correlation rule.
type use struct {
	rs   *ruleState
	base int // index in the rule's Bases
}

// New builds an engine for the correlation rules (Set.Correlations).
func New(corrs []*rules.Rule, opts Options) (*Engine, error) {
	opts = opts.withDefaults()
	e := &Engine{opts: opts, uses: map[*rules.Rule][]use{}}
	copies := map[*rules.Rule]*rules.Rule{}
	var bases []*rules.Rule
	for _, r := range corrs {
		if r.Correlation == nil || len(r.Correlation.Bases) == 0 {
			return nil, fmt.Errorf("correlation: rule %s is not a linked correlation rule", r.Name)
		}
		rs := newRuleState(r, opts)
		e.rules = append(e.rules, rs)
		for i, b := range r.Correlation.Bases {
			cp, ok := copies[b]
			if !ok {
				c := *b
				// The matcher needs unique names; base rules of several
				// loads may share one.
				c.Name = "base_" + strconv.Itoa(len(bases))
				c.Enabled = true
				cp = &c
				copies[b] = cp
				bases = append(bases, cp)
			}
			e.uses[cp] = append(e.uses[cp], use{rs: rs, base: i})
		}
	}
	set, errs := rules.NewSet(bases...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("correlation: base rules: %v", errs)
	}
	e.matcher = rules.NewMatcher(set)
	return e, nil
}

// Observe runs the base rules on rec and feeds its events to the rules
// they belong to; it returns the alerts the events that passed the
// frontier fired.
func (e *Engine) Observe(rec *schema.Record) []Alert {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.touched = e.touched[:0]
	e.matcher.Match(rec, func(b *rules.Rule, _ rules.Match) {
		for _, u := range e.uses[b] {
			if u.rs.matched == 0 {
				e.touched = append(e.touched, u.rs)
			}
			u.rs.matched |= 1 << uint(u.base)
		}
	})
	var out []Alert
	for _, rs := range e.touched {
		out = rs.observe(rec, out)
		rs.matched = 0
	}
	return out
}

// Flush evaluates every pending event, as at the end of the input, and
// returns the alerts fired. Events that arrive afterwards with earlier
// times are late.
func (e *Engine) Flush() []Alert {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Alert
	for _, rs := range e.rules {
		out = rs.flush(out)
	}
	return out
}

// Stats returns each rule's counters, in rule name order.
func (e *Engine) Stats() []Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Stats, len(e.rules))
	for i, rs := range e.rules {
		out[i] = rs.stats
		out[i].Rule = rs.rule.Name
		out[i].Groups = len(rs.groups)
		out[i].Pending = rs.pending.Len()
	}
	return out
}
