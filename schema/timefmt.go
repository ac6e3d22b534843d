package schema

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Named time formats a timestamp field may list under `formats`. Any other
// format is a Go reference layout ("2006-01-02 15:04:05").
const (
	TimeRFC3339 = "rfc3339" // 2006-01-02T15:04:05.999999999Z07:00 (a zone is required)
	TimeISO8601 = "iso8601" // like rfc3339, T or space, zone optional (UTC when absent), date alone allowed
	TimeRFC3164 = "rfc3164" // syslog "Jan _2 15:04:05"; the year is inferred from the ingest time
	TimeUnix    = "unix"    // seconds since the epoch, integer or fractional
	TimeUnixMs  = "unix_ms" // milliseconds since the epoch
	TimeUnixUs  = "unix_us" // microseconds since the epoch
	TimeUnixNs  = "unix_ns" // nanoseconds since the epoch
	TimeCLF     = "clf"     // Common Log Format "02/Jan/2006:15:04:05 -0700"
	layoutCLF   = "02/Jan/2006:15:04:05 -0700"
	layout3164  = "Jan _2 15:04:05"
)

// timeKind is a compiled time format.
type timeKind uint8

const (
	tfRFC3339 timeKind = iota
	tfISO8601
	tfRFC3164
	tfUnix
	tfUnixMs
	tfUnixUs
	tfUnixNs
	tfCLF
	tfLayout
)

var namedTimeFormats = map[string]timeKind{
	TimeRFC3339: tfRFC3339, TimeISO8601: tfISO8601, TimeRFC3164: tfRFC3164,
	TimeUnix: tfUnix, TimeUnixMs: tfUnixMs, TimeUnixUs: tfUnixUs, TimeUnixNs: tfUnixNs,
	TimeCLF: tfCLF,
}

// timeFormat is one compiled entry of a field's formats list.
type timeFormat struct {
	kind   timeKind
	layout string // for tfLayout
}

// checkTimeFormat validates one entry of a timestamp field's formats: a
// named format or a Go reference-time layout that contains at least one
// date or time element.
func checkTimeFormat(f string) error {
	if _, ok := namedTimeFormats[strings.ToLower(f)]; ok {
		return nil
	}
	if !strings.ContainsAny(f, "0123456789") {
		return fmt.Errorf("time format %q is neither a named format (rfc3339, iso8601, rfc3164, unix, unix_ms, unix_us, unix_ns, clf) nor a Go layout", f)
	}
	// A layout must render two different instants differently; otherwise
	// it holds no layout element at all ("v1").
	a := time.Date(2006, 1, 2, 15, 4, 5, 123456789, time.UTC)
	b := time.Date(2017, 11, 23, 8, 39, 51, 987654321, time.UTC)
	if a.Format(f) == b.Format(f) {
		return fmt.Errorf("time format %q holds no Go layout element (write it like 2006-01-02 15:04:05)", f)
	}
	if _, err := time.Parse(f, a.Format(f)); err != nil {
		return fmt.Errorf("time format %q: layout does not read back its own output: %v", f, err)
	}
	return nil
}

// compileTimeFormats turns a field's formats list (already checked) into
// timeFormats. nil means the defaults.
func compileTimeFormats(fs []string) []timeFormat {
	if len(fs) == 0 {
		return nil
	}
	out := make([]timeFormat, 0, len(fs))
	for _, f := range fs {
		if k, ok := namedTimeFormats[strings.ToLower(f)]; ok {
			out = append(out, timeFormat{kind: k})
		} else {
			out = append(out, timeFormat{kind: tfLayout, layout: f})
		}
	}
	return out
}

// parseTimeString reads s as a timestamp by the formats (nil: the
// defaults — RFC 3339 or ISO 8601, then epoch seconds, milliseconds,
// microseconds or nanoseconds by magnitude) and returns Unix microseconds.
// ingest anchors formats without a year.
func parseTimeString(formats []timeFormat, s string, ingest time.Time) (int64, bool) {
	if formats == nil {
		if us, ok := parseISO(s, false); ok {
			return us, true
		}
		return parseEpochAuto(s)
	}
	for _, f := range formats {
		if us, ok := f.parseString(s, ingest); ok {
			return us, true
		}
	}
	return 0, false
}

// parseTimeNumber reads the text of a JSON number as a timestamp: by the
// unix formats listed, or by magnitude when there are no formats.
func parseTimeNumber(formats []timeFormat, num string) (int64, bool) {
	if formats == nil {
		return parseEpochAuto(num)
	}
	for _, f := range formats {
		switch f.kind {
		case tfUnix, tfUnixMs, tfUnixUs, tfUnixNs:
			if us, ok := parseEpoch(num, f.kind); ok {
				return us, true
			}
		}
	}
	return 0, false
}

