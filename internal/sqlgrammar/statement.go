package sqlgrammar

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"testing"
)

// Statement returns a check of one statement for code that runs outside
// the test's goroutine, such as a protocol server's handler (which must
// not call tb.Fatal): it returns the first grammar error as Athena words
// a syntax error ("line 1:8: …"), or why the checker could not run. The
// checker is installed before Statement returns.
func Statement(tb testing.TB, d Dialect) func(sql string) error {
	tb.Helper()
	script := bundle(tb)
	return func(sql string) error {
		in, err := json.Marshal(map[string]any{"dialect": d, "statements": []string{sql}})
		if err != nil {
			return err
		}
		cmd := exec.Command("node", script)
		cmd.Stdin = bytes.NewReader(in)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("sqlgrammar: node %s: %v\n%s", script, err, stderr.String())
		}
		var res [][]Error
		if err := json.Unmarshal(out, &res); err != nil || len(res) != 1 {
			return fmt.Errorf("sqlgrammar: checker output: %v\n%s", err, out)
		}
		if len(res[0]) == 0 {
			return nil
		}
		e := res[0][0]
		return fmt.Errorf("line %d:%d: %s", e.Line, e.Column, e.Message)
	}
}
