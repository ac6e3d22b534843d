package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/internal/testproc"
)

// readmeBlocks returns the shell blocks of README.md that follow a
// "<!-- readme-test" marker, in order.
func readmeBlocks(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)<!-- readme-test[^>]*-->\\s*```sh\\n(.*?)```")
	var out []string
	for _, m := range re.FindAllSubmatch(data, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

// TestREADME_CommandBlocksRunAsWritten runs the README's marked command
// blocks in one shell, in a scratch copy of what they read (examples/),
// as a newcomer pastes them: build, init, validate, serve in the
// background, post and ingest the samples, list alerts, test, run and
// compile the example rule, back-test over the lake serve wrote. The one
// liberty taken: `go build -o streamalert` runs in the repository and
// writes the binary into the scratch directory.
func TestREADME_CommandBlocksRunAsWritten(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs serve")
	}
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("the README's commands need %s (required when CI=true)", tool)
			}
			t.Skipf("the README's commands need %s", tool)
		}
	}
	for _, addr := range []string{"127.0.0.1:8080", "127.0.0.1:5514"} {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Fatalf("%s is taken; the README's serve listens there", addr)
		}
	}
	blocks := readmeBlocks(t)
	if len(blocks) < 2 {
		t.Fatalf("README.md has %d marked blocks, want the two of the tour", len(blocks))
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "examples"), os.DirFS(filepath.Join(repo, "examples"))); err != nil {
		t.Fatal(err)
	}
	var script strings.Builder
	// The shell stops what it started in the background (serve) when it
	// exits, so nothing outlives the test even if the group kill below
	// never runs.
	script.WriteString("set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n")
	built := false
	for _, b := range blocks {
		for _, line := range strings.SplitAfter(b, "\n") {
			if strings.HasPrefix(line, "go build -o streamalert ./cmd/streamalert") {
				line = "(cd " + repo + " && go build -o " + filepath.Join(dir, "streamalert") + " ./cmd/streamalert)\n"
				built = true
			}
			script.WriteString(line)
		}
	}
	if !built {
		t.Fatal("the README's blocks no longer build the binary")
	}
	cmd := exec.Command("bash", "-c", script.String())
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	// A file, not a pipe: serve in the background holds the shell's
	// output open, and Wait would wait for it.
	out, err := os.Create(filepath.Join(t.TempDir(), "output"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	testproc.Own(cmd) // serve, started with &, is in bash's group
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	testproc.Started(cmd)
	err = cmd.Wait()
	testproc.Kill(cmd)
	printed, _ := os.ReadFile(out.Name())
	text := string(printed)
	if err != nil {
		t.Fatalf("the README's commands failed: %v\n%s", err, text)
	}
	for _, want := range []string{
		"conf: ok: ",         // validate
		`"accepted":`,        // curl's answer
		"records accepted",   // ingest through serve
		"2 passed, 0 failed", // rules test
		"SELECT",             // rules sql
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the README's commands printed no %q:\n%s", want, text)
		}
	}
}
