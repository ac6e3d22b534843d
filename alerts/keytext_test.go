package alerts

import (
	"strings"
	"testing"
)

func TestKeyText_NamesEachKeyWithoutControlCharacters(t *testing.T) {
	rec := map[string]any{
		"userIdentity":    map[string]any{"arn": "arn:aws:iam::1:user/alice"},
		"sourceIPAddress": "198.51.100.7",
		"note":            "tab\there",
	}
	cases := []struct {
		keys []string
		want string
	}{
		{nil, ""},
		{[]string{"userIdentity.arn"}, `userIdentity.arn="arn:aws:iam::1:user/alice"`},
		{[]string{"userIdentity.arn", "sourceIPAddress"}, `userIdentity.arn="arn:aws:iam::1:user/alice", sourceIPAddress="198.51.100.7"`},
		{[]string{"sourceIPAddress", "missing"}, `sourceIPAddress="198.51.100.7", missing=-`},
		{[]string{"note"}, `note="tab\there"`},
	}
	for _, c := range cases {
		vals, key, _ := keyValues(rec, c.keys)
		a := &Alert{MergeKeys: c.keys, KeyValues: vals, Key: key}
		got := a.KeyText()
		if got != c.want {
			t.Errorf("keys %v: KeyText() = %q, want %q", c.keys, got, c.want)
		}
		if strings.ContainsFunc(got, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Errorf("keys %v: KeyText() %q holds a control character", c.keys, got)
		}
	}
}
