package historical

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/streamalert/streamalert/queries"
	"github.com/streamalert/streamalert/rules"
)

func TestEngine_SettingsKeepDuckDBOffline(t *testing.T) {
	e := openEngine(t, t.TempDir(), testRegistry(t))
	got := queryStrings(t, e, "SELECT current_setting('autoinstall_known_extensions'), current_setting('autoload_known_extensions'), current_setting('TimeZone'), current_setting('enable_external_access'), current_setting('lock_configuration')")
	want := []string{"false", "false", "UTC", "false", "true"}
	if fmt.Sprint(got[0]) != fmt.Sprint(want) {
		t.Errorf("settings = %v, want %v", got[0], want)
	}
}

func TestEngine_DTStaysAString(t *testing.T) {
	reg := testRegistry(t)
	dir := t.TempDir()
	arrivals := []time.Time{time.Date(2024, 6, 1, 10, 5, 0, 0, time.UTC), time.Date(2024, 6, 2, 3, 0, 0, 0, time.UTC)}
	writeLake(t, dir, classify(t, reg, "sqltest:events", []string{`{"name":"a"}`, `{"name":"b"}`}, arrivals...))
	e := openEngine(t, dir, reg)
	got := queryStrings(t, e, `SELECT typeof(dt), dt, name FROM sqltest_events ORDER BY dt`)
	want := [][]string{{"VARCHAR", "2024-06-01-10", "a"}, {"VARCHAR", "2024-06-02-03", "b"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows = %v, want %v", got, want)
	}
}

func TestEngine_EmptyTablesHaveTypedViews(t *testing.T) {
	reg := testRegistry(t)
	e := openEngine(t, t.TempDir(), reg)
	got := queryStrings(t, e, `SELECT column_name, column_type FROM (DESCRIBE sqltest_events) WHERE column_name IN ('count', 'user', 'tags', 'sa_event_time', 'dt') ORDER BY column_name`)
	want := [][]string{
		{"count", "BIGINT"},
		{"dt", "VARCHAR"},
		{"sa_event_time", "TIMESTAMP WITH TIME ZONE"},
		{"tags", "VARCHAR[]"},
		{"user", `STRUCT("name" VARCHAR, id INTEGER, score DOUBLE, roles VARCHAR[], conf VARCHAR, "session" STRUCT(mfa VARCHAR, created TIMESTAMP WITH TIME ZONE))`},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("columns:\n got %v\nwant %v", got, want)
	}
	// Every log type's table exists, with the same columns as a table
	// written by the lake writer (checked in TestEngine_ViewTypesMatchLake).
	for _, table := range e.Tables() {
		if n := queryStrings(t, e, "SELECT count(*) FROM "+ident(table)); n[0][0] != "0" {
			t.Errorf("table %s: %s rows, want 0", table, n[0][0])
		}
	}
}

// TestEngine_ViewTypesMatchLake checks that the empty view of a table has
// the types DuckDB reads from the lake writer's Parquet.
func TestEngine_ViewTypesMatchLake(t *testing.T) {
	reg := testRegistry(t)
	empty := openEngine(t, t.TempDir(), reg)
	dir := t.TempDir()
	writeLake(t, dir, classify(t, reg, "sqltest:events", []string{`{"name":"a","user":{"id":1}}`}))
	full := openEngine(t, dir, reg)
	q := "SELECT column_name, column_type FROM (DESCRIBE sqltest_events) ORDER BY column_name"
	if a, b := queryStrings(t, empty, q), queryStrings(t, full, q); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("empty view:\n%v\nlake:\n%v", a, b)
	}
}

