package historical

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/streamalert/streamalert/historical/sqlengine"
	"github.com/streamalert/streamalert/queries"
	"github.com/streamalert/streamalert/rules"
)

// BacktestOn back-tests rules on any engine (Athena included): each rule's
// SQL in the engine's dialect, its matches counted per day and, when
// onMatch is set, each match handed to it (rule, log type, record id,
// event time, dt; no fields or whole records). Engine.Backtest does more
// on DuckDB (samples, whole records); this is what every engine can do.
func BacktestOn(ctx context.Context, eng sqlengine.Engine, rs []*rules.Rule, rng queries.TimeRange, reg rules.LogTypes, onMatch func(Match) error) ([]RuleResult, error) {
	var out []RuleResult
	for _, r := range rs {
		res := RuleResult{Rule: r.Name, LogTypes: r.LogTypeNames()}
		q, err := queries.Compile(r, reg, eng.Dialect(), rng)
		if err != nil {
			res.Err = err
			out = append(out, res)
			continue
		}
		res.SQL, res.Warnings = q.SQL, q.Warnings
		cols := make([]string, 0, len(queries.FixedColumns))
		for _, c := range queries.FixedColumns {
			cols = append(cols, `"`+c+`"`)
		}
		sql := "SELECT " + strings.Join(cols, ", ") + " FROM (" + q.SQL + ") AS m ORDER BY " + `"` + queries.ColEventTime + `", "` + queries.ColRecordID + `"`
		rows, err := eng.Execute(ctx, sql)
		if err != nil {
			res.Err = fmt.Errorf("rule %s: %w", r.Name, err)
			out = append(out, res)
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			continue
		}
		res.BytesScanned, res.CostUSD, res.Elapsed, res.Files = rows.Stats.BytesScanned, rows.Stats.CostUSD, rows.Stats.Elapsed, rows.Stats.Files
		perDay := map[string]int64{}
		for _, row := range rows.Rows {
			m := Match{Rule: r.Name}
			m.LogType, _ = row[1].(string)
			m.RecordID, _ = row[2].(string)
			m.EventTime, _ = row[3].(time.Time)
			m.EventTime = m.EventTime.UTC()
			m.DT, _ = row[4].(string)
			res.Matches++
			perDay[m.EventTime.Format("2006-01-02")]++
			if onMatch != nil {
				if err := onMatch(m); err != nil {
					return out, err
				}
			}
		}
		for d, n := range perDay {
			res.PerDay = append(res.PerDay, DayCount{Day: d, Matches: n})
		}
		sort.Slice(res.PerDay, func(i, j int) bool { return res.PerDay[i].Day < res.PerDay[j].Day })
		out = append(out, res)
	}
	return out, nil
}
