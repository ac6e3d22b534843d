package intel

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

var t0 = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func buildSet(t testing.TB, entries ...[3]string) *Set {
	t.Helper()
	b := NewBuilder("test", "test", FormatCSV)
	for _, e := range entries {
		typ, err := ParseType(e[0])
		if err != nil {
			t.Fatal(err)
		}
		exp, err := parseExpiry(e[2])
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Add(typ, e[1], "src-"+e[1], exp); err != nil {
			t.Fatalf("Add(%v): %v", e, err)
		}
	}
	return b.Set(t0)
}

func TestSet_Lookup(t *testing.T) {
	s := buildSet(t,
		[3]string{"ip", "10.0.0.0/8", ""},
		[3]string{"ip", "10.1.0.0/16", ""},
		[3]string{"ip", "10.1.2.3", "2026-01-01"}, // expired at t0
		[3]string{"ip", "10.200.0.0/16", "2027-01-01"},
		[3]string{"ip", "192.0.2.1", ""},
		[3]string{"ip", "2001:db8::/32", ""},
		[3]string{"ip", "2001:db8:1::5", ""},
		[3]string{"domain", "Evil.Example", ""},
		[3]string{"domain", "old.test", "2026-01-01"},
		[3]string{"url", "http://Bad.Example/X", ""},
		[3]string{"md5", "d41d8cd98f00b204e9800998ecf8427e", ""},
		[3]string{"email", "a@b.example", ""},
	)
	for _, c := range []struct {
		typ  Type
		v    string
		want string // the IOC hit, "" for none
	}{
		{IP, "10.9.9.9", "10.0.0.0/8"},
		{IP, "10.1.9.9", "10.1.0.0/16"},
		{IP, "10.1.2.3", "10.1.0.0/16"}, // the /32 has expired; its parent still holds
		{IP, "10.200.3.4", "10.200.0.0/16"},
		{IP, "11.0.0.0", ""},
		{IP, "9.255.255.255", ""},
		{IP, "192.0.2.1", "192.0.2.1"},
		{IP, "192.0.2.2", ""},
		{IP, "::ffff:192.0.2.1", "192.0.2.1"},
		{IP, "2001:db8:1::5", "2001:db8:1::5"},
		{IP, "2001:db8:ffff::1", "2001:db8::/32"},
		{IP, "2001:db9::1", ""},
		{IP, "10.0.0.0/8", ""}, // networks are not record values
		{IP, "not an ip", ""},
		{Domain, "evil.example", "evil.example"},
		{Domain, "WWW.Evil.Example.", "evil.example"},
		{Domain, "a.b.c.evil.example", "evil.example"},
		{Domain, "notevil.example", ""},
		{Domain, "example", ""},
		{Domain, "x.old.test", ""}, // expired
		{URL, "HTTP://bad.example/X", "http://bad.example/X"},
		{URL, "http://bad.example/x", ""}, // paths keep their case
		{MD5, "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"},
		{SHA1, "d41d8cd98f00b204e9800998ecf8427e", ""},
		{Email, "A@B.Example", "a@b.example"},
	} {
		h, ok := s.Lookup(c.typ, c.v, t0)
		got := ""
		if ok {
			got = h.IOC
		}
		if got != c.want {
			t.Errorf("Lookup(%v, %q) = %q, want %q", c.typ, c.v, got, c.want)
		}
		if ok && (h.Set != "test" || h.Type != c.typ) {
			t.Errorf("Lookup(%v, %q): hit %+v, want set test and the type asked", c.typ, c.v, h)
		}
	}
	if got := s.Len(IP); got != 7 {
		t.Errorf("Len(IP) = %d, want 7", got)
	}
	if got := s.Total(); got != 12 {
		t.Errorf("Total() = %d, want 12", got)
	}
}

func TestSet_DuplicatesMergeKeepingLaterExpiry(t *testing.T) {
	s := buildSet(t,
		[3]string{"ip", "192.0.2.1", "2026-01-01"},
		[3]string{"ip", "192.0.2.1/32", "2027-01-01"},
		[3]string{"domain", "x.example", "2026-01-01"},
		[3]string{"domain", "X.Example.", ""},
	)
	if s.Len(IP) != 1 || s.Len(Domain) != 1 || s.Duplicates() != 2 {
		t.Fatalf("Len(IP)=%d Len(Domain)=%d Duplicates=%d, want 1, 1, 2", s.Len(IP), s.Len(Domain), s.Duplicates())
	}
	if h, ok := s.Lookup(IP, "192.0.2.1", t0); !ok || !h.Expires.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("IP hit %+v %v, want expiry 2027-01-01", h, ok)
	}
	if h, ok := s.Lookup(Domain, "x.example", t0.AddDate(10, 0, 0)); !ok || !h.Expires.IsZero() {
		t.Errorf("domain hit %+v %v, want no expiry", h, ok)
	}
}

