// Package alerts turns rule matches into alerts and delivers them.
//
// A rule match becomes an Alert with a stable id (the same rule on the same
// record always gives the same id, so replays are harmless). The Processor
// applies a rule's threshold, dedup period, merge keys and staging; the
// Dispatcher sends pending alerts to their outputs (`service:descriptor`)
// with retries, keeping per-output state so a success is never repeated.
// Alerts live in a Store (an embedded bbolt file locally); secrets of the
// outputs live in an age-encrypted Credentials file, never in outputs.yaml.
//
// The package knows nothing of where a match came from beyond its fields:
// callers convert their rule and record types into RuleInfo and Match.
package alerts

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// RuleInfo is the alerting metadata of a rule, as plain input.
type RuleInfo struct {
	Name        string        `json:"name"`
	Title       string        `json:"title,omitempty"`
	Description string        `json:"description,omitempty"`
	Severity    string        `json:"severity,omitempty"`
	Runbook     string        `json:"runbook,omitempty"`
	Tags        []string      `json:"tags,omitempty"`
	Outputs     []string      `json:"outputs,omitempty"`
	MergeByKeys []string      `json:"merge_by_keys,omitempty"`
	MergeWindow time.Duration `json:"merge_window,omitempty"`
	DedupPeriod time.Duration `json:"dedup_period,omitempty"`
	Threshold   int           `json:"threshold,omitempty"`
	Staged      bool          `json:"staged,omitempty"`
	// StagedUntil ends a staged rule's staging at that time (the rule's
	// staged_until), whatever it raised.
	StagedUntil time.Time      `json:"staged_until,omitzero"`
	Context     map[string]any `json:"context,omitempty"`
}

// merges reports whether the rule merges alerts (both keys and window set).
func (r *RuleInfo) merges() bool { return len(r.MergeByKeys) > 0 && r.MergeWindow > 0 }

// Match is one record that one rule selected.
type Match struct {
	Rule      RuleInfo
	LogType   string
	Source    string
	RecordID  string
	EventTime time.Time
	// Record is the record as a JSON-able map (nested maps and slices).
	Record map[string]any
	// Matched optionally holds the values that made the rule match, by path.
	Matched map[string]any
}

// Status is where an alert is in its life.
type Status string

// The statuses of an alert. Only pending alerts are sent; an alert is
// never deleted, so every status can be listed.
const (
	// StatusSuppressed: below the rule's threshold or a duplicate within its dedup period.
	StatusSuppressed Status = "suppressed"
	// StatusMerging: waiting in an open merge group.
	StatusMerging Status = "merging"
	// StatusMerged: folded into a merged alert (MergedInto names it).
	StatusMerged Status = "merged"
	// StatusStaged: raised by a staged rule; goes to no output until released.
	StatusStaged Status = "staged"
	// StatusPending: waiting for delivery to at least one output.
	StatusPending Status = "pending"
	// StatusDelivered: every output has it.
	StatusDelivered Status = "delivered"
	// StatusFailed: at least one output gave up; re-sent by Dispatcher.Retry.
	StatusFailed Status = "failed"
)

// Statuses lists every status, for flags and validation.
var Statuses = []Status{StatusSuppressed, StatusMerging, StatusMerged, StatusStaged, StatusPending, StatusDelivered, StatusFailed}

// ParseStatus checks a status name.
func ParseStatus(s string) (Status, bool) {
	for _, st := range Statuses {
		if string(st) == s {
			return st, true
		}
	}
	return "", false
}

// Alert is one alert: a match (or a merge of matches) of one rule.
type Alert struct {
	ID   string `json:"id"`
	Rule string `json:"rule"`

	// The lifecycle fields come first in the encoded form, before any
	// nested value, so Store.Mark can change them in place.
	Status  Status    `json:"status"`
	Created time.Time `json:"created"`
	// MergeGroup names the open group a merging alert waits in; it is also
	// the id the merged alert will have.
	MergeGroup string `json:"merge_group,omitempty"`
	// MergedInto names the merged alert a merged member became part of.
	MergedInto string `json:"merged_into,omitempty"`

	Title       string   `json:"title,omitempty"`
	Description string   `json:"description,omitempty"`
	Severity    string   `json:"severity,omitempty"`
	Runbook     string   `json:"runbook,omitempty"`
	Tags        []string `json:"tags,omitempty"`

	LogType   string         `json:"log_type,omitempty"`
	Source    string         `json:"source,omitempty"`
	RecordID  string         `json:"record_id,omitempty"`
	EventTime time.Time      `json:"event_time"`
	Record    map[string]any `json:"record,omitempty"`
	Matched   map[string]any `json:"matched,omitempty"`
	// MergeKeys are the rule's merge_by_keys; KeyValues their values in the
	// record; Key the canonical text of those values that threshold, dedup
	// and merging group by ("" when the rule has no merge keys).
	MergeKeys   []string       `json:"merge_keys,omitempty"`
	MergeWindow time.Duration  `json:"merge_window,omitempty"`
	KeyValues   map[string]any `json:"key_values,omitempty"`
	Key         string         `json:"key,omitempty"`
	Context     map[string]any `json:"context,omitempty"`
	Outputs     []string       `json:"outputs,omitempty"`

	// Reason says why an alert was suppressed.
	Reason string `json:"reason,omitempty"`
	// Staged marks an alert raised while its rule was staged.
	Staged     bool      `json:"staged,omitempty"`
	Dispatched time.Time `json:"dispatched,omitzero"`
	// Delivery is the state of each output, by output name.
	Delivery map[string]*Delivery `json:"delivery,omitempty"`

	// Merge describes a merged alert.
	Merge *MergeInfo `json:"merge,omitempty"`
	// DuplicateOf names the alert a dedup-suppressed alert repeats.
	DuplicateOf string `json:"duplicate_of,omitempty"`
}

