//go:build unix

package lambdatest

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// ownGroup puts the process in a new process group, so that the
// processes it starts (the emulator's function) are stopped with it.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

// Lock takes an exclusive lock on the file path, waiting for it; the lock
// is released by unlock or when the test ends.
func Lock(tb testing.TB, path string) (unlock func()) {
	tb.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		tb.Fatalf("lambdatest: lock %s: %v", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		tb.Fatalf("lambdatest: lock %s: %v", path, err)
	}
	released := false
	unlock = func() {
		if !released {
			released = true
			syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
			f.Close()
		}
	}
	tb.Cleanup(unlock)
	return unlock
}
