package historical

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/queries"
	"github.com/streamalert/streamalert/schema"
)

// SweepHit is one record value found in an IOC set by a sweep.
type SweepHit struct {
	IOC            string    `json:"ioc"`
	IOCType        string    `json:"ioc_type"`
	Set            string    `json:"set"`
	Source         string    `json:"source"`
	LogType        string    `json:"log_type"`
	NormalizedType string    `json:"normalized_type"`
	Value          string    `json:"value"`
	RecordID       string    `json:"record_id"`
	EventTime      time.Time `json:"event_time"`
}

// SweepRule is the pack rule whose alerts a sweep hit on values of a
// normalized type becomes (intel_ioc_ip_address, …): the rule that alerts
// on the same hit while streaming, so that a hit already alerted on is the
// same alert (the same stable id) and is not raised again.
func SweepRule(normalizedType string) string { return "intel_ioc_" + normalizedType }

// SweepStats counts a sweep.
type SweepStats struct {
	LogTypes int // log types swept
	Hits     int
	Elapsed  time.Duration
}

// Sweep runs the IOC sweep of each log type over the time range, against
// the latest snapshot of the iocs table, and calls fn for every hit.
func (e *Engine) Sweep(ctx context.Context, types []*schema.LogType, rng queries.TimeRange, fn func(SweepHit) error) (SweepStats, error) {
	var st SweepStats
	start := time.Now()
	for _, lt := range types {
		sw, ok, err := queries.Options{}.CompileSweep(lt, queries.DuckDB, rng)
		if err != nil {
			return st, err
		}
		if !ok {
			continue
		}
		st.LogTypes++
		res, err := e.Query(ctx, sw.SQL, nil)
		if err != nil {
			return st, fmt.Errorf("sweep %s: %w", lt.Name, err)
		}
		err = scanHits(res.Rows, func(h SweepHit) error {
			st.Hits++
			return fn(h)
		})
		if _, ferr := res.Finish(); err == nil {
			err = ferr
		}
		if err != nil {
			return st, fmt.Errorf("sweep %s: %w", lt.Name, err)
		}
	}
	st.Elapsed = time.Since(start)
	return st, nil
}

func scanHits(rows *sql.Rows, fn func(SweepHit) error) error {
	for rows.Next() {
		var h SweepHit
		var source sql.NullString
		var dt string
		if err := rows.Scan(&h.IOC, &h.IOCType, &h.Set, &source, &h.LogType, &h.NormalizedType, &h.Value, &h.RecordID, &h.EventTime, &dt); err != nil {
			return err
		}
		h.Source = source.String
		h.EventTime = h.EventTime.UTC()
		if err := fn(h); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Match turns a hit into the alert match of rule (the SweepRule of its
// normalized type): the same rule and record as the streaming alert, so the
// same stable alert id, with the hit in the matched values as streaming
// puts it, and "sweep": true to mark where it came from.
func (h SweepHit) Match(rule alerts.RuleInfo) alerts.Match {
	return alerts.Match{
		Rule: rule, LogType: h.LogType, RecordID: h.RecordID, EventTime: h.EventTime,
		Matched: map[string]any{
			"normalized." + h.NormalizedType: h.Value,
			"ioc": []map[string]any{{
				"field": "normalized." + h.NormalizedType, "value": h.Value, "ioc": h.IOC, "type": h.IOCType,
				"set": h.Set, "source": h.Source,
			}},
			"sweep": true,
		},
	}
}
