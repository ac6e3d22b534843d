package lambda_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/streamalert/streamalert/internal/testproc"
)

// TestMain fails the run if a helper process the tests started (the
// Lambda emulator, dynalite, kinesalite) is still alive once they end.
func TestMain(m *testing.M) {
	code := m.Run()
	deadline := time.Now().Add(5 * time.Second)
	left := testproc.Orphans()
	for len(left) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		left = testproc.Orphans()
	}
	if len(left) > 0 {
		fmt.Fprintf(os.Stderr, "helper processes outlived the tests: %v\n", left)
		code = 1
	}
	os.Exit(code)
}