func (f timeFormat) parseString(s string, ingest time.Time) (int64, bool) {
	switch f.kind {
	case tfRFC3339:
		return parseISO(s, true)
	case tfISO8601:
		return parseISO(s, false)
	case tfUnix, tfUnixMs, tfUnixUs, tfUnixNs:
		return parseEpoch(strings.TrimSpace(s), f.kind)
	case tfRFC3164:
		return parseRFC3164(s, ingest)
	case tfCLF:
		return parseLayout(layoutCLF, s)
	case tfLayout:
		return parseLayout(f.layout, s)
	}
	return 0, false
}

func parseLayout(layout, s string) (int64, bool) {
	t, err := time.Parse(layout, s)
	if err != nil {
		return 0, false
	}
	return t.UnixMicro(), true
}

// parseRFC3164 reads a syslog timestamp without a year. The year is the
// ingest time's, or the one before when that would put the event more than
// a day in the future (a December event read in January).
func parseRFC3164(s string, ingest time.Time) (int64, bool) {
	t, err := time.Parse(layout3164, s)
	if err != nil {
		return 0, false
	}
	if ingest.IsZero() {
		ingest = time.Now()
	}
	ingest = ingest.UTC()
	y := ingest.Year()
	mk := func(y int) time.Time {
		return time.Date(y, t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	}
	ts := mk(y)
	if ts.Sub(ingest) > 24*time.Hour {
		ts = mk(y - 1)
	}
	return ts.UnixMicro(), true
}

// parseEpochAuto reads an epoch number whose unit is told by its magnitude:
// below 1e11 seconds (until the year 5138), below 1e14 milliseconds, below
// 1e17 microseconds, else nanoseconds.
func parseEpochAuto(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	a := math.Abs(f)
	switch {
	case a < 1e11:
		return parseEpoch(s, tfUnix)
	case a < 1e14:
		return parseEpoch(s, tfUnixMs)
	case a < 1e17:
		return parseEpoch(s, tfUnixUs)
	}
	return parseEpoch(s, tfUnixNs)
}

// parseEpoch reads a decimal epoch number in the unit of kind and returns
// microseconds. Integers and plain decimals are read exactly; exponent
// forms go through float64.
func parseEpoch(s string, kind timeKind) (int64, bool) {
	var scale int64    // multiplier from the unit to microseconds (a divisor when < 0)
	var fracDigits int // fraction digits down to a microsecond
	switch kind {
	case tfUnix:
		scale, fracDigits = 1_000_000, 6
	case tfUnixMs:
		scale, fracDigits = 1000, 3
	case tfUnixUs:
		scale, fracDigits = 1, 0
	case tfUnixNs:
		scale, fracDigits = -1000, 0
	default:
		return 0, false
	}
	if s == "" {
		return 0, false
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	if strings.ContainsAny(s, "eE") || !isSignedDigits(intPart) || hasFrac && !isDigits(frac) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, false
		}
		var us float64
		if scale > 0 {
			us = f * float64(scale)
		} else {
			us = f / float64(-scale)
		}
		if math.Abs(us) >= 9e18 {
			return 0, false
		}
		return int64(math.Floor(us)), true
	}
	n, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil {
		return 0, false
	}
	neg := strings.HasPrefix(intPart, "-")
	if scale < 0 {
		// nanoseconds: drop what is below a microsecond
		return floorDiv(n, -scale), true
	}
	if n > math.MaxInt64/scale || n < math.MinInt64/scale {
		return 0, false
	}
	us := n * scale
	if hasFrac && fracDigits > 0 {
		var f int64
		for i := 0; i < fracDigits; i++ {
			f *= 10
			if i < len(frac) {
				f += int64(frac[i] - '0')
			}
		}
		if neg {
			us -= f
		} else {
			us += f
		}
	}
	return us, true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isSignedDigits(s string) bool {
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	return isDigits(s)
}

// parseISO reads YYYY-MM-DD[(T|t| )HH:MM[:SS[(.|,)fraction]]][Z|z|±HH:MM|±HHMM|±HH]
// without allocating. needZone makes it RFC 3339: the time and a zone are
// required and the fraction separator is '.'. Without needZone a missing
// zone is UTC and a date alone is midnight UTC.
func parseISO(s string, needZone bool) (int64, bool) {
	if len(s) >= 8 && s[4] != '-' && !needZone {
		return parseISOBasic(s)
	}
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	year, ok1 := atoiN(s[0:4])
	month, ok2 := atoiN(s[5:7])
	day, ok3 := atoiN(s[8:10])
	if !ok1 || !ok2 || !ok3 || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) {
		return 0, false
	}
	var hour, min, sec, nanos int
	offset := 0
	rest := s[10:]
	if rest == "" {
		if needZone {
			return 0, false
		}
		return civilMicros(year, month, day, 0, 0, 0, 0, 0), true
	}
	if c := rest[0]; c != 'T' && c != 't' && c != ' ' {
		return 0, false
	}
	rest = rest[1:]
	if len(rest) < 5 || rest[2] != ':' {
		return 0, false
	}
	var ok bool
	if hour, ok = atoiN(rest[0:2]); !ok || hour > 23 {
		return 0, false
	}
	if min, ok = atoiN(rest[3:5]); !ok || min > 59 {
		return 0, false
	}
	rest = rest[5:]
	if len(rest) >= 3 && rest[0] == ':' {
		if sec, ok = atoiN(rest[1:3]); !ok || sec > 59 {
			return 0, false
		}
		rest = rest[3:]
		if len(rest) > 1 && (rest[0] == '.' || rest[0] == ',' && !needZone) {
			i := 1
			scale := 100_000_000
			for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
				nanos += int(rest[i]-'0') * scale
				scale /= 10
				i++
			}
			if i == 1 {
				return 0, false
			}
			rest = rest[i:]
		}
	} else if needZone {
		return 0, false
	}
	switch {
	case rest == "":
		if needZone {
			return 0, false
		}
	case rest == "Z" || rest == "z":
	case rest[0] == '+' || rest[0] == '-':
		z := rest[1:]
		var zh, zm int
		switch {
		case len(z) == 5 && z[2] == ':':
			zh, ok1 = atoiN(z[0:2])
			zm, ok2 = atoiN(z[3:5])
		case len(z) == 4 && !needZone:
			zh, ok1 = atoiN(z[0:2])
			zm, ok2 = atoiN(z[2:4])
		case len(z) == 2 && !needZone:
			zh, ok1 = atoiN(z)
			ok2 = true
		default:
			return 0, false
		}
		if !ok1 || !ok2 || zh > 23 || zm > 59 {
			return 0, false
		}
		offset = zh*3600 + zm*60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return 0, false
	}
	return civilMicros(year, month, day, hour, min, sec, nanos, offset), true
}

