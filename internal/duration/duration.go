// Package duration reads the durations written in rules, config files,
// hunt packs and command-line flags ("90s", "15m", "48h", "7d", "2w",
// "1h30m"), so that every place accepts the same text.
//
// The grammar:
//
//	duration = "0" | term { term }
//	term     = digits unit
//	unit     = "w" | "d" | "h" | "m" | "s" | "ms"
//
// A week is 7 days and a day 24 hours (no calendar, no daylight saving).
// The units of a duration go from the largest to the smallest, each at
// most once ("1d12h", not "12h1d"). Numbers are whole: "1h30m", not
// "1.5h". There is no sign: a negative duration is refused. Spaces around
// the text are ignored; spaces inside it are not allowed. The value must
// fit a time.Duration (about 292 years).
//
// Sigma correlation timespans ("10m", "1h", "2d") are durations of this
// grammar.
package duration

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// units in the order a duration writes them, largest first.
var units = []struct {
	name string
	size time.Duration
}{
	{"w", 7 * 24 * time.Hour},
	{"d", 24 * time.Hour},
	{"h", time.Hour},
	{"m", time.Minute},
	{"s", time.Second},
	{"ms", time.Millisecond},
}

const examples = "as in 90s, 15m, 48h, 7d, 2w or 1h30m"

// Parse reads a duration of the package's grammar.
func Parse(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%q is not a duration: %s", s, fmt.Sprintf(format, args...))
	}
	switch {
	case t == "":
		return 0, bad("it is empty; want a whole number and a unit (w, d, h, m, s, ms), %s", examples)
	case t == "0":
		return 0, nil
	case t[0] == '-':
		return 0, bad("a duration cannot be negative")
	case t[0] == '+':
		return 0, bad("write it without a sign, %s", examples)
	}
	var total time.Duration
	next := 0 // index into units of the largest unit still allowed
	for i := 0; i < len(t); {
		start := i
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i++
		}
		digits := t[start:i]
		ustart := i
		for i < len(t) && (t[i] < '0' || t[i] > '9') {
			i++
		}
		unit := t[ustart:i]
		switch {
		case digits == "":
			return 0, bad("%q has no number before it; want a whole number and a unit, %s", unit, examples)
		case strings.HasPrefix(unit, "."):
			return 0, bad("numbers must be whole (1h30m, not 1.5h)")
		case unit == "":
			return 0, bad("%s has no unit (w, d, h, m, s or ms)", digits)
		}
		u := -1
		for j := range units {
			if units[j].name == unit {
				u = j
				break
			}
		}
		if u < 0 {
			return 0, bad("unknown unit %q (want w, d, h, m, s or ms)", unit)
		}
		if u < next {
			return 0, bad("units must go from the largest to the smallest, each once (w d h m s ms), as in 1d12h or 1h30m")
		}
		next = u + 1
		var n int64
		for _, c := range digits {
			if n > (math.MaxInt64-9)/10 {
				return 0, bad("it is too long for a duration (at most about 292 years)")
			}
			n = n*10 + int64(c-'0')
		}
		size := int64(units[u].size)
		if n > (math.MaxInt64-int64(total))/size {
			return 0, bad("it is too long for a duration (at most about 292 years)")
		}
		total += time.Duration(n * size)
	}
	return total, nil
}
