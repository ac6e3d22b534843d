package queries

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/streamalert/streamalert/internal/duration"
)

// Schedule is when a hunt runs, in UTC. Written as
//
//   - a duration (15m, 1h, 1d) or EventBridge's rate(15 minutes): every
//     that long, at multiples of it since the Unix epoch (1h on the hour,
//     1d at midnight);
//   - a cron expression: five fields, minute hour day-of-month month
//     day-of-week (0 or 7 is Sunday), or EventBridge's six-field
//     cron(minute hour day-of-month month day-of-week year) with 1 as
//     Sunday and ? for "any". Fields take *, numbers, a-b ranges, /step
//     and comma lists; months and days may be named (JAN, MON). When both
//     day fields are restricted a day matching either runs, as in cron.
//
// A run at time T reads the window from the previous run time to T.
type Schedule struct {
	text  string
	every time.Duration // interval schedules
	cron  *cronSpec
}

type cronSpec struct {
	minute, hour, dom, month, dow uint64 // bit sets
	years                         map[int]bool
	domAny, dowAny                bool
}

// maxCronSearch bounds the search for the next or previous run time.
const maxCronSearch = 5 * 366 * 24 * time.Hour

// ParseSchedule reads a schedule (see Schedule).
func ParseSchedule(s string) (Schedule, error) {
	text := strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(text, "rate(") && strings.HasSuffix(text, ")"):
		d, err := parseRate(strings.TrimSuffix(strings.TrimPrefix(text, "rate("), ")"))
		if err != nil {
			return Schedule{}, fmt.Errorf("schedule %q: %w", s, err)
		}
		return Schedule{text: text, every: d}, nil
	case strings.HasPrefix(text, "cron(") && strings.HasSuffix(text, ")"):
		c, err := parseCron(strings.Fields(strings.TrimSuffix(strings.TrimPrefix(text, "cron("), ")")), true)
		if err != nil {
			return Schedule{}, fmt.Errorf("schedule %q: %w", s, err)
		}
		return Schedule{text: text, cron: c}, nil
	case len(strings.Fields(text)) == 5:
		c, err := parseCron(strings.Fields(text), false)
		if err != nil {
			return Schedule{}, fmt.Errorf("schedule %q: %w", s, err)
		}
		return Schedule{text: text, cron: c}, nil
	}
	d, err := duration.Parse(text)
	if err != nil {
		return Schedule{}, fmt.Errorf("schedule %q: want a duration of whole minutes (15m, 1h, 1d), rate(5 minutes) or a cron expression (0 * * * *): %w", s, err)
	}
	if d < time.Minute || d%time.Minute != 0 {
		return Schedule{}, fmt.Errorf("schedule %q: want a duration of whole minutes (15m, 1h, 1d), rate(5 minutes) or a cron expression (0 * * * *)", s)
	}
	return Schedule{text: text, every: d}, nil
}

func parseRate(s string) (time.Duration, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, fmt.Errorf("rate wants a number and a unit, e.g. rate(5 minutes)")
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("rate %q: the number must be a positive integer", f[0])
	}
	unit := map[string]time.Duration{"minute": time.Minute, "minutes": time.Minute, "hour": time.Hour, "hours": time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour}[f[1]]
	if unit == 0 {
		return 0, fmt.Errorf("rate unit %q: want minute(s), hour(s) or day(s)", f[1])
	}
	if (n == 1) != !strings.HasSuffix(f[1], "s") {
		return 0, fmt.Errorf("rate(%s): write rate(1 %s) for one and rate(n %ss) for more", s, strings.TrimSuffix(f[1], "s"), strings.TrimSuffix(f[1], "s"))
	}
	return time.Duration(n) * unit, nil
}

var (
	monthNames = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	dayNames   = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
)

