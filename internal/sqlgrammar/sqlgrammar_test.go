package sqlgrammar

import "testing"

// The checker must accept what each engine accepts and refuse what it
// refuses, or every test built on it proves nothing.
func TestCheck_AcceptsAndRefuses(t *testing.T) {
	cases := []struct {
		d    Dialect
		sql  string
		good bool
	}{
		{Trino, "SELECT a, count(*) FROM t WHERE dt >= '2026-01-01-00' GROUP BY a", true},
		{Trino, `SELECT "user" FROM t WHERE x IS DISTINCT FROM 'a'`, true},
		{Trino, "SELECT * FROM t WHERE x ILIKE 'a'", false},
		{Trino, "SELECT * FROM t WHERE (x = 'a') IS TRUE", false},
		{Trino, "SELECT * FROM t WHERE x = 'a", false},
		{Hive, "CREATE EXTERNAL TABLE t (`user` string, `_type` string) PARTITIONED BY (dt string) STORED AS PARQUET LOCATION 's3://b/p/t/'", true},
		{Hive, "CREATE EXTERNAL TABLE t (a struct<`end`:string>) STORED AS PARQUET", true},
		{Hive, "CREATE EXTERNAL TABLE t (user string) STORED AS PARQUET", false},
		{Hive, "CREATE EXTERNAL TABLE t (_type string) STORED AS PARQUET", false},
	}
	var got [][]Error
	for _, d := range []Dialect{Trino, Hive} {
		var idx []int
		var ss []string
		for i, c := range cases {
			if c.d == d {
				idx = append(idx, i)
				ss = append(ss, c.sql)
			}
		}
		res := Check(t, d, ss)
		if got == nil {
			got = make([][]Error, len(cases))
		}
		for j, i := range idx {
			got[i] = res[j]
		}
	}
	for i, c := range cases {
		if ok := len(got[i]) == 0; ok != c.good {
			t.Errorf("%s %q: parses=%v, want %v (errors %+v)", c.d, c.sql, ok, c.good, got[i])
		}
	}
}
