// Package equivalence checks the project's first invariant, "one rule, one
// answer": for every rule and every record, the streaming matcher and the
// rule compiled to DuckDB SQL, run over the Parquet the embedded firehose
// wrote from the same records, select the same records.
//
// It links DuckDB (through historical); only tests and tools import it.
package equivalence

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/historical"
	"github.com/streamalert/streamalert/intel"
	"github.com/streamalert/streamalert/queries"
	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// Suite is what to compare: rules and the records to run them on.
type Suite struct {
	Rules   []*rules.Rule
	Records []*schema.Record
	// Compile changes the translation; the zero value is the real one.
	Compile queries.Options
	// IOCs and Lookups, when set, answer |ioc and |lookup on both sides:
	// the matcher consults them and they are written to the lake as the
	// iocs and lookup_<name> tables the SQL joins.
	IOCs    *intel.Store
	Lookups *intel.Lookups
}

// Difference is a record one side selects and the other does not.
type Difference struct {
	Rule      string
	LogType   string
	RecordID  string
	Streaming bool // the matcher selected it
	SQL       bool // the SQL selected it
	Raw       string
}

func (d Difference) String() string {
	side := "only the matcher"
	if d.SQL {
		side = "only the SQL"
	}
	raw := d.Raw
	if len(raw) > 300 {
		raw = raw[:300] + "…"
	}
	return fmt.Sprintf("rule %s, %s record %s: selected by %s: %s", d.Rule, d.LogType, d.RecordID, side, raw)
}

// Report is the outcome of a Run.
type Report struct {
	Rules   int // rules compared
	Records int // distinct records in the lake
	// Evaluations counts rule × record pairs (records of the rule's log
	// types), Matches the pairs the matcher selected.
	Evaluations int
	Matches     int
	Differences []Difference
	// Failures are rules whose SQL did not compile or run.
	Failures []string
	// Warnings are the compiler's warnings, by rule.
	Warnings []string
}

// OK reports whether both sides agreed on everything.
func (r Report) OK() bool { return len(r.Differences) == 0 && len(r.Failures) == 0 }

func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d rules × %d records: %d evaluations, %d matches, %d differences, %d failures",
		r.Rules, r.Records, r.Evaluations, r.Matches, len(r.Differences), len(r.Failures))
	for i, d := range r.Differences {
		if i == 20 {
			fmt.Fprintf(&b, "\n  … %d more", len(r.Differences)-i)
			break
		}
		b.WriteString("\n  " + d.String())
	}
	for _, f := range r.Failures {
		b.WriteString("\n  failure: " + f)
	}
	return b.String()
}

type pair struct{ rule, id string }

