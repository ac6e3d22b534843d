package correlation

import (
	"testing"

	"github.com/streamalert/streamalert/rules"
)

// FuzzRestore: a checkpoint of any bytes is restored or refused, never a
// panic, and a restored engine keeps working.
func FuzzRestore(f *testing.F) {
	r := corrRule(f, `{type: temporal_ordered, rules: [b_fail, b_ok], group-by: [userIdentity.userName], timespan: 10m}`)
	e, _ := New([]*rules.Rule{r}, Options{})
	e.Observe(ct(f, "Fail", "a", "ip", 0, ""))
	e.Observe(ct(f, "Ok", "a", "ip", 5, ""))
	cp, err := e.Checkpoint()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(cp)
	f.Add([]byte(`{"version":1,"rules":{"c":{"signature":"x"}}}`))
	f.Add([]byte(`{"version":1,"rules":{"c":{"groups":[{"k":"a","g":["a"],"best":[1]}]}}}`))
	rec := ct(f, "Ok", "a", "ip", 30, "")
	f.Fuzz(func(t *testing.T, data []byte) {
		e, _ := New([]*rules.Rule{r}, Options{})
		if _, err := e.Restore(data); err != nil {
			return
		}
		e.Observe(rec)
		e.Flush()
		if _, err := e.Checkpoint(); err != nil {
			t.Fatal(err)
		}
	})
}
