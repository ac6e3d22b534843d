package alerts

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Promote ends the staging of a rule: its next alerts go to its outputs.
// With release, the alerts it raised while staged are made pending too,
// so they are delivered; without, they stay staged (listable only).
// Promoting a rule the processor has not seen yet records the promotion,
// so the rule is never staged later. It returns how many alerts were
// released.
func (p *Processor) Promote(ctx context.Context, rule string, release bool) (int, error) {
	if rule == "" {
		return 0, fmt.Errorf("promote: empty rule name")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.load(ctx); err != nil {
		return 0, err
	}
	now := p.now()
	e := p.entryNamed(rule)
	if !e.hasState {
		e.state = RuleState{Rule: rule}
		e.hasState = true
	}
	e.state.Staged = false
	e.state.PromotedAt, e.state.PromotedBy = now, "manual"
	e.dirty = true
	if err := p.writeStates(ctx); err != nil {
		return 0, err
	}
	if !release {
		return 0, nil
	}
	staged, err := p.cfg.Store.List(ctx, Filter{Rule: rule, Status: []Status{StatusStaged}})
	if err != nil {
		return 0, fmt.Errorf("promote %s: %w", rule, err)
	}
	ids := make([]string, len(staged))
	for i, a := range staged {
		ids[i] = a.ID
	}
	n := 0
	err = p.cfg.Store.Modify(ctx, ids, func(a *Alert) error {
		if a.Status != StatusStaged {
			return ErrSkip
		}
		a.makePending()
		n++
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("promote %s: release staged alerts: %w", rule, err)
	}
	return n, nil
}

// Stage (re)starts the staging of a rule now: its alerts go to no output
// until it is promoted.
func (p *Processor) Stage(ctx context.Context, rule string) error {
	if rule == "" {
		return fmt.Errorf("stage: empty rule name")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.load(ctx); err != nil {
		return err
	}
	e := p.entryNamed(rule)
	e.state = RuleState{Rule: rule, Staged: true, StagedSince: p.now()}
	e.hasState, e.dirty = true, true
	return p.writeStates(ctx)
}

// RuleStates returns the staging state of every rule the store knows.
func (p *Processor) RuleStates(ctx context.Context) ([]RuleState, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.load(ctx); err != nil {
		return nil, err
	}
	var out []RuleState
	for _, name := range sortedKeys(p.rules) {
		if e := p.rules[name]; e.hasState {
			out = append(out, e.state)
		}
	}
	return out, nil
}

// Digest is the daily summary of staged rules.
type Digest struct {
	Generated time.Time    `json:"generated"`
	Rules     []DigestRule `json:"rules"`
}

// DigestRule is one staged rule in a Digest.
type DigestRule struct {
	Rule        string    `json:"rule"`
	StagedSince time.Time `json:"staged_since"`
	// Alerts counts the alerts raised while staged; Last24h those of the
	// last day.
	Alerts    int       `json:"alerts"`
	Last24h   int       `json:"last_24h"`
	LastAlert time.Time `json:"last_alert,omitzero"`
	// PromotesAt is when the rule is promoted if it stays quiet (zero when
	// automatic promotion is off).
	PromotesAt time.Time `json:"promotes_at,omitzero"`
}

// Digest summarizes the staged rules: what each raised in total and in the
// last 24 hours, and when it would be promoted.
func (p *Processor) Digest(ctx context.Context) (Digest, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.load(ctx); err != nil {
		return Digest{}, err
	}
	now := p.now()
	d := Digest{Generated: now}
	for _, name := range sortedKeys(p.rules) {
		e := p.rules[name]
		if !e.state.Staged {
			continue
		}
		recent, err := p.cfg.Store.List(ctx, Filter{Rule: name, Status: []Status{StatusStaged}, Since: now.Add(-24 * time.Hour)})
		if err != nil {
			return d, fmt.Errorf("digest of rule %s: %w", name, err)
		}
		r := DigestRule{
			Rule:        name,
			StagedSince: e.state.StagedSince,
			Alerts:      e.state.StagedAlerts,
			Last24h:     len(recent),
			LastAlert:   e.state.LastAlert,
		}
		if p.cfg.StagingPeriod > 0 {
			quiet := e.state.StagedSince
			if e.state.LastAlert.After(quiet) {
				quiet = e.state.LastAlert
			}
			r.PromotesAt = quiet.Add(p.cfg.StagingPeriod)
		}
		if u := e.info.StagedUntil; !u.IsZero() && (r.PromotesAt.IsZero() || u.Before(r.PromotesAt)) {
			r.PromotesAt = u
		}
		d.Rules = append(d.Rules, r)
	}
	return d, nil
}

// String renders the digest as a few lines of text.
func (d Digest) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Staged rules at %s: %d\n", d.Generated.Format(time.RFC3339), len(d.Rules))
	for _, r := range d.Rules {
		fmt.Fprintf(&b, "- %s: %d alerts (%d in the last 24h), staged since %s", r.Rule, r.Alerts, r.Last24h, r.StagedSince.Format(time.RFC3339))
		if !r.PromotesAt.IsZero() {
			fmt.Fprintf(&b, ", promoted at %s if quiet", r.PromotesAt.Format(time.RFC3339))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// DigestRuleName is the rule name digest alerts carry.
const DigestRuleName = "streamalert_staging_digest"

// Alert wraps the digest as an alert for outputs (one per day: the id is
// derived from the date, so sending it twice the same day is harmless).
func (d Digest) Alert(outputs []string) *Alert {
	day := d.Generated.UTC().Format(time.DateOnly)
	rules := make([]any, len(d.Rules))
	for i, r := range d.Rules {
		rules[i] = map[string]any{
			"rule": r.Rule, "staged_since": r.StagedSince.Format(time.RFC3339), "alerts": r.Alerts,
			"last_24h": r.Last24h,
		}
	}
	a := &Alert{
		ID:          AlertID(DigestRuleName, day),
		Rule:        DigestRuleName,
		Title:       "Staged rules digest " + day,
		Description: d.String(),
		Severity:    "info",
		RecordID:    day,
		EventTime:   d.Generated,
		Record:      map[string]any{"date": day, "rules": rules},
		Outputs:     outputs,
		Status:      StatusPending,
		Created:     d.Generated,
	}
	a.initDelivery()
	return a
}
