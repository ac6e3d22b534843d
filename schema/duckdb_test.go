package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDuckDBView_Golden compares cloudtrail:events' view over a lake
// whose files hold every column with testdata/classify/ddl.
func TestDuckDBView_Golden(t *testing.T) {
	got := Builtin().Get("cloudtrail:events").DuckDBView("/var/lib/streamalert/lake/") + "\n"
	golden := filepath.Join("testdata", "classify", "ddl", "cloudtrail_events.duckdb.sql")
	if updateGolden() {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (UPDATE_GOLDEN=1 go test ./schema/ -run TestDuckDBView writes it)", err)
	}
	if got != string(want) {
		t.Errorf("view differs:\n--- got\n%s\n--- want\n%s", got, want)
	}
}

// TestDuckDBViewOver: the three shapes of the view, by what the files hold.
func TestDuckDBViewOver(t *testing.T) {
	types, errs := ParseDefinitions("t.yaml", []byte(`
name: odd:names
parser: {type: json}
fields:
  - {name: n, type: int}
  - {name: o, type: object, fields: [{name: "A b", type: timestamp}]}
`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	lt := types[0]
	scan := `SELECT * FROM read_parquet('/data/it''s lake/parquet/odd_names/dt=*/*.parquet', hive_partitioning = true, union_by_name = true, hive_types_autocast = false)`
	empty := `SELECT CAST(NULL AS INTEGER) AS "n", CAST(NULL AS STRUCT("a_b" TIMESTAMP WITH TIME ZONE)) AS "o", `
	all := map[string]bool{}
	for _, c := range lt.Columns() {
		all[c.Name] = true
	}
	older := map[string]bool{}
	for _, c := range lt.Columns() {
		older[c.Name] = c.Name != "o"
	}
	cases := []struct {
		name   string
		cols   map[string]bool
		prefix string // the view's body starts with it
		scan   bool   // the body reads the files
		union  bool   // the body is the empty relation UNION ALL BY NAME the scan
	}{
		{name: "no files", cols: nil, prefix: empty},
		{name: "every column", cols: all, prefix: scan, scan: true},
		{name: "a column missing", cols: older, prefix: empty, scan: true, union: true},
	}
	for _, c := range cases {
		view := lt.DuckDBViewOver("/data/it's lake/", c.cols)
		body, ok := strings.CutPrefix(view, `CREATE OR REPLACE TEMP VIEW "odd_names" AS `)
		if !ok || !strings.HasSuffix(body, ";") {
			t.Errorf("%s: not a view of odd_names: %s", c.name, view)
			continue
		}
		if !strings.HasPrefix(body, c.prefix) {
			t.Errorf("%s: view body\n%s\ndoes not start with\n%s", c.name, body, c.prefix)
		}
		if got := strings.Contains(body, scan); got != c.scan {
			t.Errorf("%s: reads the files = %v, want %v:\n%s", c.name, got, c.scan, body)
		}
		if got := strings.Contains(body, " UNION ALL BY NAME "); got != c.union {
			t.Errorf("%s: union with the empty relation = %v, want %v:\n%s", c.name, got, c.union, body)
		}
		if !c.scan && !strings.HasSuffix(body, `CAST(NULL AS VARCHAR) AS "dt" WHERE FALSE;`) {
			t.Errorf("%s: the empty relation lacks the dt column: %s", c.name, body)
		}
	}
	if got, want := lt.DuckDBView("/data/it's lake"), lt.DuckDBViewOver("/data/it's lake", all); got != want {
		t.Errorf("DuckDBView = %s, want the view over files holding every column %s", got, want)
	}
}
