package queries

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamalert/streamalert/internal/sqlgrammar"
	"github.com/streamalert/streamalert/rules"
)

// goldenCorrelations are the pack correlation rules whose statements are
// pinned: one of each shape of SQL.
var goldenCorrelations = []string{
	"sshd_password_guessing_burst",            // event_count
	"cloudtrail_s3_many_buckets_read",         // value_count over a JSON field
	"vpc_flow_large_egress",                   // value_sum
	"cloudtrail_iam_persistence_sequence",     // temporal_ordered, three stages
	"okta_push_denied_then_aws_console_login", // two log types, aliases
}

func packCorrelations(t testing.TB, reg rules.LogTypes) []*rules.Rule {
	t.Helper()
	pack, errs := rules.Pack(reg)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(pack.Correlations()) == 0 {
		t.Fatal("the pack has no correlation rules")
	}
	return pack.Correlations()
}

func TestCompileCorrelation_Golden(t *testing.T) {
	reg := testRegistry(t)
	byName := map[string]*rules.Rule{}
	for _, r := range packCorrelations(t, reg) {
		byName[r.Name] = r
	}
	for _, name := range goldenCorrelations {
		r := byName[name]
		if r == nil {
			t.Fatalf("no pack correlation rule %s", name)
		}
		for _, d := range []Dialect{DuckDB, Athena} {
			q, err := Compile(r, reg, d, goldenRange)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(q.Fields, ",") != strings.Join(r.Correlation.GroupBy, ",") {
				t.Errorf("%s: fields %v", name, q.Fields)
			}
			path := filepath.Join("testdata", "golden", "correlation_"+name+"."+d.String()+".sql")
			if *update {
				if err := os.WriteFile(path, []byte(q.SQL+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if q.SQL+"\n" != string(want) {
				t.Errorf("%s (%s) differs from %s (run with -update after checking):\n%s", name, d, path, q.SQL)
			}
		}
	}
}

// TestCompileCorrelation_TrinoGrammar checks the Athena statement of every
// pack correlation rule, over a range and open.
func TestCompileCorrelation_TrinoGrammar(t *testing.T) {
	reg := testRegistry(t)
	var stmts, names []string
	for _, r := range packCorrelations(t, reg) {
		for _, rng := range []TimeRange{goldenRange, {}} {
			q, err := Compile(r, reg, Athena, rng)
			if err != nil {
				t.Fatal(err)
			}
			stmts, names = append(stmts, q.SQL), append(names, r.Name)
		}
	}
	for i, errs := range sqlgrammar.Check(t, sqlgrammar.Trino, stmts) {
		if len(errs) > 0 {
			t.Errorf("%s: Athena statement does not parse as Trino: %+v\n%s", names[i], errs, stmts[i])
		}
	}
	t.Logf("%d Athena correlation statements checked", len(stmts))
}

func TestCompileCorrelation_Range(t *testing.T) {
	reg := testRegistry(t)
	r := packCorrelations(t, reg)[0]
	q, err := Compile(r, reg, DuckDB, goldenRange)
	if err != nil {
		t.Fatal(err)
	}
	// Events are read from a timespan before From, with dt bounds;
	// crossings are reported from From on.
	from := goldenRange.From.Add(-r.Correlation.Timespan)
	wantDT, _ := TimeRange{From: from, To: goldenRange.To}.Partitions()
	for _, want := range []string{`t."dt" >= '` + wantDT + `'`, "t.\"sa_event_time\" >= " + DuckDB.timestampLiteral(from),
		"x.ts >= " + DuckDB.timestampLiteral(goldenRange.From)} {
		if !strings.Contains(q.SQL, want) {
			t.Errorf("%s: no %s in\n%s", r.Name, want, q.SQL)
		}
	}
	if _, err := Compile(r, reg, DuckDB, TimeRange{From: goldenRange.To, To: goldenRange.From}); err == nil {
		t.Error("an empty range compiled")
	}
}
