package historical

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/streamalert/streamalert/queries"
	"github.com/streamalert/streamalert/rules"
)

// DefaultSamples is how many matched records a back-test keeps per rule.
const DefaultSamples = 5

// BacktestOptions tune Backtest. The zero value is fine.
type BacktestOptions struct {
	// Samples is how many matched records (whole rows) to keep per rule:
	// 0 means DefaultSamples, negative none.
	Samples int
	// Records fetches the whole row of every match into Match.Record
	// (needed to turn matches into alerts). It reads the matched
	// partitions again.
	Records bool
	// OnMatch, if set, receives every match as it is read (per rule, in
	// event time order), instead of RuleResult.Matches collecting them.
	OnMatch func(Match) error
	// Progress, if set, is called while a rule's statement runs.
	Progress func(rule string, p Progress)
	// LogTypes supplies the current log type definitions by name; nil
	// uses those the rules were loaded with.
	LogTypes rules.LogTypes
}

// Match is one record a rule selected in a back-test. Its JSON form has
// the keys of `rules run --format json`: rule, log_type, record_id.
type Match struct {
	Rule      string            `json:"rule"`
	LogType   string            `json:"log_type"`
	RecordID  string            `json:"record_id"`
	EventTime time.Time         `json:"event_time"`
	DT        string            `json:"dt"`
	Fields    map[string]string `json:"fields,omitempty"`
	// Record is the whole row (BacktestOptions.Records), as JSON values.
	Record map[string]any `json:"record,omitempty"`
}

// DayCount is the number of matches of one UTC day (by event time).
type DayCount struct {
	Day     string `json:"day"` // YYYY-MM-DD
	Matches int64  `json:"matches"`
}

// RuleResult is the back-test of one rule.
type RuleResult struct {
	Rule     string   `json:"rule"`
	LogTypes []string `json:"log_types"`
	SQL      string   `json:"sql"`
	Warnings []string `json:"warnings,omitempty"`
	// Matches counts the selected records; PerDay splits them by day.
	Matches int64      `json:"matches"`
	PerDay  []DayCount `json:"per_day"`
	// Samples are the first matched records (whole rows).
	Samples []map[string]any `json:"samples,omitempty"`
	// Records are every match, unless BacktestOptions.OnMatch took them.
	Records []Match `json:"records,omitempty"`
	// Files and BytesScanned are what the rule's statement read (samples
	// and records fetched afterwards are not counted); CostUSD is what
	// Athena would charge for it (AthenaCostUSD).
	Files        int           `json:"files"`
	BytesScanned int64         `json:"bytes_scanned"`
	CostUSD      float64       `json:"cost_usd"`
	Elapsed      time.Duration `json:"elapsed_ns"`
	// Err is why the rule could not be back-tested; the others still are.
	Err error `json:"-"`
}

// Backtest runs each rule's compiled SQL over the lake for the time range
// and reports what the rule would have selected, without alerting. A rule
// that fails to compile or run gets its RuleResult.Err; the error returned
// is for the whole run (a cancelled context, a closed engine, OnMatch).
func (e *Engine) Backtest(ctx context.Context, rs []*rules.Rule, rng queries.TimeRange, opts BacktestOptions) ([]RuleResult, error) {
	samples := opts.Samples
	if samples == 0 {
		samples = DefaultSamples
	}
	var out []RuleResult
	for _, r := range rs {
		res, err := e.backtestRule(ctx, r, rng, opts, samples)
		out = append(out, res)
		if err != nil {
			return out, err
		}
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
	}
	return out, nil
}

