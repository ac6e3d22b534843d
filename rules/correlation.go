package rules

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// CorrelationType is the kind of a Sigma correlation rule.
type CorrelationType uint8

const (
	// EventCount counts the events of a group in the window.
	EventCount CorrelationType = iota + 1
	// ValueCount counts the distinct values of Correlation.Field.
	ValueCount
	// ValueSum sums the numeric values of Correlation.Field.
	ValueSum
	// ValueAvg averages the numeric values of Correlation.Field.
	ValueAvg
	// Temporal counts the distinct base rules matched in the window, in
	// any order.
	Temporal
	// TemporalOrdered needs the base rules matched in the order listed.
	TemporalOrdered
)

var correlationTypeNames = map[string]CorrelationType{
	"event_count": EventCount, "value_count": ValueCount, "value_sum": ValueSum,
	"value_avg": ValueAvg, "temporal": Temporal, "temporal_ordered": TemporalOrdered,
}

func (t CorrelationType) String() string {
	for n, v := range correlationTypeNames {
		if v == t {
			return n
		}
	}
	return "unknown"
}

// HasField reports whether the type aggregates Correlation.Field.
func (t CorrelationType) HasField() bool { return t == ValueCount || t == ValueSum || t == ValueAvg }

// Correlation is the correlation section of a Sigma correlation rule. A
// Rule with a Correlation has no detection of its own: it runs over the
// records its base rules match. See docs/rules.md (Correlation rules) for
// the window semantics that the streaming engine and the SQL share:
//
//   - The events of a correlation are the records that match at least one
//     base rule and have a value for every group-by field (and, for the
//     value_* types, for Field). The group of an event is the text of its
//     group-by fields (each as FieldReader reads it; aliases name another
//     field per base rule). A record is one event per group, whatever
//     number of base rules it matches.
//   - Events are ordered by (event time to the microsecond, record id).
//     The window of an event e is the events of e's group that are not
//     after e in that order and whose time is at least t(e) − Timespan.
//   - The correlation fires at e when the Condition holds for the window of
//     e and does not hold for that window without e: e is the event that
//     makes it cross. One alert per crossing, for the group and the window
//     [t(e) − Timespan, t(e)].
//   - temporal_ordered fires at an event e of the last base rule when the
//     window of e holds events e1 < e2 < … < en = e matching the base
//     rules in their listed order (a record fills one place only), and the
//     window of e without e holds no such chain.
type Correlation struct {
	Type CorrelationType
	// Refs are the base rules as written (a name or an id), in order.
	Refs []CorrelationRef
	// Bases are the rules Refs name, resolved when the set is built.
	Bases    []*Rule
	GroupBy  []string
	Timespan time.Duration
	// Condition decides when the correlation holds; see Threshold.
	Condition Threshold
	// Field is the field a value_* type aggregates.
	Field string
	// Aliases maps an alias used in GroupBy to, per base rule (as
	// referred to in Refs), the field it stands for.
	Aliases map[string]map[string]string
	// Generate keeps the base rules alerting on their own; without it a
	// base rule only feeds correlations.
	Generate bool
	Line     int // of the correlation key
	// GroupByLine is the line of the group-by list (of the correlation
	// key when it is missing).
	GroupByLine int
}

// CorrelationRef is a base rule as a correlation rule names it.
type CorrelationRef struct {
	Name string
	Line int
}

// GroupField returns the field group-by name g stands for in the records
// of base rule i (an alias resolved, else g itself).
func (c *Correlation) GroupField(i int, g string) string {
	if m, ok := c.Aliases[g]; ok {
		if f, ok := m[c.Refs[i].Name]; ok {
			return f
		}
	}
	return g
}

// Threshold is a correlation condition: every bound that is set must hold.
type Threshold struct {
	Gt, Gte, Lt, Lte, Eq *float64
}

// Holds reports whether x meets every bound.
func (t Threshold) Holds(x float64) bool {
	return (t.Gt == nil || x > *t.Gt) && (t.Gte == nil || x >= *t.Gte) &&
		(t.Lt == nil || x < *t.Lt) && (t.Lte == nil || x <= *t.Lte) && (t.Eq == nil || x == *t.Eq)
}

// IsZero reports whether no bound is set.
func (t Threshold) IsZero() bool {
	return t.Gt == nil && t.Gte == nil && t.Lt == nil && t.Lte == nil && t.Eq == nil
}

// Bounds returns the set bounds as (operator, value) pairs in a fixed
// order; operators are gt, gte, lt, lte, eq.
func (t Threshold) Bounds() [][2]string {
	var out [][2]string
	for _, b := range []struct {
		op string
		v  *float64
	}{{"gt", t.Gt}, {"gte", t.Gte}, {"lt", t.Lt}, {"lte", t.Lte}, {"eq", t.Eq}} {
		if b.v != nil {
			out = append(out, [2]string{b.op, strconv.FormatFloat(*b.v, 'g', -1, 64)})
		}
	}
	return out
}

func (t Threshold) String() string {
	var parts []string
	for _, b := range t.Bounds() {
		parts = append(parts, b[0]+" "+b[1])
	}
	return strings.Join(parts, " and ")
}

func (c *Correlation) String() string {
	refs := make([]string, len(c.Refs))
	for i, r := range c.Refs {
		refs[i] = r.Name
	}
	s := fmt.Sprintf("%s of [%s] by [%s] within %s", c.Type, strings.Join(refs, ", "), strings.Join(c.GroupBy, ", "), c.Timespan)
	if c.Field != "" {
		s += " of field " + c.Field
	}
	if !c.Condition.IsZero() {
		s += " when " + c.Condition.String()
	}
	return s
}

// FeedOnly returns the base rules of the set's correlation rules that are
// not in Rules (they raise no alert of their own), sorted by name.
func (s *Set) FeedOnly() []*Rule {
	var out []*Rule
	seen := map[*Rule]bool{}
	for _, c := range s.Correlations() {
		for _, b := range c.Correlation.Bases {
			if !seen[b] && s.Get(b.Name) != b {
				seen[b] = true
				out = append(out, b)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
