package workload

import (
	"bytes"
	"testing"

	"github.com/streamalert/streamalert/schema"
)

// TestWorkload_EveryLineClassifiesAsItsType: the generated events are the
// built-in log types' records, not unclassified noise.
func TestWorkload_EveryLineClassifiesAsItsType(t *testing.T) {
	want := map[Kind][]string{
		CloudTrail: {"cloudtrail:events"},
		VPCFlow:    {"aws:vpc_flow"},
		Syslog:     {"linux:auth"},
		Mixed:      {"cloudtrail:events", "aws:vpc_flow", "linux:auth"},
	}
	c := schema.NewClassifier(nil)
	for _, k := range Kinds {
		t.Run(k.String(), func(t *testing.T) {
			var buf bytes.Buffer
			events, n, err := Write(&buf, k, 7, 200_000)
			if err != nil || n != int64(buf.Len()) || n < 200_000 {
				t.Fatalf("Write: %d events, %d bytes (buffer %d), %v", events, n, buf.Len(), err)
			}
			got := map[string]int{}
			err = c.Classify(buf.Bytes(), schema.Input{}, func(r *schema.Record) { got[r.LogType.Name]++ },
				func(u *schema.Unclassified) { t.Errorf("unclassified: %s: %s", u.Reason, u.Raw) })
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			for _, name := range want[k] {
				if got[name] == 0 {
					t.Errorf("no %s record in %v", name, got)
				}
				total += got[name]
			}
			if total != events {
				t.Errorf("%d events, classified %v", events, got)
			}
		})
	}
}

func TestWorkload_SeedDecidesTheBytes(t *testing.T) {
	a, b, c := Lines(Mixed, 1, 300), Lines(Mixed, 1, 300), Lines(Mixed, 2, 300)
	same, differ := true, false
	for i := range a {
		same = same && bytes.Equal(a[i], b[i])
		differ = differ || !bytes.Equal(a[i], c[i])
	}
	if !same || !differ {
		t.Errorf("same seed same lines: %v; other seed other lines: %v", same, differ)
	}
}

func TestParseKind(t *testing.T) {
	for _, k := range Kinds {
		if got, err := ParseKind(k.String()); err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", k, got, err)
		}
	}
	if _, err := ParseKind("netflow"); err == nil {
		t.Error("ParseKind(netflow): no error")
	}
}
