package lambdatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// NPMModules returns a node_modules directory that holds pkg@version:
// the cache's, where npm installs it on first use.
func NPMModules(tb testing.TB, pkg, version string) string {
	tb.Helper()
	prefix := filepath.Join(CacheDir(tb), "npm")
	modules := filepath.Join(prefix, "node_modules")
	if installedVersion(modules, pkg) == version {
		return modules
	}
	unlock := Lock(tb, prefix+".lock")
	defer unlock()
	if installedVersion(modules, pkg) == version {
		return modules
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		Missing(tb, "%s@%s is not installed and there is no npm to install it", pkg, version)
	}
	if err := os.MkdirAll(prefix, 0o755); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(npm, "install", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error", pkg+"@"+version)
	if out, err := cmd.CombinedOutput(); err != nil {
		Missing(tb, "npm install %s@%s into %s failed: %v\n%s", pkg, version, prefix, err, out)
	}
	if v := installedVersion(modules, pkg); v != version {
		tb.Fatalf("lambdatest: npm installed %s %q, want %s", pkg, v, version)
	}
	return modules
}

func installedVersion(modules, pkg string) string {
	b, err := os.ReadFile(filepath.Join(modules, pkg, "package.json"))
	if err != nil {
		return ""
	}
	var p struct{ Version string }
	if json.Unmarshal(b, &p) != nil {
		return ""
	}
	return p.Version
}

func node(tb testing.TB) string {
	tb.Helper()
	n, err := exec.LookPath("node")
	if err != nil {
		Missing(tb, "node is not installed (dynalite, kinesalite and the card validators run on it)")
	}
	return n
}

// StartDynalite starts an in-memory DynamoDB (npm dynalite) for the test
// and returns its endpoint URL. A dynalite on PATH (npm install -g
// dynalite) is used, else the cache's.
func StartDynalite(tb testing.TB) string {
	tb.Helper()
	node(tb)
	bin, err := exec.LookPath("dynalite")
	if err != nil {
		bin = filepath.Join(NPMModules(tb, "dynalite", DynaliteVersion), ".bin", "dynalite")
	}
	port := strconv.Itoa(FreePort(tb))
	p := Start(tb, exec.Command(bin, "--host", "127.0.0.1", "--port", port,
		"--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"))
	p.WaitListening(tb, "127.0.0.1:"+port)
	return "http://127.0.0.1:" + port
}

// kinesaliteScript starts kinesalite on the loopback interface, which its
// command line cannot do.
const kinesaliteScript = `const kinesalite = require('kinesalite');
kinesalite({createStreamMs: 5, deleteStreamMs: 5, updateStreamMs: 5, shardLimit: 100}).listen(Number(process.argv[2]), '127.0.0.1');
`

// globalModules returns npm's global node_modules directory if it holds
// pkg, else "".
func globalModules(pkg string) string {
	npm, err := exec.LookPath("npm")
	if err != nil {
		return ""
	}
	out, err := exec.Command(npm, "root", "-g").Output()
	if err != nil {
		return ""
	}
	root := string(bytes.TrimSpace(out))
	if installedVersion(root, pkg) == "" {
		return ""
	}
	return root
}

// StartKinesalite starts an in-memory Kinesis (npm kinesalite: the global
// one when npm install -g put it there, else the cache's) for the test and
// returns its endpoint URL.
func StartKinesalite(tb testing.TB) string {
	tb.Helper()
	n := node(tb)
	modules := globalModules("kinesalite")
	if modules == "" {
		modules = NPMModules(tb, "kinesalite", KinesaliteVersion)
	}
	script := filepath.Join(tb.TempDir(), "kinesalite.js")
	if err := os.WriteFile(script, []byte(kinesaliteScript), 0o644); err != nil {
		tb.Fatal(err)
	}
	port := strconv.Itoa(FreePort(tb))
	cmd := exec.Command(n, script, port)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	p := Start(tb, cmd)
	p.WaitListening(tb, "127.0.0.1:"+port)
	return "http://127.0.0.1:" + port
}

// GoCommand returns the go command of the toolchain running the test.
func GoCommand(tb testing.TB) string {
	tb.Helper()
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	p, err := exec.LookPath("go")
	if err != nil {
		Missing(tb, "no go command to build with")
	}
	return p
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// RIE returns the Lambda Runtime Interface Emulator: aws-lambda-rie on
// PATH, else the cache's, built there with go install on first use.
func RIE(tb testing.TB) string {
	tb.Helper()
	if p, err := exec.LookPath("aws-lambda-rie"); err == nil {
		return p
	}
	gobin := filepath.Join(CacheDir(tb), "bin")
	bin := filepath.Join(gobin, "aws-lambda-rie")
	if fileExists(bin) {
		return bin
	}
	unlock := Lock(tb, gobin+".lock")
	defer unlock()
	if fileExists(bin) {
		return bin
	}
	cmd := exec.Command(GoCommand(tb), "install", RIEModule+"@latest")
	cmd.Dir = os.TempDir() // outside any module
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		Missing(tb, "go install %s@latest failed: %v\n%s", RIEModule, err, out)
	}
	return bin
}

// Emulator is a function running under the Lambda Runtime Interface
// Emulator.
type Emulator struct {
	URL    string
	Proc   *Proc
	unlock func()
}

// rieLock serialises emulators on the machine: each binds the runtime API
// on the fixed port 9001.
var rieLock = filepath.Join(os.TempDir(), "aws-lambda-rie-9001.lock")

// StartRIE runs the executable bootstrap under the emulator for the rest
// of the test, with env added to the test's environment. It waits for any
// other emulator on the machine to end first.
func StartRIE(tb testing.TB, bootstrap string, env ...string) *Emulator {
	tb.Helper()
	rie := RIE(tb)
	unlock := Lock(tb, rieLock) // released by Stop, or when the test ends after the emulator is killed
	addr := "127.0.0.1:" + strconv.Itoa(FreePort(tb))
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", addr, bootstrap)
	cmd.Env = append(append(os.Environ(), "AWS_LAMBDA_FUNCTION_TIMEOUT=120"), env...)
	p := Start(tb, cmd)
	p.WaitListening(tb, addr)
	return &Emulator{URL: "http://" + addr, Proc: p, unlock: unlock}
}

// Stop ends the emulator and lets the next one start.
func (e *Emulator) Stop() {
	e.Proc.Stop()
	e.unlock()
}

// Invoke calls the function with an event and returns its answer: the
// response JSON, or the error JSON of a function error (ok false).
func (e *Emulator) Invoke(tb testing.TB, event []byte) (body []byte, ok bool) {
	tb.Helper()
	c := &http.Client{Timeout: 3 * time.Minute}
	resp, err := c.Post(e.URL+"/2015-03-31/functions/function/invocations", "application/json", bytes.NewReader(event))
	if err != nil {
		tb.Fatalf("lambdatest: invoke: %v\n%s", err, e.Proc.Output())
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("lambdatest: invoke: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("lambdatest: invoke: %s: %s", resp.Status, body)
	}
	var fe struct {
		ErrorMessage *string `json:"errorMessage"`
		ErrorType    string  `json:"errorType"`
	}
	if resp.Header.Get("X-Amz-Function-Error") != "" || (json.Unmarshal(body, &fe) == nil && fe.ErrorMessage != nil && fe.ErrorType != "") {
		return body, false
	}
	return body, true
}

// String describes the emulator for messages.
func (e *Emulator) String() string { return fmt.Sprintf("aws-lambda-rie at %s", e.URL) }

// Node returns the node command; without one the test is skipped, or
// failed under CI=true.
func Node(tb testing.TB) string {
	tb.Helper()
	return node(tb)
}

// Modules returns a node_modules directory that holds pkg@version: npm's
// global one when `npm install -g` put that version there (as .ci/run's
// tools step does), else the cache's, installed on first use (NPMModules).
func Modules(tb testing.TB, pkg, version string) string {
	tb.Helper()
	if root := globalModules(pkg); root != "" && installedVersion(root, pkg) == version {
		return root
	}
	return NPMModules(tb, pkg, version)
}
