package queries

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenRange is the time range of the golden statements.
var goldenRange = TimeRange{From: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 5, 8, 0, 0, 0, 0, time.UTC)}

// goldenSigma are the Sigma rules whose statements are pinned, beside
// every compiler test rule.
var goldenSigma = []string{
	"aws_cloudtrail_disable_logging",
	"aws_cloudtrail_imds_malicious_usage",
	"aws_ec2_startup_script_change",
	"aws_update_login_profile",
}

// TestCompile_Golden pins the statements of representative rules in both
// dialects (go test ./queries -run Golden -update rewrites them).
func TestCompile_Golden(t *testing.T) {
	reg := testRegistry(t)
	var rs []*rules.Rule
	rs = append(rs, testRules(t, reg).Rules()...)
	sigma := sigmaRules(t, reg)
	for _, name := range goldenSigma {
		r := sigma.Get(name)
		if r == nil {
			t.Fatalf("no Sigma rule %s", name)
		}
		rs = append(rs, r)
	}
	for _, r := range rs {
		for _, d := range []Dialect{DuckDB, Athena} {
			q, err := Compile(r, reg, d, goldenRange)
			if err != nil {
				t.Errorf("%s: %v", r.Name, err)
				continue
			}
			got := "-- " + r.Name + " (" + d.String() + ")\n" + q.SQL + "\n"
			for _, w := range q.Warnings {
				got += "-- warning: " + w + "\n"
			}
			path := filepath.Join("testdata", "golden", r.Name+"."+d.String()+".sql")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("%s: %v (run with -update)", r.Name, err)
				continue
			}
			if got != string(want) {
				t.Errorf("%s (%s) differs from %s (run with -update after checking):\n%s", r.Name, d, path, got)
			}
		}
	}
}

func TestCompile_Errors(t *testing.T) {
	reg := testRegistry(t)
	r := testRules(t, reg).Get("sql_eq_case")
	if _, err := Compile(r, reg, Dialect(9), TimeRange{}); err == nil || !strings.Contains(err.Error(), "dialect") {
		t.Errorf("bad dialect: %v", err)
	}
	now := time.Now()
	if _, err := Compile(r, reg, DuckDB, TimeRange{From: now, To: now}); err == nil || !strings.Contains(err.Error(), "empty time range") {
		t.Errorf("empty range: %v", err)
	}
	noExpr := *r
	noExpr.Expr = nil
	if _, err := Compile(&noExpr, reg, DuckDB, TimeRange{}); err == nil {
		t.Error("a rule without detection compiled")
	}
	noTypes := *r
	noTypes.LogTypes = nil
	if _, err := Compile(&noTypes, reg, DuckDB, TimeRange{}); err == nil {
		t.Error("a rule without log types compiled")
	}
}

func TestCompile_Shape(t *testing.T) {
	reg := testRegistry(t)
	r := testRules(t, reg).Get("sql_two_types")
	q, err := Compile(r, reg, DuckDB, TimeRange{})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Parts) != 2 || q.Parts[0].Table != "sqltest_events" || q.Parts[1].Table != "sqltest_other" {
		t.Fatalf("parts: %+v", q.Parts)
	}
	if strings.Count(q.SQL, "UNION ALL") != 1 || strings.Contains(q.SQL, `"dt" >=`) || strings.Contains(q.SQL, "sa_event_time\" <") {
		t.Errorf("statement:\n%s", q.SQL)
	}
	if strings.Join(q.Fields, ",") != "name,src,count" {
		t.Errorf("fields = %v", q.Fields)
	}
	// src is declared in sqltest:other only: an ip there, the extras in
	// sqltest:events.
	if !strings.Contains(q.Parts[0].Where, "sa_extras") || !strings.Contains(q.Parts[1].Where, `t."src"`) {
		t.Errorf("where:\n%s\n%s", q.Parts[0].Where, q.Parts[1].Where)
	}
	// Athena qualifies tables with the database when asked.
	qa, err := Options{Database: "security"}.Compile(r, reg, Athena, goldenRange)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(qa.SQL, `FROM "security"."sqltest_events" AS t`) {
		t.Errorf("athena statement:\n%s", qa.SQL)
	}
}

// TestCompile_NeverSemicolon: no statement has a semicolon, whatever the
// rule's values, so the engine's single-statement check always holds.
func TestCompile_NeverSemicolon(t *testing.T) {
	reg := testRegistry(t)
	for _, r := range allRules(t, reg) {
		for _, d := range []Dialect{DuckDB, Athena} {
			q, err := Compile(r, reg, d, goldenRange)
			if err != nil {
				t.Errorf("%s: %v", r.Name, err)
				continue
			}
			if strings.Contains(q.SQL, ";") {
				t.Errorf("%s (%s) has a semicolon:\n%s", r.Name, d, q.SQL)
			}
		}
	}
}

func TestCompile_DropCoalesce(t *testing.T) {
	reg := testRegistry(t)
	r := testRules(t, reg).Get("sql_not_missing")
	good, _ := Compile(r, reg, DuckDB, TimeRange{})
	bad, _ := Options{DropCoalesce: true}.Compile(r, reg, DuckDB, TimeRange{})
	if !strings.Contains(good.SQL, "COALESCE(") || strings.Count(bad.SQL, "COALESCE(") >= strings.Count(good.SQL, "COALESCE(") {
		t.Errorf("DropCoalesce kept the leaves' COALESCE:\n%s", bad.SQL)
	}
}

func TestCompile_InvalidUTF8ValueWarns(t *testing.T) {
	reg := testRegistry(t)
	// utf16be of "é" is 00 e9: not valid UTF-8, so it cannot be SQL text.
	r := loadRule(t, reg, "name: enc\nlogs: [sqltest:events]\ndetection:\n  sel:\n    cmd|utf16be|contains: 'é'\n  condition: sel\n")
	q, err := Compile(r, reg, DuckDB, TimeRange{})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Warnings) == 0 || !strings.Contains(q.Warnings[0], "not valid UTF-8") {
		t.Errorf("warnings = %v\n%s", q.Warnings, q.SQL)
	}
}