// TestSet_IPMatchesBruteForce checks the range index against testing each
// network in turn, on random nested networks.
func TestSet_IPMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var prefixes []netip.Prefix
	b := NewBuilder("rand", "rand", FormatCSV)
	for i := 0; i < 3000; i++ {
		var p netip.Prefix
		if i%3 == 0 {
			var a [16]byte
			a[0], a[1], a[2] = 0x20, 0x01, byte(r.IntN(4))
			for j := 3; j < 16; j++ {
				a[j] = byte(r.IntN(256))
			}
			p = netip.PrefixFrom(netip.AddrFrom16(a), 16+r.IntN(113)).Masked()
		} else {
			a := [4]byte{10, byte(r.IntN(4)), byte(r.IntN(256)), byte(r.IntN(256))}
			p = netip.PrefixFrom(netip.AddrFrom4(a), 8+r.IntN(25)).Masked()
		}
		prefixes = append(prefixes, p)
		if err := b.Add(IP, p.String(), "", time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	s := b.Set(t0)
	for i := 0; i < 20000; i++ {
		var a netip.Addr
		if i%3 == 0 {
			var x [16]byte
			x[0], x[1], x[2] = 0x20, 0x01, byte(r.IntN(4))
			for j := 3; j < 16; j++ {
				x[j] = byte(r.IntN(256))
			}
			a = netip.AddrFrom16(x)
		} else {
			a = netip.AddrFrom4([4]byte{10, byte(r.IntN(4)), byte(r.IntN(256)), byte(r.IntN(256))})
		}
		best := -1
		for j, p := range prefixes {
			if p.Contains(a) && (best < 0 || p.Bits() > prefixes[best].Bits()) {
				best = j
			}
		}
		h, ok := s.Lookup(IP, a.String(), t0)
		if ok != (best >= 0) || ok && h.IOC != prefixText(prefixes[best]) {
			want := "none"
			if best >= 0 {
				want = prefixes[best].String()
			}
			t.Fatalf("Lookup(%s) = %q, %v; want the innermost network %s", a, h.IOC, ok, want)
		}
	}
}

func TestSet_Each(t *testing.T) {
	s := buildSet(t, [3]string{"ip", "10.0.0.0/8", ""}, [3]string{"domain", "a.example", "2030-01-01"},
		[3]string{"sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709", ""})
	var got []string
	s.Each(func(e Entry) bool {
		got = append(got, fmt.Sprintf("%v %s %s %v", e.Type, e.Value, e.Source, e.Expires.Format("2006")))
		return true
	})
	want := []string{"ip 10.0.0.0/8 src-10.0.0.0/8 0001", "domain a.example src-a.example 2030",
		"sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709 src-da39a3ee5e6b4b0d3255bfef95601890afd80709 0001"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Each:\n got %q\nwant %q", got, want)
	}
}

func TestStore_ExclusionsExpiryAndSwap(t *testing.T) {
	st := NewStore()
	now := t0
	st.Now = func() time.Time { return now }
	st.Replace(buildSet(t, [3]string{"ip", "203.0.113.0/24", ""}, [3]string{"ip", "198.51.100.7", "2026-07-01"},
		[3]string{"domain", "evil.example", ""}))
	ex, err := ExclusionSet([]string{"203.0.113.128/25", "safe.evil.example"}, "intel.yaml")
	if err != nil {
		t.Fatal(err)
	}
	st.SetExclusions(ex)
	for _, c := range []struct {
		typ  Type
		v    string
		want bool
	}{
		{IP, "203.0.113.5", true},
		{IP, "203.0.113.200", false}, // excluded network
		{Domain, "www.evil.example", true},
		{Domain, "x.safe.evil.example", false}, // excluded domain covers subdomains
		{IP, "198.51.100.7", true},
		{Email, "a@b.example", false}, // no set holds emails
	} {
		if _, ok := st.Match(c.typ, c.v); ok != c.want {
			t.Errorf("Match(%v, %q) = %v, want %v", c.typ, c.v, ok, c.want)
		}
	}
	if e := st.Explain(IP, "203.0.113.200"); e.Matches() || len(e.Hits) != 1 || e.Excluded == nil || e.Excluded.IOC != "203.0.113.128/25" {
		t.Errorf("Explain excluded = %+v", e)
	}
	now = time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC)
	if _, ok := st.Match(IP, "198.51.100.7"); ok {
		t.Error("an expired IOC still matches")
	}
	// Replacing the set by name swaps it whole.
	b := NewBuilder("test", "test", FormatCSV)
	if err := b.Add(IP, "192.0.2.1", "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	st.Replace(b.Set(now))
	if _, ok := st.Match(IP, "203.0.113.5"); ok {
		t.Error("the replaced set still matches")
	}
	if _, ok := st.Match(IP, "192.0.2.1"); !ok || len(st.Sets()) != 1 {
		t.Error("the new set does not match")
	}
	st.Remove("test")
	if _, ok := st.Match(IP, "192.0.2.1"); ok || st.Holds(IP) {
		t.Error("a removed set still matches")
	}
}