// atoiN reads a fixed-width run of decimal digits.
func atoiN(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// civilMicros converts a proleptic Gregorian date and time at a UTC offset
// (seconds east) to Unix microseconds.
func civilMicros(year, month, day, hour, min, sec, nanos, offset int) int64 {
	// days from civil (H. Hinnant's algorithm)
	y := int64(year)
	if month <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	m := int64(month)
	var mp int64
	if m > 2 {
		mp = m - 3
	} else {
		mp = m + 9
	}
	doy := (153*mp+2)/5 + int64(day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	days := era*146097 + doe - 719468
	secs := days*86400 + int64(hour)*3600 + int64(min)*60 + int64(sec) - int64(offset)
	return secs*1_000_000 + int64(nanos/1000)
}

// parseISOBasic reads the ISO 8601 basic format,
// YYYYMMDD[THHMM[SS[(.|,)fraction]]][Z|±HHMM|±HH] (AWS's
// 20131102T010628Z), by spelling it in the extended format. A date alone
// is midnight UTC; a time without a zone is UTC.
func parseISOBasic(s string) (int64, bool) {
	if !isDigits(s[:8]) {
		return 0, false
	}
	var b [64]byte
	e := append(b[:0], s[0:4]...)
	e = append(e, '-')
	e = append(e, s[4:6]...)
	e = append(e, '-')
	e = append(e, s[6:8]...)
	rest := s[8:]
	if rest == "" {
		return parseISO(string(e), false)
	}
	if rest[0] != 'T' && rest[0] != 't' || len(rest) < 5 || !isDigits(rest[1:5]) {
		return 0, false
	}
	e = append(e, 'T')
	e = append(e, rest[1:3]...)
	e = append(e, ':')
	e = append(e, rest[3:5]...)
	rest = rest[5:]
	if len(rest) >= 2 && isDigits(rest[:2]) {
		e = append(e, ':')
		e = append(e, rest[:2]...)
		rest = rest[2:]
	}
	if len(rest) > 0 && (rest[0] == '.' || rest[0] == ',') {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		e = append(e, rest[:i]...)
		rest = rest[i:]
	}
	if strings.ContainsAny(rest, ":") || len(e)+len(rest) > len(b) {
		return 0, false // the basic format has no ':' in the zone either
	}
	e = append(e, rest...)
	return parseISO(string(e), false)
}
