package rules

import (
	"os"
	"strings"
	"testing"

	"github.com/streamalert/streamalert/schema"
)

// testRegistry is a LogTypes over a fixed list.
type testRegistry []*schema.LogType

func (r testRegistry) Get(name string) *schema.LogType {
	for _, lt := range r {
		if lt.Name == name {
			return lt
		}
	}
	return nil
}

func (r testRegistry) All() []*schema.LogType { return r }

// testTypes loads testdata/logtypes.yaml.
func testTypes(t testing.TB) testRegistry {
	t.Helper()
	data, err := os.ReadFile("testdata/logtypes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lts, errs := schema.ParseDefinitions("testdata/logtypes.yaml", data)
	if len(errs) > 0 {
		t.Fatalf("test log types: %v", errs)
	}
	return testRegistry(lts)
}

// buildRecord classifies a JSON record as lt with the real classifier.
func buildRecord(t testing.TB, lt *schema.LogType, js string) *schema.Record {
	t.Helper()
	reg, err := schema.NewRegistry([]*schema.LogType{lt})
	if err != nil {
		t.Fatal(err)
	}
	var recs []*schema.Record
	err = schema.NewClassifier(reg).Classify([]byte(js), schema.Input{Source: "test", Types: []*schema.LogType{lt}},
		func(r *schema.Record) { recs = append(recs, r) },
		func(u *schema.Unclassified) { t.Fatalf("record %s did not classify as %s: %s", js, lt.Name, u.Reason) })
	if err != nil || len(recs) != 1 {
		t.Fatalf("record %s: %d records, %v", js, len(recs), err)
	}
	return recs[0]
}

// loadRule loads one native rule document against the test log types.
func loadRule(t testing.TB, reg LogTypes, doc string) (*Rule, []error) {
	t.Helper()
	l := &Loader{LogTypes: reg}
	rs, errs := l.LoadBytes("test.yaml", []byte(doc), false)
	if len(rs) == 0 {
		return nil, errs
	}
	return rs[0], errs
}

// detectionRule wraps a detection section (indented by two spaces) in a
// native rule on test:events.
func detectionRule(detection string) string {
	var b strings.Builder
	b.WriteString("name: t\nlogs: [test:events]\ndetection:\n")
	for _, line := range strings.Split(strings.TrimRight(detection, "\n"), "\n") {
		b.WriteString("  " + line + "\n")
	}
	return b.String()
}

// matches reports whether a rule matches a record.
func matches(t testing.TB, r *Rule, rec *schema.Record) bool {
	t.Helper()
	set, errs := NewSet(r)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	got := false
	NewMatcher(set).Match(rec, func(*Rule, Match) { got = true })
	return got
}
