package deploy

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/internal/lambdatest"
	"github.com/streamalert/streamalert/schema"
)

// hiveChecker bundles testdata/hive_check.js with esbuild against npm's
// dt-sql-parser (installed into the test cache by lambdatest.NPMModules)
// and returns the bundle's path. Without node or npm the test is skipped,
// or failed with CI=true.
func hiveChecker(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		lambdatest.Missing(t, "the Hive DDL grammar check needs node: %v", err)
	}
	modules := lambdatest.NPMModules(t, "dt-sql-parser", "4.5.1")
	lambdatest.NPMModules(t, "esbuild", "0.28.2")
	script, err := filepath.Abs("testdata/hive_check.js")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "hive_check.js")
	cmd := exec.Command(filepath.Join(modules, ".bin", "esbuild"), script, "--bundle", "--platform=node", "--format=cjs", "--log-level=warning", "--outfile="+out)
	// The script lives in the repository, the package in the cache.
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bundle the Hive checker: %v\n%s", err, b)
	}
	return out
}

type grammarError struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

// hiveErrors returns the grammar errors of each statement.
func hiveErrors(t *testing.T, script string, stmts []string) [][]grammarError {
	t.Helper()
	in, _ := json.Marshal(stmts)
	cmd := exec.Command("node", script)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", script, err, stderr.String())
	}
	var res [][]grammarError
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(stmts) {
		t.Fatalf("checker output (%d results for %d statements): %v", len(res), len(stmts), err)
	}
	return res
}

// TestAthenaDDL_HiveGrammar runs the Athena DDL of every built-in log type,
// of unclassified and alerts, and every file `deploy generate` writes,
// through dt-sql-parser's Hive grammar (Athena's DDL is Hive's). The
// grammar is shown to refuse what Athena refuses: a struct member named
// user or _type unquoted.
func TestAthenaDDL_HiveGrammar(t *testing.T) {
	script := hiveChecker(t)
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
	res := hiveErrors(t, script, append(stmts, refused...))
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
