package alerts

import (
	"container/heap"
	"time"
)

// mergeGroup is an open group of alerts of one rule with equal values at
// the merge keys, all within the merge window of the oldest. It is kept
// incrementally: adding an alert costs the size of its record, not of the
// group, so thousands of pending alerts per rule stay cheap.
type mergeGroup struct {
	id        string // the id the merged alert will have
	rule      string
	gkey      string // rule + key, the index in Processor.groups
	keyValues map[string]any
	mergeKeys []string
	window    time.Duration

	start, last time.Time // oldest and newest event time
	touched     time.Time // processing time of the latest add
	count       int
	members     []string
	first       *Alert // the member that opened the group: its metadata is the merged alert's

	// common holds the paths whose value was equal in every member so far
	// (canonical JSON text and value); diffs the paths that differed.
	common    map[string]commonValue
	diffs     map[string]*diffSet
	truncated bool

	due   time.Time // when the group may close
	index int       // in the heap
}

type commonValue struct {
	text  string
	value any
}

type diffSet struct {
	seen map[string]struct{}
	vals []any
}

func (d *diffSet) add(text string, v any) (truncated bool) {
	if _, ok := d.seen[text]; ok {
		return false
	}
	if len(d.vals) >= MaxDiffValues {
		return true
	}
	d.seen[text] = struct{}{}
	d.vals = append(d.vals, detached(v))
	return false
}

// fits reports whether an alert at t keeps every member within the window
// of the oldest.
func (g *mergeGroup) fits(t time.Time) bool {
	lo, hi := g.start, g.last
	if t.Before(lo) {
		lo = t
	}
	if t.After(hi) {
		hi = t
	}
	return hi.Sub(lo) < g.window
}

// add folds one alert into the group.
func (g *mergeGroup) add(a *Alert, now time.Time) {
	g.members = append(g.members, a.ID)
	g.touched = now
	if g.count == 0 {
		// The group keeps the first member's metadata, not its record: a
		// record's strings point into memory the classifier shares with
		// the records around it, which an open group would keep alive.
		first := *a
		first.Record, first.Matched, first.RecordID = nil, nil, ""
		first.KeyValues = g.keyValues
		g.first = &first
		g.start, g.last = a.EventTime, a.EventTime
		g.common = map[string]commonValue{}
		g.diffs = map[string]*diffSet{}
		flatten("", a.Record, func(p string, v any) {
			if !g.isKey(p) {
				g.common[p] = commonValue{canonical(v), detached(v)}
			}
		})
		g.count = 1
		return
	}
	g.count++
	if a.EventTime.Before(g.start) {
		g.start = a.EventTime
	}
	if a.EventTime.After(g.last) {
		g.last = a.EventTime
	}
	present := 0
	flatten("", a.Record, func(p string, v any) {
		if g.isKey(p) {
			return
		}
		text := canonical(v)
		if c, ok := g.common[p]; ok {
			if c.text == text {
				present++
				return
			}
			delete(g.common, p)
			d := g.diff(p)
			g.note(d.add(c.text, c.value))
			g.note(d.add(text, v))
			return
		}
		d, ok := g.diffs[p]
		if !ok {
			// A path earlier members lacked: null stands for "missing".
			d = g.diff(p)
			g.note(d.add("null", nil))
		}
		g.note(d.add(text, v))
	})
	if present == len(g.common) {
		return
	}
	// Some common paths are missing from this record: they differ now.
	seen := map[string]bool{}
	flatten("", a.Record, func(p string, _ any) { seen[p] = true })
	for p, c := range g.common {
		if seen[p] {
			continue
		}
		delete(g.common, p)
		d := g.diff(p)
		g.note(d.add(c.text, c.value))
		g.note(d.add("null", nil))
	}
}

func (g *mergeGroup) isKey(p string) bool {
	for _, k := range g.mergeKeys {
		if k == p {
			return true
		}
	}
	return false
}

func (g *mergeGroup) diff(p string) *diffSet {
	d, ok := g.diffs[p]
	if !ok {
		d = &diffSet{seen: map[string]struct{}{}}
		g.diffs[p] = d
	}
	return d
}

func (g *mergeGroup) note(truncated bool) {
	if truncated {
		g.truncated = true
	}
}

// info summarizes the group for the merged alert.
func (g *mergeGroup) info() *MergeInfo {
	mi := &MergeInfo{
		Count:          g.count,
		First:          g.start,
		Last:           g.last,
		MergedBy:       g.keyValues,
		DiffsTruncated: g.truncated,
	}
	if len(g.common) > 0 {
		mi.CommonKeys = make(map[string]any, len(g.common))
		for p, c := range g.common {
			mi.CommonKeys[p] = c.value
		}
	}
	if len(g.diffs) > 0 {
		mi.ValueDiffs = make(map[string][]any, len(g.diffs))
		for p, d := range g.diffs {
			mi.ValueDiffs[p] = d.vals
		}
	}
	return mi
}

// dueAt is when the group may close: once the window of the oldest member
// has passed, and no member arrived for settle (so a replay of old records
// fed in several batches still lands in one group).
func (g *mergeGroup) dueAt(settle time.Duration) time.Time {
	d := g.start.Add(g.window)
	if t := g.touched.Add(settle); t.After(d) {
		d = t
	}
	return d
}

// groupHeap orders open groups by due time.
type groupHeap []*mergeGroup

func (h groupHeap) Len() int           { return len(h) }
func (h groupHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h groupHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *groupHeap) Push(x any) {
	g := x.(*mergeGroup)
	g.index = len(*h)
	*h = append(*h, g)
}
func (h *groupHeap) Pop() any {
	old := *h
	g := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	g.index = -1
	return g
}

var _ heap.Interface = (*groupHeap)(nil)
