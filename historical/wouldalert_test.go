package historical

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/streamalert/streamalert/alerts"
)

func TestWouldAlert(t *testing.T) {
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	// match is a back-test match of a CloudTrail-like row, keyed (as lake
	// rows are) by column names; user is useridentity.username.
	match := func(i int, user string, after time.Duration) Match {
		return Match{Rule: "r", LogType: "cloudtrail:events", RecordID: fmt.Sprint("id", i), EventTime: at.Add(after),
			Record: map[string]any{"eventname": "ConsoleLogin", "useridentity": map[string]any{"username": user}}}
	}
	three := []Match{match(1, "alice", 0), match(2, "alice", time.Minute), match(3, "bob", 2*time.Minute)}
	cases := []struct {
		name    string
		rule    alerts.RuleInfo
		matches []Match
		want    int
	}{
		{"no matches", alerts.RuleInfo{Name: "r"}, nil, 0},
		{"one alert per match", alerts.RuleInfo{Name: "r"}, three, 3},
		{"staged rules count as not staged", alerts.RuleInfo{Name: "r", Staged: true}, three, 3},
		// The merge key is spelled as in the log (camel case); the rows are
		// keyed by columns: renamed, alice's two matches merge into one.
		{"merge by a field named as in the log", alerts.RuleInfo{Name: "r", MergeByKeys: []string{"userIdentity.userName"}, MergeWindow: time.Hour}, three, 2},
		{"merge window shorter than the gap", alerts.RuleInfo{Name: "r", MergeByKeys: []string{"userIdentity.userName"}, MergeWindow: time.Second},
			[]Match{match(1, "alice", 0), match(2, "alice", time.Hour)}, 2},
		{"threshold not reached", alerts.RuleInfo{Name: "r", Threshold: 4}, three, 0},
		{"threshold reached by the third", alerts.RuleInfo{Name: "r", Threshold: 3}, three, 1},
		{"threshold per merge key", alerts.RuleInfo{Name: "r", Threshold: 2, MergeByKeys: []string{"userIdentity.userName"}, MergeWindow: time.Hour}, three, 1},
		{"dedup period", alerts.RuleInfo{Name: "r", DedupPeriod: time.Hour}, three, 1},
	}
	for _, c := range cases {
		got, err := WouldAlert(context.Background(), c.rule, c.matches)
		if err != nil || got != c.want {
			t.Errorf("%s: WouldAlert = %d, %v; want %d", c.name, got, err, c.want)
		}
	}
}