func TestEngine_ReadOnly(t *testing.T) {
	dir := t.TempDir()
	e := openEngine(t, dir, testRegistry(t))
	ctx := context.Background()
	accepted := []string{
		"SELECT 1",
		"  -- comment\n(SELECT 2);  ",
		"WITH x AS (SELECT 1 AS a) SELECT a FROM x",
		"FROM sqltest_events",
		"DESCRIBE sqltest_events",
		"SHOW TABLES",
		"SUMMARIZE sqltest_events",
		"EXPLAIN SELECT * FROM sqltest_events",
		"EXPLAIN ANALYZE SELECT count(*) FROM sqltest_events",
		"VALUES (1), (2)",
	}
	for _, q := range accepted {
		res, err := e.Query(ctx, q, nil)
		if err != nil {
			t.Errorf("%q: %v", q, err)
			continue
		}
		for res.Rows.Next() {
		}
		if _, err := res.Finish(); err != nil {
			t.Errorf("%q: %v", q, err)
		}
	}
	out := filepath.Join(dir, "out.csv")
	rejected := []string{
		"CREATE TABLE x AS SELECT 1",
		"INSERT INTO sqltest_events (name) VALUES ('x')",
		"DROP VIEW sqltest_events",
		"SELECT 1; DROP VIEW sqltest_events",
		"SELECT ';'; DROP VIEW sqltest_events",
		"COPY (SELECT 1) TO '" + out + "'",
		"EXPLAIN ANALYZE COPY (SELECT 1) TO '" + out + "'",
		"WITH x AS (SELECT 1) INSERT INTO sqltest_events (name) SELECT 'x'",
		"SET enable_external_access = true",
		"ATTACH '" + filepath.Join(dir, "x.db") + "'",
		"INSTALL httpfs",
		"LOAD inet",
		"CALL pragma_version()",
		"PRAGMA version",
		"",
	}
	for _, q := range rejected {
		res, err := e.Query(ctx, q, nil)
		if err == nil {
			res.Finish()
			t.Errorf("%q was accepted", q)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a statement wrote %s", out)
	}
	// The views are intact.
	if got := queryStrings(t, e, "SELECT count(*) FROM sqltest_events"); got[0][0] != "0" {
		t.Errorf("sqltest_events has %s rows", got[0][0])
	}
	// Even a query cannot read files outside the lake.
	if _, err := e.Query(ctx, "SELECT * FROM read_text('/etc/hostname')", nil); err == nil {
		t.Errorf("read a file outside the lake")
	}
}

func TestFirstKeyword(t *testing.T) {
	for _, c := range []struct{ in, kw string }{
		{"select 1", "SELECT"},
		{"  /* x */ -- y\n ((With", "WITH"},
		{"/* unterminated", ""},
		{"-- only a comment", ""},
		{"", ""},
		{"123", ""},
	} {
		if kw, _ := firstKeyword(c.in); kw != c.kw {
			t.Errorf("firstKeyword(%q) = %q, want %q", c.in, kw, c.kw)
		}
	}
}

func TestEngine_BytesScannedAreTheFilesRead(t *testing.T) {
	reg := testRegistry(t)
	dir := t.TempDir()
	arrivals := []time.Time{
		time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC),
		time.Date(2024, 6, 1, 11, 0, 0, 0, time.UTC),
		time.Date(2024, 6, 2, 10, 0, 0, 0, time.UTC),
	}
	var payloads []string
	for i := range 30 {
		payloads = append(payloads, fmt.Sprintf(`{"name":"n%d","count":%d}`, i, i))
	}
	writeLake(t, dir, classify(t, reg, "sqltest:events", payloads, arrivals...))
	files, err := listFiles(dir, nil)
	if err != nil || len(files) != 3 {
		t.Fatalf("lake has %d files (%v), want 3", len(files), err)
	}
	sizes := map[string]int64{}
	var total int64
	for _, f := range files {
		sizes[f.dt] += f.size
		total += f.size
	}
	e := openEngine(t, dir, reg)
	ctx := context.Background()
	for _, c := range []struct {
		query string
		files int
		bytes int64
	}{
		{"SELECT count(*) FROM sqltest_events", 3, total},
		{"SELECT count(*) FROM sqltest_events WHERE dt = '2024-06-01-11'", 1, sizes["2024-06-01-11"]},
		{"SELECT count(*) FROM sqltest_events WHERE dt >= '2024-06-01-11'", 2, sizes["2024-06-01-11"] + sizes["2024-06-02-10"]},
		{"SELECT 1", 0, 0},
		{"SELECT count(*) FROM sqltest_other", 0, 0},
	} {
		var buf bytes.Buffer
		st, err := e.Run(ctx, c.query, &buf, "csv", nil)
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		if st.Files != c.files || st.Bytes != c.bytes || st.Rows != 1 {
			t.Errorf("%s: %d files, %d bytes, %d rows; want %d files, %d bytes, 1 row", c.query, st.Files, st.Bytes, st.Rows, c.files, c.bytes)
		}
	}
}

