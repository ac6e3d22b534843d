// Package testproc ties the helper processes a test starts (dynalite,
// kinesalite, the Lambda emulator, npm tools) to the test binary, so that
// none outlives it: not when a test ends normally, and not when go test
// kills the binary for a timeout, where no cleanup runs.
package testproc

import (
	"os/exec"
	"sync"
)

var (
	mu     sync.Mutex
	groups []int
)

// Own makes cmd, not yet started, a process the test binary owns: it runs
// in a process group of its own (so Kill stops what it starts in turn)
// and, where the system allows, it is killed by the kernel when the test
// binary dies. Call Started after cmd.Start.
func Own(cmd *exec.Cmd) { own(cmd) }

// Started records cmd's process group for Orphans.
func Started(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	mu.Lock()
	groups = append(groups, cmd.Process.Pid)
	mu.Unlock()
}

// Kill stops cmd and every process of its group.
func Kill(cmd *exec.Cmd) { kill(cmd) }

// Orphans lists the processes still alive in any group recorded by
// Started, as "pid command". A test binary calls it after its tests have
// run (TestMain) to prove that it leaves nothing behind.
func Orphans() []string {
	mu.Lock()
	gs := append([]int(nil), groups...)
	mu.Unlock()
	return alive(gs)
}
