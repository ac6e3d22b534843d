package correlation

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/streamalert/streamalert/rules"
)

func newAlert(r *rules.Rule, e *event, value float64, ids []string) Alert {
	end := time.UnixMicro(e.T).UTC()
	return Alert{ID: AlertID(r.Name, e.Key, e.ID), Rule: r, Group: e.Vals,
		WindowStart: end.Add(-r.Correlation.Timespan), WindowEnd: end,
		RecordID: e.ID, RecordIDs: ids, Value: value}
}

// AlertID is the stable id of a correlation alert: the rule, the group
// (its values joined by NUL) and the record that made the condition hold.
func AlertID(rule, groupKey, recordID string) string {
	h := sha256.New()
	for _, s := range []string{rule, groupKey, recordID} {
		h.Write([]byte(s))
		h.Write([]byte{0xff})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
