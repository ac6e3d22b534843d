package schema

import (
	"strings"
	"testing"
)

// TestEventTimeList: with event_time listing several fields, the first
// present gives the event time and a record with none is refused.
func TestEventTimeList(t *testing.T) {
	def := `name: test:evts
parser: {type: json}
event_time: [first, second]
fields:
  - {name: kind, required: true}
  - {name: first, type: timestamp}
  - {name: second, type: timestamp, formats: [unix_ms]}
`
	lts, errs := ParseDefinitions("evts.yaml", []byte(def))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	reg, err := NewRegistry(lts)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ record, eventTime, reason string }{
		{`{"kind":"a","first":"2024-01-02T03:04:05Z","second":1600000000000}`, "2024-01-02T03:04:05Z", ""},
		{`{"kind":"a","second":1600000000000}`, "2020-09-13T12:26:40Z", ""},
		{`{"kind":"a","first":null,"second":1600000000000}`, "2020-09-13T12:26:40Z", ""},
		{`{"kind":"a"}`, "", "test:evts: none of the event time fields first, second is present"},
	}
	for _, c := range cases {
		res := classifyWith(t, NewClassifier(reg), []byte(c.record), lts[0])
		if c.reason != "" {
			if len(res.uncs) != 1 || res.uncs[0].Reason != c.reason {
				t.Errorf("%s: got %s, want unclassified: %s", c.record, res.render(), c.reason)
			}
			continue
		}
		if len(res.recs) != 1 || res.recs[0].EventTime.Format("2006-01-02T15:04:05Z07:00") != c.eventTime {
			t.Errorf("%s: got %s, want event time %s", c.record, res.render(), c.eventTime)
		}
	}
	for _, bad := range []string{
		strings.Replace(def, "[first, second]", "[first, kind]", 1),
		strings.Replace(def, "[first, second]", "[first, nope]", 1),
		strings.Replace(def, "[first, second]", "{a: b}", 1),
	} {
		if _, errs := ParseDefinitions("evts.yaml", []byte(bad)); len(errs) == 0 {
			t.Errorf("no error for %q", bad)
		}
	}
}
