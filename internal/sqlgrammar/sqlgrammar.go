// Package sqlgrammar checks SQL text against the grammars of the engines
// that run it on AWS, for tests: Trino's (Athena engine v3 queries) and
// Hive's (Athena DDL such as CREATE EXTERNAL TABLE). It runs npm's
// dt-sql-parser under Node. The pinned packages (checker/package-lock.json)
// are installed once into the test cache directory and the check script
// is bundled there with esbuild (plain Node cannot load the package's
// directory imports). Without node and npm a test is skipped, except under
// CI=true, where that is a failure.
package sqlgrammar

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Dialect is a grammar the checker knows.
type Dialect string

// The grammars.
const (
	Trino Dialect = "trino"
	Hive  Dialect = "hive"
)

// Error is one grammar error in a statement.
type Error struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

//go:embed checker/package.json checker/package-lock.json checker/check.js
var checker embed.FS

var (
	bundleMu sync.Mutex
	bundled  string
)

// Check returns the grammar errors of each statement (an empty list for a
// statement that parses), in order.
func Check(tb testing.TB, d Dialect, stmts []string) [][]Error {
	tb.Helper()
	script := bundle(tb)
	in, err := json.Marshal(map[string]any{"dialect": d, "statements": stmts})
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command("node", script)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("sqlgrammar: node %s: %v\n%s", script, err, stderr.String())
	}
	var res [][]Error
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(stmts) {
		tb.Fatalf("sqlgrammar: checker output (%d results for %d statements): %v\n%s", len(res), len(stmts), err, out)
	}
	return res
}

// bundle returns the path of the bundled check script, installing and
// bundling on first use.
func bundle(tb testing.TB) string {
	tb.Helper()
	bundleMu.Lock()
	defer bundleMu.Unlock()
	if bundled != "" {
		return bundled
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				tb.Fatalf("sqlgrammar: the SQL grammar check needs %s: %v (required when CI=true)", tool, err)
			}
			tb.Skipf("sqlgrammar: the SQL grammar check needs %s (not found; CI fails instead)", tool)
		}
	}
	dir := install(tb)
	out := filepath.Join(dir, "check.bundle.js")
	if _, err := os.Stat(out); err != nil {
		tmp := out + ".tmp" + strings.ReplaceAll(tb.Name(), "/", "_")
		esbuild := filepath.Join(dir, "node_modules", ".bin", "esbuild")
		run(tb, dir, esbuild, "check.js", "--bundle", "--platform=node", "--format=cjs", "--log-level=warning", "--outfile="+tmp)
		if err := os.Rename(tmp, out); err != nil {
			tb.Fatalf("sqlgrammar: %v", err)
		}
	}
	bundled = out
	return out
}

var files = []string{"package.json", "package-lock.json", "check.js"}

// install installs the pinned packages into a cache directory named by
// the hash of the checker's files, once; concurrent test processes each
// install into a temporary folder and the first rename wins.
func install(tb testing.TB) string {
	tb.Helper()
	h := sha256.New()
	for _, f := range files {
		data, err := fs.ReadFile(checker, "checker/"+f)
		if err != nil {
			tb.Fatal(err)
		}
		h.Write(data)
	}
	root := filepath.Join(cacheDir(), "sql-grammar")
	dir := filepath.Join(root, hex.EncodeToString(h.Sum(nil))[:16])
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "dt-sql-parser")); err == nil {
		return dir
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		tb.Fatal(err)
	}
	tmp, err := os.MkdirTemp(root, "install-")
	if err != nil {
		tb.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	for _, f := range files {
		data, _ := fs.ReadFile(checker, "checker/"+f)
		if err := os.WriteFile(filepath.Join(tmp, f), data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	run(tb, tmp, "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error")
	if err := os.Rename(tmp, dir); err != nil && !errors.Is(err, fs.ErrExist) {
		if _, serr := os.Stat(filepath.Join(dir, "node_modules", "dt-sql-parser")); serr != nil {
			tb.Fatalf("sqlgrammar: install the checker: %v", err)
		}
	}
	return dir
}

// cacheDir is $STREAMALERT_TEST_CACHE, or streamalert-test in the user's
// cache directory: where the other test tools are installed too.
func cacheDir() string {
	if d := os.Getenv("STREAMALERT_TEST_CACHE"); d != "" {
		return d
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "streamalert-test")
}

func run(tb testing.TB, dir, name string, args ...string) {
	tb.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if _, err := cmd.Output(); err != nil {
		tb.Fatalf("sqlgrammar: %s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
}
