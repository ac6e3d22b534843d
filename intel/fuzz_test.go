package intel

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func asUnsupported(err error, target **errUnsupported) bool { return errors.As(err, target) }

// addTestdata seeds a fuzz corpus with the files of testdata.
func addTestdata(f *testing.F, names ...string) {
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// checkSet checks what any parsed set must satisfy: every entry is found
// again by looking its own value up, and normalizing it is idempotent.
func checkSet(t *testing.T, s *Set) {
	s.Each(func(e Entry) bool {
		if n, err := Normalize(e.Type, e.Value); err != nil || n != e.Value {
			t.Fatalf("entry %v %q normalizes to %q, %v", e.Type, e.Value, n, err)
		}
		v := e.Value
		if e.Type == IP {
			v = e.Prefix.Addr().String()
		}
		if _, ok := s.Lookup(e.Type, v, t0); !ok && e.Expires.IsZero() {
			t.Fatalf("entry %v %q is not found", e.Type, v)
		}
		return true
	})
}

func fuzzFormat(f *testing.F, format Format, list Type) {
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(Source{Name: "fuzz", Origin: "fuzz", Format: format, ListType: list, Now: t0}, data)
		if err != nil {
			return
		}
		checkSet(t, s)
	})
}

func FuzzParseCSV(f *testing.F) {
	addTestdata(f, "sample.csv")
	f.Add([]byte("type,value\nip,::ffff:1.2.3.4/120\n"))
	fuzzFormat(f, FormatCSV, 0)
}

func FuzzParseList(f *testing.F) {
	addTestdata(f, "sample.txt")
	f.Add([]byte("evil[.]example\n*.x.example.\n"))
	fuzzFormat(f, FormatList, Domain)
}

func FuzzParseSTIX(f *testing.F) {
	addTestdata(f, "bundle.json")
	fuzzFormat(f, FormatSTIX, 0)
}

func FuzzParseMISP(f *testing.F) {
	addTestdata(f, "event.json")
	f.Add([]byte(`[{"Event": {"Attribute": [{"type": "url", "value": "hxxp://a"}]}}]`))
	fuzzFormat(f, FormatMISP, 0)
}

func FuzzParseSTIXPattern(f *testing.F) {
	for _, p := range []string{"[ipv4-addr:value = '1.2.3.4' OR file:hashes.'SHA-256' = 'ab']",
		"([a:b = 'c'] OR [d:e.'f' = 'g\\'h']) WITHIN 5 SECONDS", "[x:y[*].z != 'q' AND a:b = 'c']"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, pat string) {
		cs, err := ParseSTIXPattern(pat)
		if err != nil && len(cs) > 0 {
			t.Fatalf("ParseSTIXPattern(%q) returned comparisons with an error", pat)
		}
		if err == nil && len(cs) == 0 {
			t.Fatalf("ParseSTIXPattern(%q) returned nothing and no error", pat)
		}
	})
}

func FuzzNormalize(f *testing.F) {
	for _, v := range []string{"1.2.3[.]4", "hxxp://A.example./x", "*.Evil.Example.", "a(at)b[.]c", "::ffff:1.2.3.4/100"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, typ := range Types {
			n, err := Normalize(typ, v)
			if err != nil {
				continue
			}
			if n2, err := Normalize(typ, n); err != nil || n2 != n {
				t.Fatalf("Normalize(%v) is not idempotent: %q → %q → %q, %v", typ, v, n, n2, err)
			}
			if typ != IP {
				if ks := Keys(typ, v); len(ks) == 0 || ks[0] != n {
					t.Fatalf("Keys(%v, %q) = %q, want %q first", typ, v, ks, n)
				}
			}
		}
	})
}
