package correlation

import (
	"container/heap"
	"container/list"
	"math"
	"strconv"
	"strings"

	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// event is one record's part in one group of a rule.
type event struct {
	T    int64    `json:"t"` // event time, microseconds since the epoch
	ID   string   `json:"id"`
	Mask uint64   `json:"m,omitempty"` // base rules the record matched
	V    string   `json:"v,omitempty"` // the value field's text (value_* types)
	Num  float64  `json:"n,omitempty"` // its number (value_sum, value_avg)
	Key  string   `json:"k"`           // the group key
	Vals []string `json:"g"`           // the group-by values
}

// before orders events by (time, record id).
func (a *event) before(b *event) bool {
	return a.T < b.T || (a.T == b.T && a.ID < b.ID)
}

// pendingHeap holds events not yet evaluated, earliest first.
type pendingHeap []*event

func (h pendingHeap) Len() int           { return len(h) }
func (h pendingHeap) Less(i, j int) bool { return h[i].before(h[j]) }
func (h pendingHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *pendingHeap) Push(x any)        { *h = append(*h, x.(*event)) }
func (h *pendingHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

const noTime = math.MinInt64

// ruleState is the state of one correlation rule.
type ruleState struct {
	rule *rules.Rule
	c    *rules.Correlation
	opts Options
	span int64 // timespan in microseconds
	late int64 // lateness in microseconds

	groupReaders [][]*rules.FieldReader // per base rule, per group-by field
	valueReader  *rules.FieldReader

	pending    pendingHeap
	pendingIDs map[string]bool // group key + record id
	frontier   int64           // events before it have been evaluated
	maxSeen    int64

	groups map[string]*group
	lru    *list.List // of *group, least recently updated first

	stats   Stats
	matched uint64 // scratch: base rules matched by the record in hand
}

func newRuleState(r *rules.Rule, opts Options) *ruleState {
	c := r.Correlation
	rs := &ruleState{rule: r, c: c, opts: opts, span: c.Timespan.Microseconds(), late: opts.Lateness.Microseconds(),
		pendingIDs: map[string]bool{}, frontier: noTime, maxSeen: noTime,
		groups: map[string]*group{}, lru: list.New()}
	for i := range c.Bases {
		var rd []*rules.FieldReader
		for _, g := range c.GroupBy {
			rd = append(rd, rules.NewFieldReader(c.GroupField(i, g)))
		}
		rs.groupReaders = append(rs.groupReaders, rd)
	}
	if c.Field != "" {
		rs.valueReader = rules.NewFieldReader(c.Field)
	}
	return rs
}

// observe turns the record (whose matched base rules are in rs.matched)
// into events, one per group, and evaluates what the frontier passes.
func (rs *ruleState) observe(rec *schema.Record, out []Alert) []Alert {
	// Record memory is shared with neighbouring records (schema's record
	// chunks): an event, which outlives its record, keeps copies.
	ev := event{T: rec.EventTime.UnixMicro(), ID: strings.Clone(rec.ID)}
	if rs.valueReader != nil {
		v, ok := rs.valueReader.Read(rec)
		if ok && rs.c.Type != rules.ValueCount {
			n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			ok = err == nil && !math.IsNaN(n) && !math.IsInf(n, 0)
			ev.Num = n
		}
		if !ok {
			rs.stats.NoGroup++
			return out
		}
		ev.V = strings.Clone(v)
	}
	var evs []*event
	for i := range rs.c.Bases {
		if rs.matched&(1<<uint(i)) == 0 {
			continue
		}
		vals := make([]string, len(rs.groupReaders[i]))
		ok := true
		for j, rd := range rs.groupReaders[i] {
			vals[j], ok = rd.Read(rec)
			if !ok {
				break
			}
			vals[j] = strings.Clone(vals[j])
		}
		if !ok {
			rs.stats.NoGroup++
			continue
		}
		key := strings.Join(vals, "\x00")
		merged := false
		for _, e := range evs {
			if e.Key == key {
				e.Mask |= 1 << uint(i)
				merged = true
			}
		}
		if !merged {
			e := ev
			e.Key, e.Vals, e.Mask = key, vals, 1<<uint(i)
			evs = append(evs, &e)
		}
	}
	for _, e := range evs {
		if e.T < rs.frontier {
			rs.stats.Late++
			continue
		}
		pk := e.Key + "\x00" + e.ID
		if rs.pendingIDs[pk] {
			continue // the same record again (a replay): already pending
		}
		rs.pendingIDs[pk] = true
		heap.Push(&rs.pending, e)
		rs.maxSeen = max(rs.maxSeen, e.T)
	}
	if rs.maxSeen != noTime {
		return rs.advance(rs.maxSeen-rs.late, out)
	}
	return out
}

// advance evaluates the pending events before frontier.
func (rs *ruleState) advance(frontier int64, out []Alert) []Alert {
	for rs.pending.Len() > 0 && rs.pending[0].T < frontier {
		e := heap.Pop(&rs.pending).(*event)
		delete(rs.pendingIDs, e.Key+"\x00"+e.ID)
		out = rs.evaluate(e, out)
	}
	rs.frontier = max(rs.frontier, frontier)
	return out
}

func (rs *ruleState) flush(out []Alert) []Alert {
	if rs.maxSeen == noTime {
		return out
	}
	return rs.advance(rs.maxSeen+1, out)
}

// evaluate adds one event, in order, to its group.
func (rs *ruleState) evaluate(e *event, out []Alert) []Alert {
	rs.stats.Events++
	// Groups whose last event is older than the window of e are over.
	for f := rs.lru.Front(); f != nil; f = rs.lru.Front() {
		g := f.Value.(*group)
		if g.last >= e.T-rs.span {
			break
		}
		rs.lru.Remove(f)
		delete(rs.groups, g.key)
	}
	g := rs.groups[e.Key]
	if g == nil {
		if len(rs.groups) >= rs.opts.MaxGroups {
			f := rs.lru.Front()
			old := f.Value.(*group)
			rs.lru.Remove(f)
			delete(rs.groups, old.key)
			rs.stats.Evicted++
		}
		g = newGroup(e.Key, e.Vals, rs.c)
		rs.groups[e.Key] = g
		g.elem = rs.lru.PushBack(g)
	} else {
		rs.lru.MoveToBack(g.elem)
	}
	g.last = e.T
	value, fired, ids := g.add(rs.c, e, rs.span)
	if !fired {
		return out
	}
	rs.stats.Alerts++
	if n := rs.opts.MaxRecordIDs; len(ids) > n {
		ids = ids[len(ids)-n:]
	}
	return append(out, newAlert(rs.rule, e, value, ids))
}
