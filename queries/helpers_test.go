package queries

import (
	"github.com/streamalert/streamalert/internal/schematest"
	"path/filepath"
	"testing"

	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// testRegistry is the built-in log types plus testdata/logtypes.yaml.
func testRegistry(t testing.TB) *schema.Registry {
	return schematest.Registry(t, "testdata/logtypes.yaml")
}

// testRules loads the compiler's test rules (testdata/rules).
func testRules(t testing.TB, reg rules.LogTypes) *rules.Set {
	t.Helper()
	set, errs := rules.LoadDir("testdata/rules", reg)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return set
}

// sigmaRules loads the Sigma CloudTrail rules of the rules package.
func sigmaRules(t testing.TB, reg rules.LogTypes) *rules.Set {
	t.Helper()
	files, err := filepath.Glob("../rules/testdata/sigma/aws_cloudtrail/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("sigma rules: %v", err)
	}
	set, errs := rules.LoadFiles(files, reg)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return set
}

// allRules is the pack, the Sigma CloudTrail rules and the test rules.
func allRules(t testing.TB, reg rules.LogTypes) []*rules.Rule {
	t.Helper()
	pack, errs := rules.Pack(reg)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	set, errs := rules.Merge(pack, sigmaRules(t, reg), testRules(t, reg))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return set.Rules()
}

// loadRule loads one native rule document.
func loadRule(t testing.TB, reg rules.LogTypes, doc string) *rules.Rule {
	t.Helper()
	rs, errs := (&rules.Loader{LogTypes: reg}).LoadBytes("test.yaml", []byte(doc), false)
	if len(errs) > 0 || len(rs) != 1 {
		t.Fatalf("load rule: %v", errs)
	}
	return rs[0]
}
