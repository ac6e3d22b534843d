// Package correlation runs Sigma correlation rules over a stream of
// classified records: per rule, state per group (the group-by values),
// sliding windows over event time with a bounded allowed lateness, a
// bound on the groups a rule keeps, one Alert per crossing of the rule's
// condition, and state that is checkpointed and restored so that a
// restart neither loses a half-complete sequence nor fires it twice.
//
// The window semantics are those of rules.Correlation (docs/rules.md,
// "Correlation rules"); the SQL compiled by package queries computes the
// same alerts over the lake.
//
// # Order and lateness
//
// Records may arrive out of event-time order. An Engine keeps each rule's
// events pending until its frontier — the latest event time the rule has
// seen less the allowed lateness — passes them, then evaluates them in
// (event time, record id) order, so that arrival order does not change
// the answer. An event older than the frontier when it arrives is too
// late: it is left out and counted (Stats.Late). Flush evaluates every
// pending event (at the end of a finite input).
//
// # Memory
//
// A group whose last event is more than the timespan before the event
// being evaluated can no longer contribute and is dropped. At most
// Options.MaxGroups groups are kept per rule; a new group beyond that
// evicts the group updated longest ago (Stats.Evicted), which may then
// miss an alert the SQL reports.
package correlation
