package serve

import (
	"encoding/json"
	"testing"
)

func TestCountRecords(t *testing.T) {
	for _, c := range []struct {
		body string
		want int
	}{
		{`[{"a":1},{"b":2},3]`, 3},
		{"  [ ]\n", 0},
		{`{"Records":[{"a":1},{"a":2}]}`, 1}, // an envelope is one document
		{"{\"a\":1}\n{\"a\":2}\n\n{\"a\":3}\n", 3},
		{`[{"a":1},`, 1}, // not one document: counted as lines
		{"<13>Feb  5 17:32:18 host sshd[1]: x\n<13>Feb  5 17:32:19 host sshd[1]: y", 2},
		{"", 0},
		{`"just a string"`, 1},
	} {
		if got := CountRecords([]byte(c.body)); got != c.want {
			t.Errorf("CountRecords(%q) = %d, want %d", c.body, got, c.want)
		}
	}
}

// FuzzCountRecords: a body that is a JSON array counts its elements as
// encoding/json sees them; nothing panics.
func FuzzCountRecords(f *testing.F) {
	for _, s := range []string{`[1,2,3]`, `{"a":[1]}`, "a\nb\n", `[{"x":"\u00e9"}]`, `[`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		n := CountRecords(body)
		var elems []json.RawMessage
		if json.Unmarshal(body, &elems) == nil && n != len(elems) {
			t.Fatalf("CountRecords(%q) = %d, encoding/json sees %d elements", body, n, len(elems))
		}
	})
}