// TestEngine_ProgressWhileRunning blocks a statement in a function until
// the progress callback has run, so the test does not depend on timing.
func TestEngine_ProgressWhileRunning(t *testing.T) {
	e, err := Open(context.Background(), t.TempDir(), nil, Options{ProgressEvery: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	reported := make(chan struct{})
	var once sync.Once
	wait := queriesFunction("wait_for_progress", func([]any) (any, error) {
		select {
		case <-reported:
			return "done", nil
		case <-time.After(time.Minute):
			return "timeout", nil
		}
	})
	sf, err := newScalarFunc(wait)
	if err != nil {
		t.Fatal(err)
	}
	sf.config.Volatile = true // else DuckDB folds the call while preparing, before the statement runs
	if err := duckdb.RegisterScalarUDF(e.conn, wait.Name, sf); err != nil {
		t.Fatal(err)
	}
	var calls int
	st, err := e.Run(context.Background(), "SELECT wait_for_progress('x')", &bytes.Buffer{}, "csv", func(p Progress) {
		calls++
		if p.Elapsed <= 0 {
			t.Errorf("elapsed %v", p.Elapsed)
		}
		once.Do(func() { close(reported) })
	})
	if err != nil || st.Rows != 1 {
		t.Fatalf("run: %v, %d rows", err, st.Rows)
	}
	if calls == 0 {
		t.Errorf("progress never called")
	}
}

func TestEngine_FunctionsAgreeWithGo(t *testing.T) {
	e := openEngine(t, t.TempDir(), testRegistry(t))
	texts := []string{"10.1.2.3", "::ffff:10.0.0.1", "fe80::1%eth0", "10.0.0.1%eth0", "AWS Internal", "", "1e3", " 1", "1_000",
		"0x1p-2", "NaN", "-Inf", "infinity", "1e400", "a\"b\\c\x00\u00e9\u2028", "2001:db8::1"}
	for _, s := range texts {
		got := queryStrings(t, e, "SELECT sa_cidr_match("+literalChr(s)+", '10.0.0.0/8,2001:db8::/32'), CAST(sa_parse_float("+literalChr(s)+") AS VARCHAR), sa_go_quote("+literalChr(s)+")")[0]
		cidr := fmt.Sprint(rules.MatchCIDR(s, mustNets(t, "10.0.0.0/8", "2001:db8::/32")))
		num := ""
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) {
			num = fmt.Sprint(f)
			switch {
			case math.IsInf(f, 1):
				num = "inf"
			case math.IsInf(f, -1):
				num = "-inf"
			}
		}
		want := []string{cidr, num, strconv.Quote(s)}
		if got[1] != want[1] {
			// DuckDB prints doubles its own way; compare as numbers.
			a, _ := strconv.ParseFloat(got[1], 64)
			b, _ := strconv.ParseFloat(want[1], 64)
			if a == b && got[1] != "" && want[1] != "" {
				got[1] = want[1]
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%q: got %q, want %q", s, got, want)
		}
	}
	for _, f := range []float64{0, -0.5, 1e21, 1e20, 123456, 1234567, 1e-5, 0.0001, math.MaxFloat64, math.SmallestNonzeroFloat64, math.Inf(1), math.NaN()} {
		lit := "CAST('" + strconv.FormatFloat(f, 'g', -1, 64) + "' AS DOUBLE)"
		switch {
		case math.IsInf(f, 1):
			lit = "CAST('Infinity' AS DOUBLE)"
		case math.IsNaN(f):
			lit = "CAST('NaN' AS DOUBLE)"
		}
		got := queryStrings(t, e, "SELECT sa_float_text("+lit+")")[0][0]
		if want := strconv.FormatFloat(f, 'g', -1, 64); got != want {
			t.Errorf("sa_float_text(%v) = %q, want %q", f, got, want)
		}
	}
}

// literalChr quotes s for a test statement, NUL and ';' included.
func literalChr(s string) string {
	var parts []string
	for _, r := range s {
		parts = append(parts, fmt.Sprintf("chr(%d)", r))
	}
	if len(parts) == 0 {
		return "''"
	}
	return "(" + strings.Join(parts, " || ") + ")"
}

// TestEngine_LowerAgreesWithGo checks DuckDB's lower against Go's
// strings.ToLower for every code point: the DuckDB dialect relies on it.
func TestEngine_LowerAgreesWithGo(t *testing.T) {
	e := openEngine(t, t.TempDir(), testRegistry(t))
	res, err := e.Query(context.Background(), "SELECT r::INTEGER, lower(chr(r::INTEGER)) FROM range(1, 1114112) t(r) WHERE r < 55296 OR r > 57343", nil)
	if err != nil {
		t.Fatal(err)
	}
	n, bad := 0, 0
	for res.Rows.Next() {
		var cp int32
		var l string
		if err := res.Rows.Scan(&cp, &l); err != nil {
			t.Fatal(err)
		}
		n++
		if g := strings.ToLower(string(rune(cp))); g != l {
			bad++
			if bad < 10 {
				t.Errorf("U+%04X: Go %+q, DuckDB %+q", cp, g, l)
			}
		}
	}
	if _, err := res.Finish(); err != nil {
		t.Fatal(err)
	}
	if n != 1112063 {
		t.Errorf("checked %d code points", n)
	}
}

func TestEngine_ClosedEngine(t *testing.T) {
	e, err := Open(context.Background(), t.TempDir(), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Query(context.Background(), "SELECT 1", nil); !errors.Is(err, errClosed) {
		t.Errorf("query on a closed engine: %v", err)
	}
}

func TestAthenaCostUSD(t *testing.T) {
	for _, c := range []struct {
		bytes int64
		want  float64
	}{
		{0, 10 << 20 * 5 / 1e12},
		{1e12, 5},
		{3e12, 15},
	} {
		if got := AthenaCostUSD(c.bytes); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("AthenaCostUSD(%d) = %v, want %v", c.bytes, got, c.want)
		}
	}
}

// queriesFunction builds a one-argument VARCHAR function for tests.
func queriesFunction(name string, eval func([]any) (any, error)) queries.Function {
	return queries.Function{Name: name, Args: []string{"VARCHAR"}, Result: "VARCHAR", Eval: eval}
}

func mustNets(t *testing.T, nets ...string) []netip.Prefix {
	t.Helper()
	var out []netip.Prefix
	for _, n := range nets {
		out = append(out, netip.MustParsePrefix(n))
	}
	return out
}