// parseCron reads the fields; eventBridge selects cron(…)'s six fields
// and 1-based days of the week.
func parseCron(f []string, eventBridge bool) (*cronSpec, error) {
	want := 5
	if eventBridge {
		want = 6
	}
	if len(f) != want {
		return nil, fmt.Errorf("%d fields, want %d", len(f), want)
	}
	c := &cronSpec{}
	var err error
	if c.minute, _, err = cronField(f[0], "minute", 0, 59, nil, 0, false); err != nil {
		return nil, err
	}
	if c.hour, _, err = cronField(f[1], "hour", 0, 23, nil, 0, false); err != nil {
		return nil, err
	}
	if c.dom, c.domAny, err = cronField(f[2], "day of month", 1, 31, nil, 0, eventBridge); err != nil {
		return nil, err
	}
	if c.month, _, err = cronField(f[3], "month", 1, 12, monthNames, 1, false); err != nil {
		return nil, err
	}
	if eventBridge {
		// EventBridge: 1-7, Sunday first; stored 0-6.
		var d uint64
		if d, c.dowAny, err = cronField(f[4], "day of week", 1, 7, dayNames, 1, true); err != nil {
			return nil, err
		}
		c.dow = d >> 1
		if c.domAny == c.dowAny && !(f[2] == "*" && f[4] == "*") {
			// EventBridge wants exactly one of the two as ?.
			if !c.domAny {
				return nil, fmt.Errorf("day of month and day of week are both set: make one of them ?")
			}
		}
		if f[5] != "*" {
			c.years = map[int]bool{}
			ys, _, err := cronField(f[5], "year", 2000, 2063, nil, 0, false)
			if err != nil {
				return nil, err
			}
			for i := 0; i < 64; i++ {
				if ys&(1<<i) != 0 {
					c.years[2000+i] = true
				}
			}
		}
	} else {
		var d uint64
		if d, c.dowAny, err = cronField(f[4], "day of week", 0, 7, dayNames, 0, false); err != nil {
			return nil, err
		}
		if d&(1<<7) != 0 {
			d |= 1 // 7 is Sunday too
		}
		c.dow = d &^ (1 << 7)
	}
	return c, nil
}

// cronField reads one field into a bit set (bit i for value i); names,
// if any, stand for first, first+1, …; any reports * (or ? when allowed).
func cronField(s, what string, lo, hi int, names []string, first int, question bool) (uint64, bool, error) {
	if s == "*" || (question && s == "?") {
		var set uint64
		for v := lo; v <= hi; v++ {
			set |= 1 << (v - offset(lo))
		}
		return set, true, nil
	}
	value := func(t string) (int, error) {
		for i, n := range names {
			if strings.EqualFold(t, n) {
				return first + i, nil
			}
		}
		v, err := strconv.Atoi(t)
		if err != nil || v < lo || v > hi {
			return 0, fmt.Errorf("%s %q: want %d-%d", what, t, lo, hi)
		}
		return v, nil
	}
	var set uint64
	for _, part := range strings.Split(s, ",") {
		rng, stepText, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || n <= 0 {
				return 0, false, fmt.Errorf("%s step %q: want a positive integer", what, stepText)
			}
			step = n
		}
		from, to := lo, hi
		switch a, b, isRange := strings.Cut(rng, "-"); {
		case rng == "*":
		case isRange:
			var err error
			if from, err = value(a); err != nil {
				return 0, false, err
			}
			if to, err = value(b); err != nil {
				return 0, false, err
			}
			if from > to {
				return 0, false, fmt.Errorf("%s range %q runs backwards", what, rng)
			}
		default:
			v, err := value(rng)
			if err != nil {
				return 0, false, fmt.Errorf("%s (L, W and # are not supported)", err)
			}
			from = v
			if !hasStep {
				to = v
			}
		}
		for v := from; v <= to; v += step {
			set |= 1 << (v - offset(lo))
		}
	}
	return set, false, nil
}

// offset keeps year bits starting at 0; other fields are stored by value.
func offset(lo int) int {
	if lo >= 2000 {
		return lo
	}
	return 0
}

// String is the schedule as written.
func (s Schedule) String() string { return s.text }

// IsZero reports an unset schedule.
func (s Schedule) IsZero() bool { return s.every == 0 && s.cron == nil }

// Every is the interval of a duration or rate schedule; 0 for cron.
func (s Schedule) Every() time.Duration { return s.every }

