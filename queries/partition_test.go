package queries

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTableRefs(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		want []string
	}{
		{`SELECT * FROM cloudtrail_events WHERE x = 'FROM nope'`, []string{"cloudtrail_events"}},
		{`SELECT * FROM "db"."Linux_Auth" AS t JOIN db.okta_system o ON 1=1`, []string{"linux_auth", "okta_system"}},
		{`WITH r AS (SELECT 1 FROM aws_vpc_flow) SELECT * FROM r LEFT JOIN unnest(x) ON TRUE`, []string{"aws_vpc_flow", "r"}},
		{`SELECT extract(hour FROM ts) FROM t`, []string{"ts", "t"}},
	} {
		if got := TableRefs(tc.sql); !slices.Equal(got, tc.want) {
			t.Errorf("TableRefs(%q) = %q, want %q", tc.sql, got, tc.want)
		}
	}
}

var (
	dtLower = regexp.MustCompile(`(?:\b|")dt"?\s*>=\s*'(\d{4}-\d\d-\d\d-\d\d)'`)
	dtUpper = regexp.MustCompile(`(?:\b|")dt"?\s*<=\s*'(\d{4}-\d\d-\d\d-\d\d)'`)
)

// requireBounds checks that a statement bounds dt from below and above at
// least once per log table it reads, within [from, to].
func requireBounds(t *testing.T, name, sql, from, to string, isTable func(string) bool) {
	t.Helper()
	refs := 0
	for _, r := range TableRefs(sql) {
		if isTable(r) {
			refs++
		}
	}
	if refs == 0 {
		t.Errorf("%s reads no log table:\n%s", name, sql)
		return
	}
	lows, highs := dtLower.FindAllStringSubmatch(sql, -1), dtUpper.FindAllStringSubmatch(sql, -1)
	if len(lows) < refs || len(highs) < refs {
		t.Errorf("%s reads %d log tables but bounds dt %d times from below and %d from above:\n%s", name, refs, len(lows), len(highs), sql)
	}
	for _, m := range lows {
		if m[1] < from || m[1] > to {
			t.Errorf("%s: dt >= '%s' is outside [%s, %s]", name, m[1], from, to)
		}
	}
	for _, m := range highs {
		if m[1] != to {
			t.Errorf("%s: dt <= '%s', want '%s'", name, m[1], to)
		}
	}
}

// TestPartitionBounds: every statement generated over a window — every
// pack hunt and every rule compiled for a scheduled window, both
// dialects — bounds dt beside each log table it reads, so that partition
// projection reads the window's partitions only.
func TestPartitionBounds(t *testing.T) {
	reg := testRegistry(t)
	tables := map[string]bool{}
	for _, lt := range reg.All() {
		tables[lt.Table()] = true
	}
	isTable := func(s string) bool { return tables[s] }
	end := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

	hs, errs := HuntPack()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, h := range hs {
		start, _ := h.Schedule.Window(end)
		rng := TimeRange{From: start, To: end}
		from, to := h.Partitions(rng)
		// A run over the last hour reads a few hours' partitions, not
		// the table: at most the window, the lookback and an hour each side.
		span := end.Sub(start) + h.Lookback + HuntLate + 2*time.Hour
		if f, _ := time.Parse("2006-01-02-15", from); end.Sub(f) > span {
			t.Errorf("%s reads from %s, more than %s before the window's end", h.Name, from, span)
		}
		for _, d := range []Dialect{Athena, DuckDB} {
			sql, err := h.Render(d, start, end, nil)
			if err != nil {
				t.Fatal(err)
			}
			requireBounds(t, h.Name+" ("+d.String()+")", sql, from, to, isTable)
		}
	}
	for _, r := range allRules(t, reg) {
		rng := TimeRange{From: end.Add(-time.Hour), To: end, Late: HuntLate}
		from, to := rng.Partitions()
		for _, d := range []Dialect{Athena, DuckDB} {
			q, err := Compile(r, reg, d, rng)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range q.Parts {
				requireBounds(t, r.Name+" "+p.LogType+" ("+d.String()+")", p.SQL, from, to, isTable)
			}
		}
	}
}

func FuzzTableRefs(f *testing.F) {
	f.Add(`SELECT * FROM "db"."t" JOIN u ON 1=1 WHERE x = 'FROM v'`)
	f.Add(`WITH r AS (SELECT 1 FROM a) SELECT * FROM r, unnest(x)`)
	f.Fuzz(func(t *testing.T, sql string) {
		for _, name := range TableRefs(sql) {
			if name == "" || name != strings.ToLower(name) {
				t.Fatalf("TableRefs(%q) gave %q", sql, name)
			}
		}
	})
}