func (e *Engine) backtestRule(ctx context.Context, r *rules.Rule, rng queries.TimeRange, opts BacktestOptions, samples int) (RuleResult, error) {
	res := RuleResult{Rule: r.Name, LogTypes: r.LogTypeNames()}
	q, err := queries.Compile(r, opts.LogTypes, queries.DuckDB, rng)
	if err != nil {
		res.Err = err
		return res, nil
	}
	res.SQL, res.Warnings = q.SQL, q.Warnings
	var progress func(Progress)
	if opts.Progress != nil {
		progress = func(p Progress) { opts.Progress(r.Name, p) }
	}
	sql := "SELECT * FROM (" + q.SQL + ") ORDER BY " + ident(queries.ColEventTime) + ", " + ident(queries.ColRecordID)
	rows, err := e.Query(ctx, sql, progress)
	if err != nil {
		res.Err = fmt.Errorf("rule %s: %w", r.Name, err)
		return res, ctx.Err()
	}
	perDay := map[string]int64{}
	var kept []Match // the matches whose records are fetched
	var runErr, cbErr error
	vals := make([]any, len(queries.FixedColumns)+len(q.Fields))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Rows.Next() {
		if err := rows.Rows.Scan(ptrs...); err != nil {
			runErr = err
			break
		}
		m := Match{Rule: r.Name}
		m.LogType, _ = vals[1].(string)
		m.RecordID, _ = vals[2].(string)
		m.EventTime, _ = vals[3].(time.Time)
		m.EventTime = m.EventTime.UTC()
		m.DT, _ = vals[4].(string)
		for i, f := range q.Fields {
			if s, ok := vals[len(queries.FixedColumns)+i].(string); ok {
				if m.Fields == nil {
					m.Fields = map[string]string{}
				}
				m.Fields[f] = s
			}
		}
		res.Matches++
		perDay[m.EventTime.Format("2006-01-02")]++
		switch {
		case opts.Records:
			kept = append(kept, m)
		case opts.OnMatch != nil:
			if cbErr = opts.OnMatch(m); cbErr != nil {
				break
			}
		default:
			res.Records = append(res.Records, m)
		}
		if !opts.Records && samples > 0 && len(kept) < samples {
			kept = append(kept, m)
		}
		if cbErr != nil {
			break
		}
	}
	if runErr == nil {
		runErr = rows.Rows.Err()
	}
	st, ferr := rows.Finish()
	res.Files, res.BytesScanned, res.Elapsed = st.Files, st.Bytes, st.Elapsed
	res.CostUSD = AthenaCostUSD(st.Bytes)
	for d, n := range perDay {
		res.PerDay = append(res.PerDay, DayCount{Day: d, Matches: n})
	}
	sort.Slice(res.PerDay, func(i, j int) bool { return res.PerDay[i].Day < res.PerDay[j].Day })
	if cbErr != nil {
		return res, cbErr
	}
	if runErr != nil || ferr != nil {
		res.Err = fmt.Errorf("rule %s: %w", r.Name, firstErr(runErr, ferr))
		return res, ctx.Err()
	}

	// Whole rows of the samples (and of every match with Records).
	recs, err := e.fetchRecords(ctx, kept)
	if err != nil {
		res.Err = fmt.Errorf("rule %s: fetch records: %w", r.Name, err)
		return res, ctx.Err()
	}
	for i := range kept {
		rec := recs[kept[i].LogType+"\x00"+kept[i].RecordID]
		if i < samples && rec != nil {
			res.Samples = append(res.Samples, rec)
		}
		if opts.Records {
			kept[i].Record = rec
			if opts.OnMatch != nil {
				if err := opts.OnMatch(kept[i]); err != nil {
					return res, err
				}
			} else {
				res.Records = append(res.Records, kept[i])
			}
		}
	}
	return res, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// fetchRecords reads the whole rows of matches, keyed by log type and
// record id, as JSON values (DuckDB's to_json of the row, dt included).
func (e *Engine) fetchRecords(ctx context.Context, ms []Match) (map[string]map[string]any, error) {
	out := map[string]map[string]any{}
	type key struct{ logType, table string }
	groups := map[key][]Match{}
	var order []key
	for _, m := range ms {
		k := key{m.LogType, e.tableOf(m.LogType)}
		if k.table == "" {
			continue
		}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], m)
	}
	const batch = 500
	for _, k := range order {
		g := groups[k]
		for start := 0; start < len(g); start += batch {
			part := g[start:min(start+batch, len(g))]
			ids, dts := make([]string, 0, len(part)), map[string]bool{}
			for _, m := range part {
				ids = append(ids, literal(m.RecordID))
				dts[m.DT] = true
			}
			var dtList []string
			for d := range dts {
				dtList = append(dtList, literal(d))
			}
			sort.Strings(dtList)
			sql := "SELECT " + ident(queries.ColRecordID) + ", CAST(to_json(t) AS VARCHAR) FROM " + ident(k.table) + " AS t WHERE t." +
				ident(queries.ColDT) + " IN (" + strings.Join(dtList, ", ") + ") AND t." + ident(queries.ColRecordID) + " IN (" + strings.Join(ids, ", ") + ")"
			if err := e.readRecords(ctx, sql, k.logType, out); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (e *Engine) readRecords(ctx context.Context, sql, logType string, out map[string]map[string]any) error {
	res, err := e.Query(ctx, sql, nil)
	if err != nil {
		return err
	}
	var rerr error
	for res.Rows.Next() {
		var id, js string
		if rerr = res.Rows.Scan(&id, &js); rerr != nil {
			break
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(js)))
		dec.UseNumber()
		var m map[string]any
		if rerr = dec.Decode(&m); rerr != nil {
			break
		}
		out[logType+"\x00"+id] = m
	}
	if rerr == nil {
		rerr = res.Rows.Err()
	}
	_, ferr := res.Finish()
	return firstErr(rerr, ferr)
}

// tableOf returns the table of a log type the engine has a view for.
func (e *Engine) tableOf(logType string) string {
	for _, lt := range e.types {
		if lt.Name == logType {
			return lt.Table()
		}
	}
	return ""
}
