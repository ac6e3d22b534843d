package queries

import (
	"fmt"
	"strings"

	"github.com/streamalert/streamalert/rules"
)

// RuleHuntPrefix starts the name of a scheduled rule's hunt ("rule." and
// the rule's name): hunt names have no dot, so the two never clash, and
// the run store keeps the rule's runs apart.
const RuleHuntPrefix = "rule."

// RuleHunts returns a hunt for each rule that sets schedule: its SQL is
// the rule compiled for each window, widened back by the rule's
// schedule_overlap, selecting the fixed columns (rule, log type, record
// id, event time, dt) — so its rows become the rule's alerts with the
// streaming alerts' ids (scheduler.Output.Matches). A schedule that does
// not parse is an error at its file:line.
func RuleHunts(rs []*rules.Rule, reg rules.LogTypes) ([]*Hunt, []error) {
	var out []*Hunt
	var errs []error
	for _, r := range rs {
		if r.Schedule == "" || !r.Enabled {
			continue
		}
		sch, err := ParseSchedule(r.Schedule)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: rule %s: schedule: %w", r.File, r.ScheduleLine, r.Name, err))
			continue
		}
		if r.Correlation != nil {
			errs = append(errs, fmt.Errorf("%s:%d: rule %s: a correlation rule cannot be scheduled", r.File, r.ScheduleLine, r.Name))
			continue
		}
		out = append(out, &Hunt{Name: RuleHuntPrefix + r.Name, Description: r.Description, Schedule: sch,
			Lookback: r.ScheduleOverlap, Severity: r.Severity, File: r.File, Line: r.Line, Rule: r, rules: reg})
	}
	return out, errs
}

// renderRule is RenderRange of a scheduled rule: its statement over the
// window widened back by the overlap, with the hunts' late arrival bound.
func (h *Hunt) renderRule(d Dialect, rng TimeRange) (string, error) {
	rng.From = rng.From.Add(-h.Lookback)
	if rng.Late == 0 {
		rng.Late = HuntLate
	}
	q, err := Compile(h.Rule, h.rules, d, rng)
	if err != nil {
		return "", fmt.Errorf("rule %s: %w", h.Rule.Name, err)
	}
	cols := make([]string, len(FixedColumns))
	for i, c := range FixedColumns {
		cols[i] = `m."` + c + `"`
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM (" + q.SQL + ") AS m", nil
}
