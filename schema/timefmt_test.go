package schema

import (
	"strings"
	"testing"
	"time"
)

func TestCheckTimeFormat(t *testing.T) {
	cases := []struct {
		format string
		err    string // "" for valid
	}{
		{"rfc3339", ""},
		{"RFC3339", ""},
		{"iso8601", ""},
		{"rfc3164", ""},
		{"unix", ""},
		{"unix_ms", ""},
		{"unix_us", ""},
		{"unix_ns", ""},
		{"clf", ""},
		{"2006-01-02 15:04:05", ""},
		{"Jan 2 2006", ""},
		{"02/01/2006 15:04:05.000 MST", ""},
		{"epoch", "neither a named format"},
		{"v7", "holds no Go layout element"},
		{"", "neither a named format"},
	}
	for _, c := range cases {
		err := checkTimeFormat(c.format)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("checkTimeFormat(%q) = %v, want nil", c.format, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("checkTimeFormat(%q) = %v, want an error containing %q", c.format, err, c.err)
		}
	}
}

func TestParseTime(t *testing.T) {
	ingest := time.Date(2024, 1, 5, 10, 0, 0, 0, time.UTC)
	utc := func(y int, m time.Month, d, h, min, s, ns int) string {
		return time.Date(y, m, d, h, min, s, ns, time.UTC).Format(time.RFC3339Nano)
	}
	cases := []struct {
		formats []string
		in      string
		number  bool   // in is a JSON number's text
		want    string // RFC 3339 in UTC, "" for no timestamp
	}{
		// defaults: RFC 3339 / ISO 8601, then epoch by magnitude
		{nil, "2024-07-30T21:53:13Z", false, utc(2024, 7, 30, 21, 53, 13, 0)},
		{nil, "2024-07-30T21:53:13.123456789+02:00", false, utc(2024, 7, 30, 19, 53, 13, 123456000)},
		{nil, "2024-07-30t21:53:13.5z", false, utc(2024, 7, 30, 21, 53, 13, 500000000)},
		{nil, "2024-07-30 21:53:13", false, utc(2024, 7, 30, 21, 53, 13, 0)},
		{nil, "2024-07-30T21:53:13-0530", false, utc(2024, 7, 31, 3, 23, 13, 0)},
		{nil, "2024-07-30", false, utc(2024, 7, 30, 0, 0, 0, 0)},
		{nil, "2024-02-30T00:00:00Z", false, ""},
		{nil, "2024-07-30T24:00:00Z", false, ""},
		{nil, "2024-07-30T21:53:13Zjunk", false, ""},
		{nil, "yesterday", false, ""},
		// ISO 8601 basic format (AWS's sessionContext creationDate)
		{nil, "20131102T010628Z", false, utc(2013, 11, 2, 1, 6, 28, 0)},
		{nil, "20131102T010628.25+0100", false, utc(2013, 11, 2, 0, 6, 28, 250000000)},
		{nil, "20131102T0106", false, utc(2013, 11, 2, 1, 6, 0, 0)},
		{nil, "20131102", false, utc(2013, 11, 2, 0, 0, 0, 0)},
		{nil, "20131102T010628+01:00", false, ""},
		{nil, "20131302T010628Z", false, ""},
		{[]string{"rfc3339"}, "20131102T010628Z", false, ""},
		{[]string{"iso8601"}, "20131102T010628,5Z", false, utc(2013, 11, 2, 1, 6, 28, 500000000)},
		// common variants: space for T, no zone (UTC), fractions of any length
		{nil, "2024-07-30 21:53:13.1", false, utc(2024, 7, 30, 21, 53, 13, 100000000)},
		{nil, "2024-07-30T21:53:13.123456789123Z", false, utc(2024, 7, 30, 21, 53, 13, 123456000)},
		{nil, "2024-07-30T21:53:13.1234", false, utc(2024, 7, 30, 21, 53, 13, 123400000)},
		{nil, "2024-07-30 21:53:13+02", false, utc(2024, 7, 30, 19, 53, 13, 0)},
		{nil, "1722376393", false, utc(2024, 7, 30, 21, 53, 13, 0)},
		{nil, "1722376393", true, utc(2024, 7, 30, 21, 53, 13, 0)},
		{nil, "1722376393.25", true, utc(2024, 7, 30, 21, 53, 13, 250000000)},
		{nil, "1722376393123", true, utc(2024, 7, 30, 21, 53, 13, 123000000)},
		{nil, "1722376393123456", true, utc(2024, 7, 30, 21, 53, 13, 123456000)},
		{nil, "1722376393123456789", true, utc(2024, 7, 30, 21, 53, 13, 123456000)},
		{nil, "0", true, utc(1970, 1, 1, 0, 0, 0, 0)},
		{nil, "-1.5", true, utc(1969, 12, 31, 23, 59, 58, 500000000)},
		// named formats
		{[]string{"rfc3339"}, "2024-07-30T21:53:13Z", false, utc(2024, 7, 30, 21, 53, 13, 0)},
		{[]string{"rfc3339"}, "2024-07-30T21:53:13", false, ""},
		{[]string{"rfc3339"}, "2024-07-30 21:53:13+00:00", false, utc(2024, 7, 30, 21, 53, 13, 0)},
		{[]string{"rfc3339"}, "1722376393", true, ""},
		{[]string{"iso8601"}, "2024-07-30T21:53", false, utc(2024, 7, 30, 21, 53, 0, 0)},
		{[]string{"iso8601"}, "2024-07-30 21:53:13,250", false, utc(2024, 7, 30, 21, 53, 13, 250000000)},
		{[]string{"unix"}, "1722376393", true, utc(2024, 7, 30, 21, 53, 13, 0)},
		{[]string{"unix"}, "1722376393.000001", false, utc(2024, 7, 30, 21, 53, 13, 1000)},
		{[]string{"unix"}, "1.722376393e9", true, utc(2024, 7, 30, 21, 53, 13, 0)},
		{[]string{"unix"}, "17223763930000000", true, ""}, // out of range
		{[]string{"unix_ms"}, "1722376393123", true, utc(2024, 7, 30, 21, 53, 13, 123000000)},
		{[]string{"unix_ms"}, "1722376393123.5", false, utc(2024, 7, 30, 21, 53, 13, 123500000)},
		{[]string{"unix_us"}, "1722376393123456", true, utc(2024, 7, 30, 21, 53, 13, 123456000)},
		{[]string{"unix_ns"}, "1722376393123456789", true, utc(2024, 7, 30, 21, 53, 13, 123456000)},
		{[]string{"unix_ns"}, "-1", true, utc(1969, 12, 31, 23, 59, 59, 999999000)},
		{[]string{"unix"}, "soon", false, ""},
		{[]string{"clf"}, "30/Jul/2024:21:53:13 -0700", false, utc(2024, 7, 31, 4, 53, 13, 0)},
		{[]string{"clf"}, "2024-07-30T21:53:13Z", false, ""},
		{[]string{"rfc3164"}, "Jan  5 09:00:00", false, utc(2024, 1, 5, 9, 0, 0, 0)},
		{[]string{"rfc3164"}, "Jan 06 09:00:00", false, utc(2024, 1, 6, 9, 0, 0, 0)},      // within a day ahead: this year
		{[]string{"rfc3164"}, "Dec 31 23:59:59", false, utc(2023, 12, 31, 23, 59, 59, 0)}, // would be 11 months ahead: last year
		{[]string{"rfc3164"}, "Jan 07 09:00:00.250", false, utc(2023, 1, 7, 9, 0, 0, 250000000)},
		{[]string{"2006-01-02 15:04:05 MST"}, "2024-07-30 21:53:13 UTC", false, utc(2024, 7, 30, 21, 53, 13, 0)},
		{[]string{"02.01.2006"}, "30.07.2024", false, utc(2024, 7, 30, 0, 0, 0, 0)},
		// formats are tried in order
		{[]string{"clf", "unix_ms"}, "1722376393123", true, utc(2024, 7, 30, 21, 53, 13, 123000000)},
		{[]string{"clf", "rfc3339"}, "2024-07-30T21:53:13Z", false, utc(2024, 7, 30, 21, 53, 13, 0)},
	}
	for _, c := range cases {
		tf := compileTimeFormats(c.formats)
		var us int64
		var ok bool
		if c.number {
			us, ok = parseTimeNumber(tf, c.in)
		} else {
			us, ok = parseTimeString(tf, c.in, ingest)
		}
		got := ""
		if ok {
			got = time.UnixMicro(us).UTC().Format(time.RFC3339Nano)
		}
		if got != c.want {
			t.Errorf("formats %v, %q (number %v): got %q, want %q", c.formats, c.in, c.number, got, c.want)
		}
	}
}

// TestParseISO_MatchesTimePackage compares the fast RFC 3339 reader with
// the time package on generated instants and offsets.
func TestParseISO_MatchesTimePackage(t *testing.T) {
	base := time.Date(1899, 12, 31, 23, 59, 59, 0, time.UTC)
	for i := 0; i < 5000; i++ {
		tm := base.Add(time.Duration(i) * 7919 * time.Hour).Add(time.Duration(i*104729) * time.Microsecond)
		zone := time.FixedZone("", (i%27-13)*3600+(i%2)*1800)
		s := tm.In(zone).Format(time.RFC3339Nano)
		us, ok := parseISO(s, true)
		if !ok || us != tm.UnixMicro() {
			t.Fatalf("parseISO(%q) = %d, %v; want %d", s, us, ok, tm.UnixMicro())
		}
	}
}

func BenchmarkParseTime(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, ok := parseTimeString(nil, "2024-07-30T21:53:13.123Z", time.Time{}); !ok {
			b.Fatal("no")
		}
	}
}
