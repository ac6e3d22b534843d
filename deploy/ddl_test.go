package deploy

import (
	"strings"
	"testing"

	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/internal/sqlgrammar"
	"github.com/streamalert/streamalert/schema"
)

// TestAthenaDDL_HiveGrammar runs the Athena DDL of every built-in log type,
// of unclassified and alerts, and every file `deploy generate` writes,
// through dt-sql-parser's Hive grammar (Athena's DDL is Hive's). The
// grammar is shown to refuse what Athena refuses: a struct member named
// user or _type unquoted.
func TestAthenaDDL_HiveGrammar(t *testing.T) {
	reg, errs := schema.LoadRegistry("")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var names, stmts []string
	for _, lt := range append(reg.All(), firehose.Unclassified, firehose.Alerts) {
		names = append(names, lt.Table())
		stmts = append(stmts, lt.AthenaDDL("streamalert", "s3://streamalert-lake/parquet/"+lt.Table()+"/"))
	}
	for _, c := range configs {
		plan, ps := Generate(loadConfig(t, c.dir), Options{})
		if len(ps) > 0 {
			t.Fatal(ps.Err())
		}
		for name, ddl := range plan.DDL {
			names = append(names, c.name+"/"+name)
			stmts = append(stmts, ddl)
		}
	}
	if len(stmts) < 48 {
		t.Fatalf("%d statements, want every log type and the two lake tables", len(stmts))
	}
	refused := []string{
		"CREATE EXTERNAL TABLE t (a struct<user:string>) STORED AS PARQUET",
		"CREATE EXTERNAL TABLE t (a struct<_type:string>) STORED AS PARQUET",
	}
	res := sqlgrammar.Check(t, sqlgrammar.Hive, append(stmts, refused...))
	for i, errs := range res[:len(stmts)] {
		for _, e := range errs {
			line := strings.Split(stmts[i], "\n")[max(0, e.Line-1)]
			t.Errorf("%s: line %d col %d: %s\n  %s", names[i], e.Line, e.Column, e.Message, line)
		}
	}
	for i, errs := range res[len(stmts):] {
		if len(errs) == 0 {
			t.Errorf("the grammar accepted %q, which Athena refuses: the check would pass anything", refused[i])
		}
	}
}
