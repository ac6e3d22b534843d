package realtime

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/correlation"
	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// CorrelationSource is the Source, and CorrelationLogType the prefix of
// the LogType, of the alerts correlation rules raise: an alert stands for
// a window of records, possibly of several log types and batches.
const (
	CorrelationSource  = "correlation"
	CorrelationLogType = "correlation:"
)

// correlator runs a pipeline's correlation rules. Workers classify and
// match batches in parallel, but the engine sees the records of batch
// seq only after those of every earlier batch: which events arrive too
// late (behind a rule's frontier) depends on arrival order, and a
// restart replays the ingest log in seq order, so the live run must use
// the same order for a replay to reach the same state.
type correlator struct {
	eng   *correlation.Engine
	types map[*schema.LogType]bool // log types the base rules read; nil: all
	info  map[*rules.Rule]*alerts.RuleInfo

	mu   sync.Mutex
	cond *sync.Cond
	// next is the seq whose records the engine takes next; 0 until the
	// runner sets it (unsequenced: records are taken as they come).
	next uint64
}

func newCorrelator(corrs []*rules.Rule, opts correlation.Options, info map[*rules.Rule]*alerts.RuleInfo) (*correlator, error) {
	eng, err := correlation.New(corrs, opts)
	if err != nil {
		return nil, err
	}
	c := &correlator{eng: eng, types: map[*schema.LogType]bool{}, info: info}
	c.cond = sync.NewCond(&c.mu)
	for _, r := range corrs {
		if len(r.LogTypes) == 0 {
			c.types = nil
			break
		}
		for _, lt := range r.LogTypes {
			c.types[lt] = true
		}
	}
	return c, nil
}

// wants reports whether rec can be an event of some correlation rule.
func (c *correlator) wants(rec *schema.Record) bool {
	return c.types == nil || c.types[rec.LogType]
}

// observe feeds the records of batch seq to the engine, after those of
// every earlier batch (seq 0: at once), and appends the alerts that fired
// to out as matches.
func (c *correlator) observe(seq uint64, recs []*schema.Record, out []alerts.Match) []alerts.Match {
	c.mu.Lock()
	defer c.mu.Unlock()
	ordered := seq != 0 && c.next != 0
	for ordered && seq > c.next {
		c.cond.Wait()
	}
	for _, rec := range recs {
		out = c.matches(c.eng.Observe(rec), out)
	}
	if ordered && seq == c.next {
		c.next++
		c.cond.Broadcast()
	}
	return out
}

// sequence makes the engine take batches in seq order from next on.
func (c *correlator) sequence(next uint64) {
	c.mu.Lock()
	c.next = next
	c.cond.Broadcast()
	c.mu.Unlock()
}

// flush evaluates every pending event (the end of a finite input).
func (c *correlator) flush() []alerts.Match {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.matches(c.eng.Flush(), nil)
}

// matches turns correlation alerts into alert matches: the rule's alerting
// metadata, the group, the window and the contributing record ids. The
// match's record id is the correlation alert's stable id (rule, group,
// crossing record), so a crossing raised again after a restart is the
// same alert.
func (c *correlator) matches(as []correlation.Alert, out []alerts.Match) []alerts.Match {
	for _, a := range as {
		group := make(map[string]any, len(a.Group))
		for k, v := range a.GroupValues() {
			group[k] = v
		}
		ids := make([]any, len(a.RecordIDs))
		for i, id := range a.RecordIDs {
			ids[i] = id
		}
		corr := a.Rule.Correlation
		rec := map[string]any{
			"correlation":  corr.Type.String(),
			"group":        group,
			"window_start": a.WindowStart.UTC().Format(time.RFC3339Nano),
			"window_end":   a.WindowEnd.UTC().Format(time.RFC3339Nano),
			"timespan":     corr.Timespan.String(),
			"record_id":    a.RecordID,
			"record_ids":   ids,
			"value":        a.Value,
		}
		out = append(out, alerts.Match{
			Rule: *c.info[a.Rule], LogType: CorrelationLogType + a.Rule.Name, Source: CorrelationSource,
			RecordID: a.ID, EventTime: a.WindowEnd, Record: rec, Matched: group,
		})
	}
	return out
}

// FlushCorrelations evaluates every event the correlation rules still hold
// back for late arrivals, as at the end of a finite input (ingest, demo),
// and hands the alerts that fire to the alert processor. It returns how
// many new alerts were stored.
func (p *Pipeline) FlushCorrelations(ctx context.Context) (int, error) {
	if p.corr == nil {
		return 0, nil
	}
	ms := p.corr.flush()
	if len(ms) == 0 || p.alerter == nil {
		return 0, nil
	}
	ar, err := p.alerter.Process(ctx, ms)
	if err != nil {
		return 0, fmt.Errorf("%w: correlation flush: %w", ErrAlerts, err)
	}
	p.metrics.alerts(ar.New)
	return ar.New, nil
}

// CorrelationStats returns each correlation rule's counters (nil without
// correlation rules).
func (p *Pipeline) CorrelationStats() []correlation.Stats {
	if p.corr == nil {
		return nil
	}
	return p.corr.eng.Stats()
}
