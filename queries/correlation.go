package queries

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// compileCorrelation compiles a correlation rule: one statement that
// selects, per crossing of the rule's condition (rules.Correlation), the
// record that made it hold — the FixedColumns of that record (log_type is
// the rule's log types joined by ","), then the group-by fields as text,
// named as in the rule's group-by list.
//
// Events are the base rules' matches read from [From − timespan, To), so
// that windows ending in the range are whole; crossings are reported for
// events in [From, To). Windows are self-joins of the events on the
// group, the timespan and the (event time, record id) order; a
// temporal_ordered rule joins stage by stage, keeping per event the latest
// start of a sequence ending there.
func (o Options) compileCorrelation(rule *rules.Rule, reg rules.LogTypes, d Dialect, rng TimeRange) (Query, error) {
	q := Query{Rule: rule.Name, Dialect: d, Range: rng}
	c := rule.Correlation
	fail := func(format string, args ...any) (Query, error) {
		return q, fmt.Errorf("compile rule %s: %s", rule.Name, fmt.Sprintf(format, args...))
	}
	switch {
	case !d.valid():
		return fail("unknown dialect %v", d)
	case len(c.Bases) == 0:
		return fail("the correlation rule is not linked to its base rules")
	case !rng.From.IsZero() && !rng.To.IsZero() && !rng.From.Before(rng.To):
		return fail("empty time range %v", rng)
	}
	q.Fields = append([]string(nil), c.GroupBy...)
	evRange := rng
	if !rng.From.IsZero() {
		evRange.From = rng.From.Add(-c.Timespan)
	}
	ordered := c.Type == rules.TemporalOrdered
	withRule := c.Type == rules.Temporal || ordered
	numeric := c.Type == rules.ValueSum || c.Type == rules.ValueAvg

	gcols := make([]string, len(c.GroupBy))
	for j := range c.GroupBy {
		gcols[j] = "g" + strconv.Itoa(j)
	}
	// ev: one row per base rule match.
	var parts []string
	for i, base := range c.Bases {
		bq, err := o.Compile(base, reg, d, evRange)
		if err != nil {
			return q, fmt.Errorf("compile rule %s: base rule %s: %w", rule.Name, base.Name, err)
		}
		for _, p := range bq.Parts {
			var lt *schema.LogType
			if reg != nil {
				lt = reg.Get(p.LogType)
			}
			if lt == nil {
				for _, x := range base.LogTypes {
					if x.Name == p.LogType {
						lt = x
					}
				}
			}
			tc := &typeCompiler{d: d, lt: lt, opts: o}
			var b strings.Builder
			b.WriteString("  SELECT ")
			for j, g := range c.GroupBy {
				b.WriteString(tc.fieldText(c.GroupField(i, g)) + " AS " + gcols[j] + ", ")
			}
			if c.Field != "" {
				v := tc.fieldText(c.Field)
				if numeric {
					v = "TRY_CAST(" + v + " AS DOUBLE)"
				}
				b.WriteString(v + " AS v, ")
			}
			if withRule {
				b.WriteString(strconv.Itoa(i) + " AS rk, ")
			}
			b.WriteString("t." + ident(ColEventTime) + " AS ts, t." + ident(ColRecordID) + " AS id, t." + ident(ColDT) + " AS dt, " + quote(p.LogType) + " AS lt")
			b.WriteString("\n  FROM " + tc.table() + " AS t\n  WHERE ")
			// The base rule's own part minus its SELECT list: its WHERE
			// with the time bounds.
			_, where, _ := strings.Cut(p.SQL, "\nWHERE ")
			b.WriteString(strings.ReplaceAll(where, "\n", "\n  "))
			parts = append(parts, b.String())
		}
	}
	var notNull []string
	for _, g := range gcols {
		notNull = append(notNull, g+" IS NOT NULL")
	}
	if c.Field != "" {
		notNull = append(notNull, "v IS NOT NULL")
	}
	cols := strings.Join(gcols, ", ")
	if c.Field != "" {
		cols += ", v"
	}
	if withRule {
		cols += ", rk"
	}
	cols += ", ts, id, dt, lt"
	span := "INTERVAL '" + strconv.FormatInt(int64(c.Timespan.Seconds()), 10) + "' SECOND"
	sameGroup := func(a, b string) string {
		var on []string
		for _, g := range gcols {
			on = append(on, b+"."+g+" = "+a+"."+g)
		}
		return strings.Join(on, " AND ")
	}
	var w strings.Builder
	w.WriteString("WITH ev AS (\n" + strings.Join(parts, "\n  UNION ALL\n") + "\n),\n")
	w.WriteString("e AS (SELECT DISTINCT " + cols + " FROM ev WHERE " + strings.Join(notNull, " AND ") + "),\n")

	groupOut := make([]string, len(gcols))
	for j, g := range gcols {
		groupOut[j] = "x." + g + " AS " + ident(c.GroupBy[j])
	}
	fixed := "SELECT " + quote(rule.Name) + " AS " + ident(ColRule) + ", " + quote(strings.Join(rule.LogTypeNames(), ",")) + " AS " + ident(ColLogType) +
		", x.id AS " + ident(ColRecordID) + ", x.ts AS " + ident(ColEventTime) + ", x.dt AS " + ident(ColDT) + ",\n       " + strings.Join(groupOut, ", ")
	var where []string
	if !rng.From.IsZero() {
		where = append(where, "x.ts >= "+d.timestampLiteral(rng.From))
	}
	xg := prefixed("x.", gcols)

	if ordered {
		// s0: events of the first rule, starting a sequence at their time;
		// sk: events of rule k, with the latest start of a sequence of
		// rules 0..k-1 that ended before them within the timespan.
		for k := range c.Bases {
			fmt.Fprintf(&w, "s%d AS (", k)
			if k == 0 {
				w.WriteString("SELECT " + cols + ", ts AS l FROM e WHERE rk = 0),\n")
				continue
			}
			keys := strings.Join(xg, ", ") + ", x.ts, x.id, x.dt"
			fmt.Fprintf(&w, "SELECT %s, max(y.l) AS l\n  FROM e AS x JOIN s%d AS y ON %s\n    AND (y.ts < x.ts OR (y.ts = x.ts AND y.id < x.id)) AND y.ts >= x.ts - %s\n  WHERE x.rk = %d\n  GROUP BY %s),\n",
				keys, k-1, sameGroup("x", "y"), span, k, keys)
		}
		last := fmt.Sprintf("s%d", len(c.Bases)-1)
		w.WriteString("hit AS (SELECT * FROM " + last + ")\n")
		w.WriteString(fixed + "\nFROM hit AS x LEFT JOIN hit AS p ON " + sameGroup("x", "p") +
			"\n  AND (p.ts < x.ts OR (p.ts = x.ts AND p.id < x.id)) AND p.l >= x.ts - " + span + "\nWHERE ")
		where = append(where, "x.l >= x.ts - "+span, "p.id IS NULL")
		w.WriteString(strings.Join(where, "\n  AND "))
		q.SQL = w.String()
		return q, nil
	}

	// w: per event (the anchor a), its window's aggregates with and
	// without it.
	var with, before string
	aggs := "count(*) AS n"
	switch c.Type {
	case rules.EventCount:
		with, before = "x.n", "x.n - 1"
	case rules.ValueCount:
		aggs += ", count(DISTINCT b.v) AS d, count(DISTINCT CASE WHEN b.id <> a.id THEN b.v END) AS d0"
		with, before = "x.d", "x.d0"
	case rules.ValueSum:
		aggs += ", sum(b.v) AS s, max(a.v) AS own"
		with, before = "x.s", "CASE WHEN x.n > 1 THEN x.s - x.own END"
	case rules.ValueAvg:
		aggs += ", sum(b.v) AS s, max(a.v) AS own"
		with, before = "x.s / x.n", "CASE WHEN x.n > 1 THEN (x.s - x.own) / (x.n - 1) END"
	case rules.Temporal:
		aggs += ", count(DISTINCT b.rk) AS r, count(DISTINCT CASE WHEN b.id <> a.id THEN b.rk END) AS r0"
		with, before = "x.r", "x.r0"
	default:
		return fail("correlation type %s has no SQL", c.Type)
	}
	keys := strings.Join(prefixed("a.", gcols), ", ") + ", a.ts, a.id, a.dt"
	fmt.Fprintf(&w, "w AS (SELECT %s, %s\n  FROM e AS a JOIN e AS b ON %s\n    AND b.ts >= a.ts - %s AND (b.ts < a.ts OR (b.ts = a.ts AND b.id <= a.id))\n  GROUP BY %s)\n",
		keys, aggs, sameGroup("a", "b"), span, keys)
	w.WriteString(fixed + "\nFROM w AS x\nWHERE ")
	where = append(where, condSQL(c.Condition, with), "NOT COALESCE("+condSQL(c.Condition, before)+", FALSE)")
	w.WriteString(strings.Join(where, "\n  AND "))
	q.SQL = w.String()
	return q, nil
}

// condSQL is the threshold's test of x.
func condSQL(t rules.Threshold, x string) string {
	ops := map[string]string{"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "="}
	var out []string
	for _, b := range t.Bounds() {
		out = append(out, "("+x+") "+ops[b[0]]+" "+b[1])
	}
	return "(" + strings.Join(out, " AND ") + ")"
}

func prefixed(p string, xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = p + x
	}
	return out
}