// Run writes the records into a lake under dir with the embedded firehose,
// runs every rule both ways and compares the selected record ids. Records
// with the same id are written once.
func Run(ctx context.Context, dir string, s Suite) (Report, error) {
	var rep Report
	recs := dedupe(s.Records)
	rep.Records = len(recs)
	if err := writeLake(ctx, dir, recs); err != nil {
		return rep, err
	}
	if s.IOCs != nil || s.Lookups != nil {
		if err := historical.WriteIntelDir(ctx, dir, s.IOCs, s.Lookups, time.Now()); err != nil {
			return rep, fmt.Errorf("equivalence: %w", err)
		}
	}

	// Disabled rules are compared too: the matcher only runs enabled ones.
	enabled := make([]*rules.Rule, 0, len(s.Rules))
	for _, r := range s.Rules {
		c := *r
		c.Enabled = true
		enabled = append(enabled, &c)
	}
	set, errs := rules.NewSet(enabled...)
	if len(errs) > 0 {
		return rep, fmt.Errorf("equivalence: rule set: %v", errs)
	}
	rep.Rules = set.Len()

	byID := map[string]*schema.Record{}
	streaming := map[pair]bool{}
	m := rules.NewMatcher(set)
	m.UseIntel(s.IOCs, s.Lookups)
	for _, rec := range recs {
		byID[rec.ID] = rec
		m.Match(rec, func(r *rules.Rule, _ rules.Match) { streaming[pair{r.Name, rec.ID}] = true })
	}
	rep.Matches = len(streaming)
	if errs := m.Errors(); len(errs) > 0 {
		return rep, fmt.Errorf("equivalence: the matcher failed on records: %v", errs)
	}

	var types []*schema.LogType
	seenType := map[string]bool{}
	for _, r := range set.Rules() {
		for _, lt := range r.LogTypes {
			if !seenType[lt.Name] {
				seenType[lt.Name] = true
				types = append(types, lt)
			}
		}
	}
	perType := map[string]int{}
	for _, rec := range recs {
		perType[rec.LogType.Name]++
	}
	// The lookup tables the rules name: written ones have files, the
	// others read as empty tables, as iocs does without a snapshot.
	types = append(types, intel.LakeTables(s.Lookups)...)
	for _, name := range set.LookupTables() {
		types = append(types, intel.LookupTable(name))
	}
	eng, err := historical.Open(ctx, dir, types, historical.Options{Threads: 1})
	if err != nil {
		return rep, err
	}
	defer eng.Close()

	for _, r := range set.Rules() {
		for _, lt := range r.LogTypes {
			rep.Evaluations += perType[lt.Name]
		}
		q, err := s.Compile.Compile(r, nil, queries.DuckDB, queries.TimeRange{})
		if err != nil {
			rep.Failures = append(rep.Failures, err.Error())
			continue
		}
		for _, w := range q.Warnings {
			rep.Warnings = append(rep.Warnings, r.Name+": "+w)
		}
		got, err := selected(ctx, eng, q.SQL)
		if err != nil {
			rep.Failures = append(rep.Failures, fmt.Sprintf("rule %s: %v\n%s", r.Name, err, q.SQL))
			continue
		}
		for id := range got {
			if !streaming[pair{r.Name, id}] {
				rep.Differences = append(rep.Differences, difference(r.Name, id, false, byID))
			}
		}
		for p := range streaming {
			if p.rule == r.Name && !got[p.id] {
				rep.Differences = append(rep.Differences, difference(r.Name, p.id, true, byID))
			}
		}
	}
	sort.Slice(rep.Differences, func(i, j int) bool {
		a, b := rep.Differences[i], rep.Differences[j]
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.RecordID < b.RecordID
	})
	return rep, nil
}

func difference(rule, id string, streaming bool, byID map[string]*schema.Record) Difference {
	d := Difference{Rule: rule, RecordID: id, Streaming: streaming, SQL: !streaming}
	if rec := byID[id]; rec != nil {
		d.LogType = rec.LogType.Name
		d.Raw = string(rec.Raw)
	}
	return d
}

// selected runs a compiled rule and returns the record ids it selects.
func selected(ctx context.Context, eng *historical.Engine, sql string) (map[string]bool, error) {
	res, err := eng.Query(ctx, "SELECT "+queries.ColRecordID+" FROM ("+sql+")", nil)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for res.Rows.Next() {
		var id string
		if err := res.Rows.Scan(&id); err != nil {
			res.Finish()
			return nil, err
		}
		out[id] = true
	}
	rerr := res.Rows.Err()
	_, ferr := res.Finish()
	if rerr != nil {
		return nil, rerr
	}
	return out, ferr
}

func dedupe(recs []*schema.Record) []*schema.Record {
	seen := map[string]bool{}
	out := make([]*schema.Record, 0, len(recs))
	for _, r := range recs {
		if !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r)
		}
	}
	return out
}

// writeLake writes records with the embedded firehose, as the local
// deployment does, and waits until every file is stored.
func writeLake(ctx context.Context, dir string, recs []*schema.Record) error {
	lake, err := firehose.NewLake(firehose.NewDir(dir), firehose.Options{BufferInterval: time.Hour})
	if err != nil {
		return err
	}
	for _, r := range recs {
		if err := lake.Write(r); err != nil {
			lake.Close(ctx)
			return fmt.Errorf("equivalence: write record %s: %w", r.ID, err)
		}
	}
	return lake.Close(ctx)
}
