package queries

import (
	"fmt"
	"strings"

	"github.com/streamalert/streamalert/intel"
	"github.com/streamalert/streamalert/schema"
)

// The columns of a sweep statement, in order.
var SweepColumns = []string{"ioc", "ioc_type", "ioc_set", "ioc_source", "log_type", "normalized_type", "value", "record_id", "event_time", ColDT}

// Sweep is the IOC sweep of one log type: a statement joining each of the
// log type's normalized values of an IOC type (ip_address against ip, domain
// and hostname against domain, …) against the latest snapshot of the iocs
// table, leaving out allow-listed values and expired IOCs. It selects one
// row per record value and IOC entry it matches (SweepColumns).
type Sweep struct {
	LogType string
	Table   string
	Dialect Dialect
	Range   TimeRange
	SQL     string
	// Pairs are the normalized type → IOC type joins it makes, as
	// "ip_address→ip".
	Pairs []string
}

// CompileSweep writes the sweep of a log type; ok is false when the log
// type yields no normalized value an IOC type applies to.
func (o Options) CompileSweep(lt *schema.LogType, d Dialect, rng TimeRange) (s Sweep, ok bool, err error) {
	s = Sweep{LogType: lt.Name, Table: lt.Table(), Dialect: d, Range: rng}
	if !d.valid() {
		return s, false, fmt.Errorf("compile sweep %s: unknown dialect %v", lt.Name, d)
	}
	if !rng.From.IsZero() && !rng.To.IsZero() && !rng.From.Before(rng.To) {
		return s, false, fmt.Errorf("compile sweep %s: empty time range %v", lt.Name, rng)
	}
	yields := map[string]bool{}
	for _, n := range lt.NormalizedTypes() {
		yields[n] = true
	}
	q := intelSQL{d: d, db: o.Database}
	c := &typeCompiler{d: d, lt: lt, opts: o}
	var parts []string
	for _, t := range intel.Types {
		for _, n := range t.NormalizedTypes() {
			if !yields[n] {
				continue
			}
			s.Pairs = append(s.Pairs, n+"→"+t.String())
			parts = append(parts, c.sweepPart(q, t, n, rng))
		}
	}
	if len(parts) == 0 {
		return s, false, nil
	}
	s.SQL = strings.Join(parts, "\nUNION ALL\n")
	return s, true, nil
}

// sweepPart joins the values of normalized type n against IOCs of type t.
func (c *typeCompiler) sweepPart(q intelSQL, t intel.Type, n string, rng TimeRange) string {
	cols := "t." + ident(schema.ColRecordID) + " AS record_id, t." + ident(schema.ColEventTime) + " AS event_time, t." + ident(ColDT)
	list := column([]string{schema.ColNormalized, n})
	var values string // one row per value: record_id, event_time, dt, x
	if c.d == DuckDB {
		values = "SELECT " + cols + ", unnest(" + list + ") AS x FROM " + c.table() + " AS t"
	} else {
		values = "SELECT " + cols + ", u.x FROM " + c.table() + " AS t CROSS JOIN UNNEST(" + list + ") AS u(x)"
	}
	if conds := c.rangeConds(rng); len(conds) > 0 {
		values += " WHERE " + strings.Join(conds, " AND ")
	}
	// One row per lookup key: a domain and each parent domain, else the
	// value's one key.
	var keyed string
	switch {
	case t == intel.Domain && c.d == DuckDB:
		keyed = "SELECT w.*, unnest(" + q.domainKeys("w.x") + ") AS k FROM (" + values + ") AS w"
	case t == intel.Domain:
		keyed = "SELECT w.record_id, w.event_time, w." + ident(ColDT) + ", w.x, s.k FROM (" + values + ") AS w CROSS JOIN UNNEST(" + q.domainKeys("w.x") + ") AS s(k)"
	default:
		keyed = "SELECT w.*, " + q.key(t, "w.x") + " AS k FROM (" + values + ") AS w"
	}
	join := "i.key = v.k"
	if t == intel.IP {
		join = "v.k BETWEEN i.lo AND i.hi"
	}
	var b strings.Builder
	b.WriteString("SELECT i.value AS ioc, i.type AS ioc_type, i." + ident("set") + " AS ioc_set, i.source AS ioc_source, ")
	b.WriteString(quote(c.lt.Name) + " AS log_type, " + quote(n) + " AS normalized_type, v.x AS value, v.record_id, v.event_time, v." + ident(ColDT))
	b.WriteString("\nFROM (" + keyed + ") AS v")
	b.WriteString("\nJOIN " + q.table(intel.IOCTableName) + " AS i ON i.type = " + quote(t.String()) + " AND i.excluded = FALSE AND " + join)
	b.WriteString("\nWHERE " + q.live("i", intel.IOCTableName, true))
	b.WriteString("\n  AND NOT (" + q.inSet(t, "v.x", true) + ")")
	return b.String()
}

// rangeConds are the partition and event-time bounds of a time range over
// the table aliased t, as compiled rules have them.
func (c *typeCompiler) rangeConds(rng TimeRange) []string {
	var conds []string
	from, to := rng.Partitions()
	if from != "" {
		conds = append(conds, "t."+ident(ColDT)+" >= "+quote(from))
	}
	if to != "" {
		conds = append(conds, "t."+ident(ColDT)+" <= "+quote(to))
	}
	if !rng.From.IsZero() {
		conds = append(conds, "t."+ident(ColEventTime)+" >= "+c.d.timestampLiteral(rng.From))
	}
	if !rng.To.IsZero() {
		conds = append(conds, "t."+ident(ColEventTime)+" < "+c.d.timestampLiteral(rng.To))
	}
	return conds
}
