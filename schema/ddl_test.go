package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDDL_Golden compares the Athena DDL of cloudtrail:events with
// testdata/classify/ddl (the DuckDB view's golden is in duckdb_test.go).
func TestDDL_Golden(t *testing.T) {
	ct := Builtin().Get("cloudtrail:events")
	cases := map[string]string{
		"cloudtrail_events.athena.sql": ct.AthenaDDL("streamalert", "s3://example-lake/parquet/cloudtrail_events"),
	}
	for name, got := range cases {
		golden := filepath.Join("testdata", "classify", "ddl", name)
		if updateGolden() {
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (UPDATE_GOLDEN=1 go test ./schema/ -run TestDDL writes it)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", name, got, want)
		}
	}
}

// TestAthenaDDL_Columns: one column per table column, Hive types, struct
// members quoted only when Glue needs it.
func TestAthenaDDL_Columns(t *testing.T) {
	types, errs := ParseDefinitions("t.yaml", []byte(`
name: odd:names
parser: {type: json}
fields:
  - {name: Plain}
  - {name: detail-type}
  - {name: n, type: int}
  - {name: big, type: bigint}
  - {name: f, type: float}
  - {name: ok, type: boolean}
  - {name: at, type: timestamp}
  - {name: addr, type: ip}
  - {name: doc, type: json}
  - {name: tags, type: array<array<int>>}
  - name: obj
    type: object
    fields:
      - {name: Sub-Key}
      - {name: inner, type: object, fields: [{name: x, type: ip}]}
normalize:
  ip_address: [addr]
`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	ddl := types[0].AthenaDDL("db`x", "s3://b/it's/")
	for _, want := range []string{
		"CREATE EXTERNAL TABLE IF NOT EXISTS `db``x`.`odd_names` (\n",
		"  `plain` string,\n",
		"  `detail_type` string,\n",
		"  `n` int,\n",
		"  `big` bigint,\n",
		"  `f` double,\n",
		"  `ok` boolean,\n",
		"  `at` timestamp,\n",
		"  `addr` string,\n",
		"  `doc` string,\n",
		"  `tags` array<array<int>>,\n",
		"  `obj` struct<sub_key:string,`inner`:struct<x:string>>,\n", // inner is reserved
		"  `sa_event_time` timestamp,\n",
		"  `sa_normalized` struct<ip_address:array<string>>,\n",
		"  `sa_extras` string\n)\n",
		"PARTITIONED BY (`dt` string)\n",
		"LOCATION 's3://b/it\\'s/'\n",
		"  'storage.location.template' = 's3://b/it\\'s/dt=${dt}/'\n",
	} {
		if !strings.Contains(ddl, want) {
			t.Errorf("DDL lacks %q:\n%s", want, ddl)
		}
	}
	if n := strings.Count(ddl, "\n  `"); n != len(types[0].Columns()) {
		t.Errorf("%d columns in the DDL, %d in the table", n, len(types[0].Columns()))
	}
}

func TestStructMember(t *testing.T) {
	// Athena's DDL parser refuses reserved words and a leading _ unquoted
	// (deploy's TestAthenaDDL_HiveGrammar runs every table through it).
	for in, want := range map[string]string{"plain": "plain", "_x1": "`_x1`", "_type": "`_type`", "a-b": "`a-b`", "1a": "`1a`", "": "``", "a`b": "`a``b`",
		"user": "`user`", "time": "`time`", "start": "`start`", "end": "`end`", "rows": "`rows`", "authorization": "`authorization`", "username": "username", "type": "type"} {
		if got := structMember(in); got != want {
			t.Errorf("structMember(%q) = %s, want %s", in, got, want)
		}
	}
}
