package duration

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	const day = 24 * time.Hour
	good := []struct {
		in   string
		want time.Duration
	}{
		{"0", 0},
		{"0s", 0},
		{"0d", 0},
		{"90s", 90 * time.Second},
		{"15m", 15 * time.Minute},
		{"48h", 48 * time.Hour},
		{"7d", 7 * day},
		{"2w", 14 * day},
		{"1h30m", 90 * time.Minute},
		{"1d12h", 36 * time.Hour},
		{"1w2d3h4m5s6ms", 9*day + 3*time.Hour + 4*time.Minute + 5*time.Second + 6*time.Millisecond},
		{"500ms", 500 * time.Millisecond},
		{" 7d ", 7 * day},
		{"36500d", 36500 * day},
		// Sigma correlation timespans.
		{"10m", 10 * time.Minute},
		{"1h", time.Hour},
		{"2d", 2 * day},
		{"30s", 30 * time.Second},
	}
	for _, c := range good {
		got, err := Parse(c.in)
		if err != nil || got != c.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	bad := []struct{ in, why string }{
		{"", "empty"},
		{"  ", "empty"},
		{"d", "no number"},
		{"7", "no unit"},
		{"15", "no unit"},
		{"7x", `unknown unit "x"`},
		{"7dw", `unknown unit "dw"`},
		{"7D", `unknown unit "D"`},
		{"1 h", `unknown unit " h"`},
		{"-1h", "negative"},
		{"-7d", "negative"},
		{"+1h", "without a sign"},
		{"1.5d", "whole"},
		{"1.5h", "whole"},
		{"30m1h", "largest to the smallest"},
		{"1h1h", "largest to the smallest"},
		{"1us", `unknown unit "us"`},
		{"soon", "no number"},
		{"15251w", "too long"},
		{"99999999999999999999s", "too long"},
		{"106751d23h47m16s854ms1s", "largest to the smallest"},
		{"106751d23h47m16s855ms", "too long"},
	}
	for _, c := range bad {
		_, err := Parse(c.in)
		if err == nil {
			t.Errorf("Parse(%q) accepted", c.in)
			continue
		}
		if !strings.Contains(err.Error(), c.why) || !strings.Contains(err.Error(), "is not a duration") {
			t.Errorf("Parse(%q) error %q; want it to say %q", c.in, err, c.why)
		}
	}
}

func TestParse_Largest(t *testing.T) {
	// 106751d23h47m16s854ms is the largest whole number of milliseconds
	// a time.Duration holds.
	got, err := Parse("106751d23h47m16s854ms")
	want := time.Duration(1<<63 - 1).Truncate(time.Millisecond)
	if err != nil || got != want {
		t.Errorf("Parse(largest) = %v, %v; want %v", got, err, want)
	}
}

// FuzzParse checks that a duration is never negative and that, without
// days and weeks, it reads as Go's own parser reads it.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"0", "90s", "15m", "48h", "7d", "2w", "1h30m", "1w2d3h4m5s6ms", "-1h", "1.5h", "30m1h", "", "15251w"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("Parse(%q) = %v, negative", s, d)
		}
		if strings.ContainsAny(s, "dw") {
			return
		}
		g, gerr := time.ParseDuration(strings.TrimSpace(s))
		if gerr != nil || g != d {
			t.Fatalf("Parse(%q) = %v; time.ParseDuration = %v, %v", s, d, g, gerr)
		}
	})
}