// Next returns the first run time after t; the zero time when there is
// none within five years (a cron expression for past years).
func (s Schedule) Next(t time.Time) time.Time {
	t = t.UTC()
	if s.every > 0 {
		return t.Truncate(s.every).Add(s.every)
	}
	if s.cron == nil {
		return time.Time{}
	}
	c := s.cron
	at := t.Truncate(time.Minute).Add(time.Minute)
	for limit := at.Add(maxCronSearch); at.Before(limit); {
		switch {
		case c.years != nil && !c.years[at.Year()]:
			at = time.Date(at.Year()+1, 1, 1, 0, 0, 0, 0, time.UTC)
		case c.month&(1<<uint(at.Month())) == 0:
			at = time.Date(at.Year(), at.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		case !c.day(at):
			at = time.Date(at.Year(), at.Month(), at.Day()+1, 0, 0, 0, 0, time.UTC)
		case c.hour&(1<<uint(at.Hour())) == 0:
			at = at.Truncate(time.Hour).Add(time.Hour)
		case c.minute&(1<<uint(at.Minute())) == 0:
			at = at.Add(time.Minute)
		default:
			return at
		}
	}
	return time.Time{}
}

// Prev returns the last run time at or before t; the zero time when there
// is none within five years.
func (s Schedule) Prev(t time.Time) time.Time {
	t = t.UTC()
	if s.every > 0 {
		return t.Truncate(s.every)
	}
	if s.cron == nil {
		return time.Time{}
	}
	c := s.cron
	at := t.Truncate(time.Minute)
	for limit := at.Add(-maxCronSearch); at.After(limit); {
		switch {
		case c.years != nil && !c.years[at.Year()]:
			at = time.Date(at.Year(), 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Minute)
		case c.month&(1<<uint(at.Month())) == 0:
			at = time.Date(at.Year(), at.Month(), 1, 0, 0, 0, 0, time.UTC).Add(-time.Minute)
		case !c.day(at):
			at = time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC).Add(-time.Minute)
		case c.hour&(1<<uint(at.Hour())) == 0:
			at = at.Truncate(time.Hour).Add(-time.Minute)
		case c.minute&(1<<uint(at.Minute())) == 0:
			at = at.Add(-time.Minute)
		default:
			return at
		}
	}
	return time.Time{}
}

// day applies cron's rule: with both day fields restricted, either may
// match; otherwise both must.
func (c *cronSpec) day(t time.Time) bool {
	dom := c.dom&(1<<uint(t.Day())) != 0
	dow := c.dow&(1<<uint(t.Weekday())) != 0
	if !c.domAny && !c.dowAny {
		return dom || dow
	}
	return dom && dow
}

// Window is the window a run at fire time reads: from the previous run
// time to fire. A zero start means there is no previous run in reach.
func (s Schedule) Window(fire time.Time) (start, end time.Time) {
	return s.Prev(fire.Add(-time.Nanosecond)), fire.UTC()
}

// Period is the length of the window of the run at or before t (the
// schedule's interval, for cron the gap between its last two runs).
func (s Schedule) Period(t time.Time) time.Duration {
	fire := s.Prev(t)
	start, end := s.Window(fire)
	if fire.IsZero() || start.IsZero() {
		return 0
	}
	return end.Sub(start)
}

// EventBridge writes the schedule as an EventBridge Scheduler expression:
// rate(…) for an interval (EventBridge starts rates when the schedule is
// created, not at multiples since the epoch; the hunts Lambda computes its
// windows from the run time either way), cron(…) for a cron expression,
// with days of the week counted from 1 (Sunday) and ? in the day field
// that is not restricted. Cron's "either day field" rule has no
// EventBridge form: restricting both is an error.
func (s Schedule) EventBridge() (string, error) {
	if s.every > 0 {
		unit := func(n time.Duration, one string) string {
			if n == 1 {
				return fmt.Sprintf("rate(1 %s)", one)
			}
			return fmt.Sprintf("rate(%d %ss)", n, one)
		}
		switch d := s.every; {
		case d%(24*time.Hour) == 0:
			return unit(d/(24*time.Hour), "day"), nil
		case d%time.Hour == 0:
			return unit(d/time.Hour, "hour"), nil
		default:
			return unit(d/time.Minute, "minute"), nil
		}
	}
	if s.cron == nil {
		return "", fmt.Errorf("no schedule")
	}
	if strings.HasPrefix(s.text, "cron(") {
		return s.text, nil
	}
	f := strings.Fields(s.text)
	dom, dow := f[2], "?"
	switch {
	case !s.cron.dowAny && !s.cron.domAny:
		return "", fmt.Errorf("schedule %q restricts both the day of the month and the day of the week, which EventBridge cannot express; restrict one", s.text)
	case !s.cron.dowAny:
		dom = "?"
		var days []string
		for d := 0; d < 7; d++ {
			if s.cron.dow&(1<<d) != 0 {
				days = append(days, strconv.Itoa(d+1))
			}
		}
		dow = strings.Join(days, ",")
	}
	return fmt.Sprintf("cron(%s %s %s %s %s *)", f[0], f[1], dom, f[3], dow), nil
}
