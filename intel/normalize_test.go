package intel

import (
	"net/netip"
	"slices"
	"testing"
)

func TestRefang(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"hxxp://evil[.]example/a", "http://evil.example/a"},
		{"HXXPS://evil(.)example", "https://evil.example"},
		{"1.2.3[.]4", "1.2.3.4"},
		{"user[@]host[dot]com", "user@host.com"},
		{"user(at)host{.}com", "user@host.com"},
		{"fe80[:]:1", "fe80::1"},
		{"plain.example", "plain.example"},
		{"[x]", "[x]"},
	} {
		if got := Refang(c.in); got != c.want {
			t.Errorf("Refang(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	for _, c := range []struct {
		typ     Type
		in      string
		want    string
		wantErr bool
	}{
		{IP, "198.51.100.7", "198.51.100.7", false},
		{IP, " 198.51.100[.]7 ", "198.51.100.7", false},
		{IP, "10.1.2.3/8", "10.0.0.0/8", false},
		{IP, "198.51.100.7/32", "198.51.100.7", false},
		{IP, "::ffff:198.51.100.7", "198.51.100.7", false},
		{IP, "::ffff:10.0.0.0/104", "10.0.0.0/8", false},
		{IP, "::ffff:0:0/64", "", true},
		{IP, "2001:DB8::1", "2001:db8::1", false},
		{IP, "[2001:db8::1]", "2001:db8::1", false},
		{IP, "fe80::1%eth0", "fe80::1", false},
		{IP, "2001:db8::/32", "2001:db8::/32", false},
		{IP, "300.1.1.1", "", true},
		{IP, "", "", true},
		{Domain, "Evil.Example.", "evil.example", false},
		{Domain, "*.evil.example", "evil.example", false},
		{Domain, "evil[.]example", "evil.example", false},
		{Domain, "a..b", "", true},
		{Domain, "evil.example/path", "", true},
		{Domain, "BÜCHER.example", "bücher.example", false},
		{URL, "hxxp://Malware.Example./Payload.exe", "http://malware.example/Payload.exe", false},
		{URL, "HTTPS://A.example?Q=1", "https://a.example?Q=1", false},
		{URL, "Host.Example/Path", "host.example/Path", false},
		{URL, "http:///x", "", true},
		{URL, "http://a b", "", true},
		{MD5, "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e", false},
		{MD5, "d41d8cd98f00b204e9800998ecf8427", "", true},
		{SHA1, "zz39a3ee5e6b4b0d3255bfef95601890afd80709", "", true},
		{SHA256, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", false},
		{Email, "Phisher[@]Evil.Example.", "phisher@evil.example", false},
		{Email, "mailto:a@b.example", "a@b.example", false},
		{Email, "@b.example", "", true},
		{Email, "a@", "", true},
	} {
		got, err := Normalize(c.typ, c.in)
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("Normalize(%v, %q) = %q, %v; want %q (error %v)", c.typ, c.in, got, err, c.want, c.wantErr)
		}
	}
}

func TestKeys(t *testing.T) {
	for _, c := range []struct {
		typ  Type
		in   string
		want []string
	}{
		{IP, "10.0.0.1", []string{"4:0A000001"}},
		{IP, "::ffff:10.0.0.1", []string{"4:0A000001"}},
		{IP, "2001:db8::1", []string{"6:20010DB8000000000000000000000001"}},
		{IP, "10.0.0.0/8", nil}, // a network is no record value
		{IP, "cloudtrail.amazonaws.com", nil},
		{Domain, "A.B.Evil.Example.", []string{"a.b.evil.example", "b.evil.example", "evil.example", "example"}},
		{MD5, "D41D8CD98F00B204E9800998ECF8427E", []string{"d41d8cd98f00b204e9800998ecf8427e"}},
		{URL, "HTTP://X.Example/A", []string{"http://x.example/A"}},
	} {
		if got := Keys(c.typ, c.in); !slices.Equal(got, c.want) {
			t.Errorf("Keys(%v, %q) = %q, want %q", c.typ, c.in, got, c.want)
		}
	}
}

func TestRangeKeys(t *testing.T) {
	for _, c := range []struct{ p, lo, hi string }{
		{"10.0.0.0/8", "4:0A000000", "4:0AFFFFFF"},
		{"0.0.0.0/0", "4:00000000", "4:FFFFFFFF"},
		{"198.51.100.7/32", "4:C6336407", "4:C6336407"},
		{"2001:db8::/32", "6:20010DB8000000000000000000000000", "6:20010DB8FFFFFFFFFFFFFFFFFFFFFFFF"},
	} {
		lo, hi := RangeKeys(netip.MustParsePrefix(c.p))
		if lo != c.lo || hi != c.hi {
			t.Errorf("RangeKeys(%s) = %s, %s; want %s, %s", c.p, lo, hi, c.lo, c.hi)
		}
	}
}

func TestGuess(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Type
	}{
		{"10.0.0.0/8", IP}, {"2001:db8::1", IP}, {"d41d8cd98f00b204e9800998ecf8427e", MD5},
		{"da39a3ee5e6b4b0d3255bfef95601890afd80709", SHA1},
		{"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", SHA256},
		{"hxxp://x[.]example/a", URL}, {"a@b.example", Email}, {"evil.example", Domain},
	} {
		if got, err := Guess(c.in); err != nil || got != c.want {
			t.Errorf("Guess(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	if _, err := Guess("not a value"); err == nil {
		t.Error(`Guess("not a value"): want an error`)
	}
}
