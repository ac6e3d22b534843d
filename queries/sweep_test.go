package queries

import (
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/internal/sqlgrammar"
)

var sweepRange = TimeRange{From: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC)}

func TestCompileSweep_PairsPerLogType(t *testing.T) {
	reg := testRegistry(t)
	for _, c := range []struct {
		logType string
		pairs   string // "" when the log type has nothing to sweep
	}{
		{"cloudtrail:events", "ip_address→ip"},
		{"suricata:eve", "ip_address→ip domain→domain url→url md5→md5 sha1→sha1 sha256→sha256"},
		{"okta:system", "ip_address→ip domain→domain email→email"},
		{"linux:auth", "ip_address→ip hostname→domain"},
	} {
		sw, ok, err := Options{}.CompileSweep(reg.Get(c.logType), DuckDB, sweepRange)
		if err != nil || ok != (c.pairs != "") || strings.Join(sw.Pairs, " ") != c.pairs {
			t.Errorf("%s: pairs %v, ok %v, %v; want %q", c.logType, sw.Pairs, ok, err, c.pairs)
		}
		if ok && strings.Count(sw.SQL, "UNION ALL") != len(sw.Pairs)-1 {
			t.Errorf("%s: %d parts for %d pairs", c.logType, strings.Count(sw.SQL, "UNION ALL")+1, len(sw.Pairs))
		}
	}
	if _, _, err := (Options{}).CompileSweep(reg.Get("cloudtrail:events"), DuckDB, TimeRange{From: sweepRange.To, To: sweepRange.From}); err == nil {
		t.Error("an empty time range compiled")
	}
}

// TestAthena_SweepTrinoGrammar checks the Athena sweep of every log type
// that has one.
func TestAthena_SweepTrinoGrammar(t *testing.T) {
	reg := testRegistry(t)
	var stmts, names []string
	for _, lt := range reg.All() {
		sw, ok, err := Options{}.CompileSweep(lt, Athena, sweepRange)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			stmts, names = append(stmts, sw.SQL), append(names, lt.Name)
		}
	}
	for i, errs := range sqlgrammar.Check(t, sqlgrammar.Trino, stmts) {
		if len(errs) > 0 {
			t.Errorf("%s: Athena sweep does not parse as Trino: %+v\n%s", names[i], errs, stmts[i])
		}
	}
	t.Logf("%d Athena sweeps checked", len(stmts))
}
