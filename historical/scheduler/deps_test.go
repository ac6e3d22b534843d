package scheduler_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/streamalert/streamalert/internal/lambdatest"
)

// TestNoCgo: the scheduler and the Athena engine build without cgo and
// link no DuckDB, so that the hunts Lambda can run them.
func TestNoCgo(t *testing.T) {
	cmd := exec.Command(lambdatest.GoCommand(t), "list", "-deps",
		"github.com/streamalert/streamalert/historical/scheduler", "github.com/streamalert/streamalert/historical/athena")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list listed %d packages", len(deps))
	}
	for _, d := range deps {
		if strings.Contains(d, "duckdb") || d == "runtime/cgo" || d == "github.com/streamalert/streamalert/historical" {
			t.Errorf("the scheduler or the Athena engine depends on %s", d)
		}
	}
}
