package queries

import (
	"fmt"
	"strings"
	"time"
)

// DefaultLate is how long after its event a record may arrive in the lake
// and still be found by a query over the event's time range. The lake is
// partitioned by arrival hour (dt), not by event time.
const DefaultLate = 24 * time.Hour

// earlySkew allows for records whose event time is a little after their
// arrival (clocks of the sources run ahead).
const earlySkew = time.Hour

// TimeRange is the event times a query covers: From inclusive, To
// exclusive. A zero From or To leaves that side open.
type TimeRange struct {
	From, To time.Time
	// Late widens the dt partitions read after To: records arrive after
	// their event. Zero means DefaultLate; negative means none; AnyLate
	// reads every partition from From on, for records loaded long after
	// their event (a back-test over history loaded today).
	Late time.Duration
}

// AnyLate as a TimeRange's Late leaves the dt partitions open after To.
const AnyLate = time.Duration(1<<63 - 1)

// Since is the range of the last d before now.
func Since(d time.Duration, now time.Time) TimeRange {
	return TimeRange{From: now.Add(-d), To: now}
}

// IsZero reports whether the range is open on both sides.
func (r TimeRange) IsZero() bool { return r.From.IsZero() && r.To.IsZero() }

func (r TimeRange) String() string {
	f, t := "…", "…"
	if !r.From.IsZero() {
		f = r.From.UTC().Format(time.RFC3339)
	}
	if !r.To.IsZero() {
		t = r.To.UTC().Format(time.RFC3339)
	}
	return "[" + f + ", " + t + ")"
}

// Partitions returns the dt partition bounds (inclusive, "YYYY-MM-DD-HH")
// the range reads; an empty bound is open.
func (r TimeRange) Partitions() (from, to string) {
	if !r.From.IsZero() {
		from = dtOf(r.From.Add(-earlySkew))
	}
	if !r.To.IsZero() && r.Late != AnyLate {
		late := r.Late
		switch {
		case late == 0:
			late = DefaultLate
		case late < 0:
			late = 0
		}
		to = dtOf(r.To.Add(late))
	}
	return from, to
}

// Covers reports whether the dt partition (YYYY-MM-DD-HH) is read.
func (r TimeRange) Covers(dt string) bool {
	from, to := r.Partitions()
	return (from == "" || dt >= from) && (to == "" || dt <= to)
}

func dtOf(t time.Time) string { return t.UTC().Format("2006-01-02-15") }

// ParseTime reads a time for --from/--to: RFC 3339, a date (YYYY-MM-DD,
// midnight UTC), or a date and time without zone (UTC).
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q: want RFC 3339 (2024-05-01T10:00:00Z) or a date (2024-05-01)", s)
}
