package testproc

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOwn_ChildDiesWithKilledParent is what happens when go test kills a
// test binary at its timeout: no cleanup runs. A helper binary (this test
// binary, re-executed) starts `sleep` the way tests start their tools and
// is then killed with SIGKILL; the sleep must die with it.
func TestOwn_ChildDiesWithKilledParent(t *testing.T) {
	if os.Getenv("TESTPROC_HELPER") == "1" {
		t.Skip("helper mode")
	}
	parent := exec.Command(os.Args[0], "-test.run=^TestHelperParent$")
	parent.Env = append(os.Environ(), "TESTPROC_HELPER=1")
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		parent.Process.Kill()
		t.Fatalf("helper wrote no child pid: %v", err)
	}
	child, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "child ")))
	if err != nil {
		parent.Process.Kill()
		t.Fatalf("helper wrote %q", line)
	}
	if state, _, _, ok := Stat(child); !ok || state == "Z" {
		t.Fatalf("child %d not running before the parent is killed", child)
	}
	parent.Process.Signal(syscall.SIGKILL)
	parent.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for {
		state, _, _, ok := Stat(child)
		if !ok || state == "Z" || state == "X" {
			return
		}
		if time.Now().After(deadline) {
			syscall.Kill(child, syscall.SIGKILL)
			t.Fatalf("child %d still %s 10 s after its parent was killed", child, state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestHelperParent runs only inside TestOwn_ChildDiesWithKilledParent.
func TestHelperParent(t *testing.T) {
	if os.Getenv("TESTPROC_HELPER") != "1" {
		t.Skip("runs as the helper of TestOwn_ChildDiesWithKilledParent")
	}
	cmd := exec.Command("sleep", "300")
	Own(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("child %d\n", cmd.Process.Pid)
	time.Sleep(5 * time.Minute)
}

func TestOrphans_ListsLiveGroupMembersUntilKilled(t *testing.T) {
	// sh starts a sleep in its own group; both are listed, then neither.
	cmd := exec.Command("sh", "-c", "sleep 300 & wait")
	Own(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	Started(cmd)
	deadline := time.Now().Add(5 * time.Second)
	for len(Orphans()) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := Orphans(); len(got) != 2 {
		Kill(cmd)
		t.Fatalf("Orphans() = %v, want sh and sleep", got)
	}
	Kill(cmd)
	cmd.Wait()
	deadline = time.Now().Add(5 * time.Second)
	for len(Orphans()) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := Orphans(); len(got) != 0 {
		t.Fatalf("after Kill, Orphans() = %v", got)
	}
}

func TestStat_ParsesCommWithSpacesAndParens(t *testing.T) {
	state, pgrp, comm, ok := Stat(os.Getpid())
	if !ok || state == "" || pgrp != syscall.Getpgrp() || comm == "" {
		t.Fatalf("Stat(self) = %q %d %q %v", state, pgrp, comm, ok)
	}
	if _, _, _, ok := Stat(1 << 30); ok {
		t.Fatal("Stat of a pid that cannot exist says ok")
	}
}
