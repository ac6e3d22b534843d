package rules

import (
	"strings"
	"testing"
)

func TestLowerString(t *testing.T) {
	var s state
	cases := []string{"", "a", "A", "@AZ[`az{", "StopLogging", "ALREADY lower and UPPER across 8-byte WORDS!",
		"\x00\x7f\x40\x41\x5a\x5b", "Ärger", "İSTANBUL", "KELVIN \u212a", strings.Repeat("AbC", 100), "abcdefgh", "ABCDEFGHI"}
	for _, c := range cases {
		if got, want := s.lowerString(c), strings.ToLower(c); got != want {
			t.Errorf("lowerString(%q) = %q, want %q", c, got, want)
		}
	}
	// Strings from earlier in the record survive the buffer growing.
	s.buf = s.buf[:0]
	first := s.lowerString("FIRST")
	for i := 0; i < 100; i++ {
		s.lowerString(strings.Repeat("X", 1000))
	}
	if first != "first" {
		t.Errorf("first = %q", first)
	}
}

func FuzzLowerString(f *testing.F) {
	for _, c := range []string{"StopLogging", "İ", "@[`{", "abcdefghABCDEFGH"} {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, c string) {
		var s state
		if got, want := s.lowerString(c), strings.ToLower(c); got != want {
			t.Fatalf("lowerString(%q) = %q, want %q", c, got, want)
		}
	})
}

func TestCouldBeIP(t *testing.T) {
	for in, want := range map[string]bool{"10.0.0.1": true, "::1": true, "fe80::1%eth0": true, "2001:DB8::1": true,
		"AWS Internal": false, "ec2.amazonaws.com": false, "": false, "%x": false, "abc": true} {
		if got := couldBeIP(in); got != want {
			t.Errorf("couldBeIP(%q) = %v", in, got)
		}
	}
}