// Delivery is the state of one alert at one output.
type Delivery struct {
	Attempts    int       `json:"attempts"`
	LastError   string    `json:"last_error,omitempty"`
	LastAttempt time.Time `json:"last_attempt,omitzero"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	Sent        time.Time `json:"sent,omitzero"`
	// Fallback is the service's refusal of the alert's full payload, when
	// the output then sent its minimal payload instead.
	Fallback string `json:"fallback,omitempty"`
	// Failed marks an output that gave up (attempts exhausted or a
	// permanent error); Dispatcher.Retry clears it.
	Failed bool `json:"failed,omitempty"`
}

// MergeInfo describes the alerts a merged alert stands for.
type MergeInfo struct {
	Count int       `json:"count"`
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	// MergedBy holds the merge keys and their common values.
	MergedBy map[string]any `json:"merged_by"`
	// CommonKeys holds every other record path (dotted) whose value was the
	// same in all merged records.
	CommonKeys map[string]any `json:"common_keys,omitempty"`
	// ValueDiffs holds, for each path whose value differed (or was missing
	// in some records), the distinct values seen, at most MaxDiffValues.
	ValueDiffs map[string][]any `json:"value_diffs,omitempty"`
	// DiffsTruncated is set when some path had more distinct values than kept.
	DiffsTruncated bool `json:"diffs_truncated,omitempty"`
}

// MaxDiffValues caps the distinct values kept per path in MergeInfo.ValueDiffs.
const MaxDiffValues = 20

// AlertID is the stable id of the alert that rule raises on record:
// the first 128 bits of SHA-256 over both, in hex.
func AlertID(rule, recordID string) string {
	return hashID(rule, "\x00", recordID)
}

func hashID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:16])
}

// Clock tells the time; tests inject a fake one.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock, in UTC.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// pendingOutputs reports the outputs that still need a send.
func (a *Alert) pendingOutputs() []string {
	var out []string
	for _, name := range a.Outputs {
		d := a.Delivery[name]
		if d == nil || (d.Sent.IsZero() && !d.Failed) {
			out = append(out, name)
		}
	}
	return out
}

// settle sets the status of a dispatched alert from its deliveries:
// delivered when every output has it, failed when the rest gave up.
func (a *Alert) settle() {
	sent, failed := 0, 0
	for _, name := range a.Outputs {
		d := a.Delivery[name]
		switch {
		case d == nil:
		case !d.Sent.IsZero():
			sent++
		case d.Failed:
			failed++
		}
	}
	switch {
	case sent == len(a.Outputs):
		a.Status = StatusDelivered
	case sent+failed == len(a.Outputs):
		a.Status = StatusFailed
	default:
		a.Status = StatusPending
	}
}

// initDelivery gives every output a fresh delivery state.
func (a *Alert) initDelivery() {
	a.Delivery = make(map[string]*Delivery, len(a.Outputs))
	for _, o := range a.Outputs {
		a.Delivery[o] = &Delivery{}
	}
}

// makePending readies an alert for delivery. An alert without outputs has
// nothing to wait for: it is delivered (to the lake and the store only).
func (a *Alert) makePending() {
	a.initDelivery()
	a.Status = StatusPending
	if len(a.Outputs) == 0 {
		a.Status = StatusDelivered
	}
}

// due is when a pending alert next has an output to try: the earliest
// next attempt of its unsent outputs (its creation when one was never
// tried). Other alerts are keyed by creation.
func (a *Alert) due() time.Time {
	if a.Status != StatusPending {
		return a.Created
	}
	var due time.Time
	for _, name := range a.pendingOutputs() {
		t := a.Created
		if d := a.Delivery[name]; d != nil && !d.NextAttempt.IsZero() {
			t = d.NextAttempt
		}
		if due.IsZero() || t.Before(due) {
			due = t
		}
	}
	if due.IsZero() {
		return a.Created
	}
	return due
}
