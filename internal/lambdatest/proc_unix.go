//go:build unix

package lambdatest

import (
	"os"
	"syscall"
	"testing"
)

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
