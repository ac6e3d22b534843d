package historical

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/schema"
)

// WouldAlert counts the alerts a rule's back-test matches would have made:
// the matches go through an alert processor on a throw-away store, with
// the rule's threshold, dedup and merging but without staging, every merge
// window is closed, and the alerts a person would have seen are counted:
// neither held back (threshold, dedup) nor folded into a merge. Nothing
// is sent.
//
// Lake rows are keyed by column names (lower case, sanitized), so the
// rule's merge keys are renamed the same way (schema.ColumnName of each
// path part) before the matches are processed. Merging reads the keys from
// each match's Record (BacktestOptions.Records); a match without one merges
// as a record lacking those keys.
func WouldAlert(ctx context.Context, rule alerts.RuleInfo, matches []Match) (int, error) {
	if len(matches) == 0 {
		return 0, nil
	}
	rule.Staged = false
	keys := make([]string, len(rule.MergeByKeys))
	for i, k := range rule.MergeByKeys {
		parts := strings.Split(k, ".")
		for j, p := range parts {
			parts[j] = schema.ColumnName(p)
		}
		keys[i] = strings.Join(parts, ".")
	}
	rule.MergeByKeys = keys
	ms := make([]alerts.Match, len(matches))
	for i, m := range matches {
		ms[i] = alerts.Match{Rule: rule, LogType: m.LogType, RecordID: m.RecordID, EventTime: m.EventTime, Record: m.Record}
	}
	st := alerts.NewMemoryStore()
	proc, err := alerts.NewProcessor(alerts.ProcessorConfig{Store: st, Log: slog.New(slog.DiscardHandler), StagingPeriod: -1, MergeSettle: -1})
	if err != nil {
		return 0, fmt.Errorf("would-alert %s: %w", rule.Name, err)
	}
	if _, err := proc.Process(ctx, ms); err != nil {
		return 0, fmt.Errorf("would-alert %s: %w", rule.Name, err)
	}
	if _, err := proc.Settle(ctx); err != nil {
		return 0, fmt.Errorf("would-alert %s: %w", rule.Name, err)
	}
	seen, err := st.List(ctx, alerts.Filter{Status: []alerts.Status{alerts.StatusPending, alerts.StatusDelivered, alerts.StatusFailed, alerts.StatusStaged}})
	if err != nil {
		return 0, fmt.Errorf("would-alert %s: %w", rule.Name, err)
	}
	return len(seen), nil
}
