//go:build !unix

package lambdatest

import (
	"os/exec"
	"testing"
)

func ownGroup(cmd *exec.Cmd) {}

func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill()
	}
}

// Lock does not lock on this system; the tools it guards run on unix only.
func Lock(tb testing.TB, path string) (unlock func()) { return func() {} }
