package correlation

import (
	"container/list"
	"math/bits"

	"github.com/streamalert/streamalert/rules"
)

// group is the window of one group of one rule. For every type but
// temporal_ordered it keeps the window's events and their aggregates;
// for temporal_ordered it keeps, per stage, the latest possible start of
// a sequence of the stages so far (see add).
type group struct {
	key  string
	vals []string
	last int64 // time of the latest event
	elem *list.Element

	events  []*event // the window, oldest first
	n       int
	sum     float64
	values  map[string]int // value_count: value → events in the window
	perRule []int          // temporal: base rule → events in the window

	// temporal_ordered: best[k] is the latest start time of a sequence of
	// stages 0..k ending at an event evaluated so far (noTime: none), and
	// chain[k] its record ids.
	best  []int64
	chain [][]string
}

func newGroup(key string, vals []string, c *rules.Correlation) *group {
	g := &group{key: key, vals: vals}
	switch c.Type {
	case rules.ValueCount:
		g.values = map[string]int{}
	case rules.Temporal:
		g.perRule = make([]int, len(c.Bases))
	case rules.TemporalOrdered:
		g.best = make([]int64, len(c.Bases))
		g.chain = make([][]string, len(c.Bases))
		for i := range g.best {
			g.best[i] = noTime
		}
	}
	return g
}

// add evaluates event e (later than every event added before) and adds
// it. It reports whether the condition holds for the window of e and did
// not hold for that window without e, the value it holds for, and the
// contributing record ids.
func (g *group) add(c *rules.Correlation, e *event, span int64) (float64, bool, []string) {
	if c.Type == rules.TemporalOrdered {
		return g.addOrdered(c, e, span)
	}
	from := e.T - span
	drop := 0
	for drop < len(g.events) && g.events[drop].T < from {
		g.remove(c, g.events[drop])
		drop++
	}
	if drop > 0 {
		g.events = append(g.events[:0], g.events[drop:]...)
	}
	var before, with float64
	var holdsBefore bool
	switch c.Type {
	case rules.EventCount:
		before, with = float64(g.n), float64(g.n+1)
		holdsBefore = c.Condition.Holds(before)
	case rules.ValueCount:
		before = float64(len(g.values))
		with = before
		if g.values[e.V] == 0 {
			with++
		}
		holdsBefore = c.Condition.Holds(before)
	case rules.ValueSum:
		before, with = g.sum, g.sum+e.Num
		// An empty window has no sum.
		holdsBefore = g.n > 0 && c.Condition.Holds(before)
	case rules.ValueAvg:
		with = (g.sum + e.Num) / float64(g.n+1)
		if g.n > 0 {
			before = g.sum / float64(g.n)
			holdsBefore = c.Condition.Holds(before)
		}
	case rules.Temporal:
		var have uint64
		for i, n := range g.perRule {
			if n > 0 {
				have |= 1 << uint(i)
			}
		}
		before = float64(bits.OnesCount64(have))
		with = float64(bits.OnesCount64(have | e.Mask))
		holdsBefore = c.Condition.Holds(before)
	}
	fired := c.Condition.Holds(with) && !holdsBefore
	var ids []string
	if fired {
		ids = make([]string, 0, len(g.events)+1)
		for _, x := range g.events {
			ids = append(ids, x.ID)
		}
		ids = append(ids, e.ID)
	}
	g.insert(c, e)
	return with, fired, ids
}

// insert adds e to the window's aggregates.
func (g *group) insert(c *rules.Correlation, e *event) {
	g.events = append(g.events, e)
	g.n++
	g.sum += e.Num
	if g.values != nil {
		g.values[e.V]++
	}
	for i := range g.perRule {
		if e.Mask&(1<<uint(i)) != 0 {
			g.perRule[i]++
		}
	}
}

// remove takes e, which leaves the window, out of the aggregates.
func (g *group) remove(c *rules.Correlation, e *event) {
	g.n--
	g.sum -= e.Num
	if g.n == 0 {
		g.sum = 0 // no rounding left behind
	}
	if g.values != nil {
		if g.values[e.V]--; g.values[e.V] == 0 {
			delete(g.values, e.V)
		}
	}
	for i := range g.perRule {
		if e.Mask&(1<<uint(i)) != 0 {
			g.perRule[i]--
		}
	}
}

// addOrdered evaluates e for temporal_ordered. A sequence of all stages
// is in the window of e when its first event is at or after t(e) − span:
// it fires when e completes one (e matches the last stage and a sequence
// of the other stages ended before e, starting in the window) and no
// sequence completed before e starts in the window.
func (g *group) addOrdered(c *rules.Correlation, e *event, span int64) (float64, bool, []string) {
	from := e.T - span
	last := len(g.best) - 1
	fired := e.Mask&(1<<uint(last)) != 0 && g.best[last-1] != noTime && g.best[last-1] >= from &&
		!(g.best[last] != noTime && g.best[last] >= from)
	var ids []string
	if fired {
		ids = append(append(ids, g.chain[last-1]...), e.ID)
	}
	// Later stages first, so that e extends sequences that ended before it.
	for k := last; k >= 1; k-- {
		if e.Mask&(1<<uint(k)) == 0 || g.best[k-1] == noTime {
			continue
		}
		if g.best[k-1] >= g.best[k] {
			g.best[k] = g.best[k-1]
			g.chain[k] = append(append([]string(nil), g.chain[k-1]...), e.ID)
		}
	}
	if e.Mask&1 != 0 {
		g.best[0] = e.T
		g.chain[0] = []string{e.ID}
	}
	return float64(len(g.best)), fired, ids
}
