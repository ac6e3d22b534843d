// Package trinotest checks SQL text against the Trino grammar, as Athena
// engine v3 parses it, for tests: npm's dt-sql-parser (TrinoSQL().validate)
// run by Node.
//
// Plain Node cannot load dt-sql-parser, so the check script is bundled
// with esbuild first. The pinned packages (trino-check/package-lock.json)
// are installed with `npm ci` into a cache directory named by the hash of
// the lock file and the script, once per machine. Without node and npm a
// test is skipped, except in CI (CI=true), where that is a failure.
package trinotest

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

//go:embed trino-check/package.json trino-check/package-lock.json trino-check/check.js
var checkerFiles embed.FS

var checkerNames = []string{"package.json", "package-lock.json", "check.js"}

// Error is one grammar error of a statement.
type Error struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

func (e Error) String() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Message) }

// Checker runs the bundled check script.
type Checker struct {
	script string
}

var (
	bundleOnce sync.Once
	bundled    string
	bundleErr  error
)

// New returns a checker, installing and bundling the script on first use.
func New(tb testing.TB) *Checker {
	tb.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				tb.Fatalf("the Trino grammar check needs %s: %v", tool, err)
			}
			tb.Skipf("the Trino grammar check needs %s (not found; CI fails instead)", tool)
		}
	}
	bundleOnce.Do(func() { bundled, bundleErr = bundle() })
	if bundleErr != nil {
		tb.Fatalf("trinotest: %v", bundleErr)
	}
	return &Checker{script: bundled}
}

// bundle installs the packages into the cache directory (unless there)
// and bundles check.js beside them, returning the bundle's path.
func bundle() (string, error) {
	h := sha256.New()
	for _, f := range checkerNames {
		data, err := checkerFiles.ReadFile("trino-check/" + f)
		if err != nil {
			return "", err
		}
		h.Write(data)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	root := filepath.Join(cache, "streamalert", "trino-check")
	dir := filepath.Join(root, hex.EncodeToString(h.Sum(nil))[:16])
	out := filepath.Join(dir, "dist", "check.js")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "dt-sql-parser")); err != nil {
		if err := install(root, dir); err != nil {
			return "", err
		}
	}
	// Bundle to a private name, then rename: another test process may be
	// bundling at the same time; either result is good.
	tmp := filepath.Join(dir, "dist", fmt.Sprintf("check-%d.js", os.Getpid()))
	esbuild := filepath.Join(dir, "node_modules", ".bin", "esbuild")
	if _, err := run(dir, esbuild, "check.js", "--bundle", "--platform=node", "--format=cjs", "--log-level=warning", "--outfile="+tmp); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, out); err != nil {
		return "", fmt.Errorf("bundle the Trino checker: %w", err)
	}
	return out, nil
}

// install runs npm ci for the pinned packages in a temporary directory
// under root and moves it to dir.
func install(root, dir string) error {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(root, "install-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, f := range checkerNames {
		data, _ := checkerFiles.ReadFile("trino-check/" + f)
		if err := os.WriteFile(filepath.Join(tmp, f), data, 0o644); err != nil {
			return err
		}
	}
	if _, err := run(tmp, "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil && !errors.Is(err, fs.ErrExist) {
		if _, serr := os.Stat(filepath.Join(dir, "node_modules", "dt-sql-parser")); serr != nil {
			return fmt.Errorf("install the Trino checker: %w", err)
		}
	}
	return nil
}

func run(dir, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

// Validate returns the grammar errors of each statement (an empty list
// for a statement that parses).
func (c *Checker) Validate(stmts []string) ([][]Error, error) {
	in, err := json.Marshal(stmts)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("node", c.script)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("node %s: %v\n%s", c.script, err, stderr.String())
	}
	var res [][]Error
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(stmts) {
		return nil, fmt.Errorf("checker output (%d results for %d statements): %v\n%s", len(res), len(stmts), err, out)
	}
	return res, nil
}

// Check returns the first grammar error of one statement as Athena words
// a syntax error ("line 1:8: mismatched input …"), or nil.
func (c *Checker) Check(sql string) error {
	res, err := c.Validate([]string{sql})
	if err != nil {
		return err
	}
	if len(res[0]) == 0 {
		return nil
	}
	e := res[0][0]
	return fmt.Errorf("line %d:%d: %s", e.Line, e.Column, e.Message)
}

// Controls are statements Trino rejects; a test of the checker requires
// each to be reported.
var Controls = []string{
	"SELECT * FROM t WHERE x ILIKE 'a'",
	"SELECT * FROM t WHERE (x = 'a') IS TRUE",
	"SELECT * FROM t WHERE x = 'a",
}

// Require fails the test for every statement with grammar errors (names
// label them) and for every control the checker accepts.
func (c *Checker) Require(tb testing.TB, names, stmts []string) {
	tb.Helper()
	res, err := c.Validate(append(append([]string(nil), stmts...), Controls...))
	if err != nil {
		tb.Fatal(err)
	}
	for i, errs := range res[:len(stmts)] {
		if len(errs) > 0 {
			tb.Errorf("%s: Athena statement does not parse as Trino: %v\n%s", names[i], errs, stmts[i])
		}
	}
	for i, errs := range res[len(stmts):] {
		if len(errs) == 0 {
			tb.Errorf("the checker accepted %q", Controls[i])
		}
	}
}
