package intel

import (
	"strings"
	"testing"
)

func TestParseTable(t *testing.T) {
	for _, c := range []struct {
		origin, data string
		get          map[string]string // key → value; "-" for absent
		err          string
	}{
		{"vip.csv", "key,value\nAlice,CEO\nbob,\"CFO, acting\"\n", map[string]string{"alice": "CEO", "BOB": "CFO, acting", "carol": "-"}, ""},
		{"vip.json", `{"Alice": "CEO", "bob": {"title": "CFO"}, "n": 3}`, map[string]string{"ALICE": "CEO", "bob": `{"title": "CFO"}`, "n": "3"}, ""},
		{"vip.json", `[{"key": "alice", "value": "CEO"}]`, map[string]string{"Alice": "CEO"}, ""},
		{"vip.csv", "key,value\nalice,1\nALICE,2\n", nil, "vip.csv:3: key \"ALICE\" given twice"},
		{"vip.csv", "key,value\nalice\n", nil, "vip.csv:2: 1 fields, the header has 2"},
		{"vip.csv", "key,value\n,x\n", nil, "vip.csv:2: empty key"},
		{"vip.json", "{\"a\": 1,\n \"a\": 2}", nil, "vip.json:2: key \"a\" given twice"},
		{"vip.json", `[{"value": 1}]`, nil, "element 0 has no key"},
		{"vip.json", `"x"`, nil, "want an object"},
		{"vip.yaml", ``, nil, "a .csv or .json file"},
	} {
		tab, err := ParseTable("vip", c.origin, []byte(c.data), t0)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s %q: error %v, want %q", c.origin, c.data, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %q: %v", c.origin, c.data, err)
			continue
		}
		for k, want := range c.get {
			v, ok := tab.Get(k)
			if want == "-" && ok || want != "-" && (!ok || v != want) {
				t.Errorf("%s: Get(%q) = %q, %v; want %q", c.origin, k, v, ok, want)
			}
		}
	}
	l := NewLookups()
	tab, _ := ParseTable("vip", "vip.csv", []byte("key,value\nalice,CEO\n"), t0)
	l.Replace(tab)
	if v, ok := l.Get("vip", "ALICE"); !ok || v != "CEO" {
		t.Errorf("Lookups.Get = %q, %v", v, ok)
	}
	if _, ok := l.Get("other", "alice"); ok {
		t.Error("a missing table holds a key")
	}
}

func FuzzParseTable(f *testing.F) {
	f.Add("t.csv", []byte("key,value\na,b\n"))
	f.Add("t.json", []byte(`{"a": "b", "c": [1]}`))
	f.Add("t.json", []byte(`[{"key": "a", "value": null}]`))
	f.Fuzz(func(t *testing.T, origin string, data []byte) {
		tab, err := ParseTable("t", origin, data, t0)
		if err != nil {
			return
		}
		tab.Each(func(k, v string) bool {
			if got, ok := tab.Get(k); !ok || got != v {
				t.Fatalf("key %q: Get = %q, %v; Each said %q", k, got, ok, v)
			}
			return true
		})
	})
}
