package equivalence

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/streamalert/streamalert/correlation"
	"github.com/streamalert/streamalert/historical"
	"github.com/streamalert/streamalert/queries"
	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// CorrelationReport is the outcome of RunCorrelation.
type CorrelationReport struct {
	Rules   int
	Records int
	// Streaming and SQL are the alerts of each side, as
	// "rule NUL group values NUL crossing record id".
	Streaming, SQL map[string]bool
	// Differences are alerts only one side raised.
	Differences []string
	// Failures are rules whose SQL did not compile or run.
	Failures []string
	Stats    []correlation.Stats
}

// OK reports whether both sides agreed on everything.
func (r CorrelationReport) OK() bool { return len(r.Differences) == 0 && len(r.Failures) == 0 }

func (r CorrelationReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d correlation rules × %d records: %d streaming alerts, %d SQL alerts, %d differences, %d failures",
		r.Rules, r.Records, len(r.Streaming), len(r.SQL), len(r.Differences), len(r.Failures))
	for i, d := range r.Differences {
		if i == 20 {
			fmt.Fprintf(&b, "\n  … %d more", len(r.Differences)-i)
			break
		}
		b.WriteString("\n  " + strings.ReplaceAll(d, "\x00", " | "))
	}
	for _, f := range r.Failures {
		b.WriteString("\n  failure: " + f)
	}
	return b.String()
}

// RunCorrelation feeds the records, in the order given (arrival order),
// to the streaming engine, writes them into a lake under dir with the
// embedded firehose, runs every correlation rule's DuckDB SQL over it, and
// compares the alerts: the same rule, group and crossing record.
func RunCorrelation(ctx context.Context, dir string, corrs []*rules.Rule, recs []*schema.Record, opts correlation.Options) (CorrelationReport, error) {
	rep := CorrelationReport{Rules: len(corrs), Streaming: map[string]bool{}, SQL: map[string]bool{}}
	eng, err := correlation.New(corrs, opts)
	if err != nil {
		return rep, err
	}
	add := func(as []correlation.Alert) {
		for _, a := range as {
			rep.Streaming[a.Rule.Name+"\x00"+strings.Join(a.Group, "\x00")+"\x00"+a.RecordID] = true
		}
	}
	for _, r := range recs {
		add(eng.Observe(r))
	}
	add(eng.Flush())
	rep.Stats = eng.Stats()

	lakeRecs := dedupe(recs)
	rep.Records = len(lakeRecs)
	if err := writeLake(ctx, dir, lakeRecs); err != nil {
		return rep, err
	}
	var types []*schema.LogType
	seen := map[string]bool{}
	for _, r := range corrs {
		for _, lt := range r.LogTypes {
			if !seen[lt.Name] {
				seen[lt.Name] = true
				types = append(types, lt)
			}
		}
	}
	db, err := historical.Open(ctx, dir, types, historical.Options{Threads: 1})
	if err != nil {
		return rep, err
	}
	defer db.Close()
	for _, r := range corrs {
		q, err := queries.Compile(r, nil, queries.DuckDB, queries.TimeRange{})
		if err != nil {
			rep.Failures = append(rep.Failures, err.Error())
			continue
		}
		got, err := correlationAlerts(ctx, db, r, q)
		if err != nil {
			rep.Failures = append(rep.Failures, fmt.Sprintf("rule %s: %v\n%s", r.Name, err, q.SQL))
			continue
		}
		for k := range got {
			rep.SQL[k] = true
		}
	}
	for k := range rep.SQL {
		if !rep.Streaming[k] {
			rep.Differences = append(rep.Differences, "only the SQL: "+k)
		}
	}
	for k := range rep.Streaming {
		if !rep.SQL[k] {
			rep.Differences = append(rep.Differences, "only the stream: "+k)
		}
	}
	sort.Strings(rep.Differences)
	return rep, nil
}

// correlationAlerts runs a compiled correlation rule.
func correlationAlerts(ctx context.Context, db *historical.Engine, r *rules.Rule, q queries.Query) (map[string]bool, error) {
	cols := []string{`"` + queries.ColRecordID + `"`}
	for _, f := range q.Fields {
		cols = append(cols, `CAST("`+strings.ReplaceAll(f, `"`, `""`)+`" AS VARCHAR)`)
	}
	res, err := db.Query(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM ("+q.SQL+")", nil)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for res.Rows.Next() {
		vals := make([]string, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := res.Rows.Scan(ptrs...); err != nil {
			res.Finish()
			return nil, err
		}
		out[r.Name+"\x00"+strings.Join(vals[1:], "\x00")+"\x00"+vals[0]] = true
	}
	rerr := res.Rows.Err()
	_, ferr := res.Finish()
	if rerr != nil {
		return nil, rerr
	}
	return out, ferr
}
