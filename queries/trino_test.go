package queries

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The Trino grammar check runs npm's dt-sql-parser (TrinoSQL().validate)
// over every Athena statement. Plain Node cannot load the package, so the
// check script is bundled with esbuild first. The packages are installed
// from testdata/trino-check/package-lock.json into a cache directory
// (unless that folder has its own node_modules). Without node and npm the
// test is skipped, except in CI (CI=true), where that is a failure.

const checkerSrc = "testdata/trino-check"

// trinoChecker returns the path of the bundled check script.
func trinoChecker(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("the Trino grammar check needs %s: %v", tool, err)
			}
			t.Skipf("the Trino grammar check needs %s (not found; CI fails instead)", tool)
		}
	}
	dir, err := filepath.Abs(checkerSrc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "dt-sql-parser")); err != nil {
		dir = installChecker(t)
	}
	out := filepath.Join(t.TempDir(), "check.js")
	esbuild := filepath.Join(dir, "node_modules", ".bin", "esbuild")
	run(t, dir, esbuild, "check.js", "--bundle", "--platform=node", "--format=cjs", "--log-level=warning", "--outfile="+out)
	return out
}

// installChecker installs the pinned packages into a cache directory named
// by the hash of the lock file and script, once.
func installChecker(t *testing.T) string {
	t.Helper()
	h := sha256.New()
	files := []string{"package.json", "package-lock.json", "check.js"}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(checkerSrc, f))
		if err != nil {
			t.Fatal(err)
		}
		h.Write(data)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	root := filepath.Join(cache, "streamalert", "trino-check")
	dir := filepath.Join(root, hex.EncodeToString(h.Sum(nil))[:16])
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "dt-sql-parser")); err == nil {
		return dir
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp(root, "install-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	for _, f := range files {
		data, _ := os.ReadFile(filepath.Join(checkerSrc, f))
		if err := os.WriteFile(filepath.Join(tmp, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(t, tmp, "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error")
	// Another test process may have finished first; either copy is good.
	if err := os.Rename(tmp, dir); err != nil && !errors.Is(err, fs.ErrExist) {
		if _, serr := os.Stat(filepath.Join(dir, "node_modules", "dt-sql-parser")); serr != nil {
			t.Fatalf("install the Trino checker: %v", err)
		}
	}
	return dir
}

func run(t *testing.T, dir, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out
}

type trinoError struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

// validateTrino returns the grammar errors of each statement.
func validateTrino(t *testing.T, script string, stmts []string) [][]trinoError {
	t.Helper()
	in, err := json.Marshal(stmts)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", script)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", script, err, stderr.String())
	}
	var res [][]trinoError
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(stmts) {
		t.Fatalf("checker output (%d results for %d statements): %v\n%s", len(res), len(stmts), err, out)
	}
	return res
}

// TestAthena_TrinoGrammar checks every Athena statement the compiler
// writes for the pack, the Sigma CloudTrail rules and the test rules.
func TestAthena_TrinoGrammar(t *testing.T) {
	script := trinoChecker(t)
	reg := testRegistry(t)
	var stmts, names []string
	for i, r := range allRules(t, reg) {
		rngs := []TimeRange{goldenRange}
		if i == 0 {
			rngs = append(rngs, TimeRange{}) // the open range only drops conditions
		}
		for _, rng := range rngs {
			q, err := Compile(r, reg, Athena, rng)
			if err != nil {
				t.Errorf("%s: %v", r.Name, err)
				continue
			}
			stmts = append(stmts, q.SQL)
			names = append(names, r.Name)
		}
	}
	// Controls: the checker must reject what Trino rejects.
	controls := []string{
		"SELECT * FROM t WHERE x ILIKE 'a'",
		"SELECT * FROM t WHERE (x = 'a') IS TRUE",
		"SELECT * FROM t WHERE x = 'a",
	}
	res := validateTrino(t, script, append(stmts, controls...))
	for i, errs := range res[:len(stmts)] {
		if len(errs) > 0 {
			t.Errorf("%s: Athena statement does not parse as Trino: %+v\n%s", names[i], errs, stmts[i])
		}
	}
	for i, errs := range res[len(stmts):] {
		if len(errs) == 0 {
			t.Errorf("the checker accepted %q", controls[i])
		}
	}
	t.Logf("%d Athena statements checked", len(stmts))
}
