package testproc

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// own sets a new process group and a parent-death signal. The kernel sends
// SIGKILL to the child when the thread that started it exits; Go keeps its
// threads for the life of the process unless a goroutine exits while
// locked to one, which test code does not do.
func own(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}

func kill(cmd *exec.Cmd) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Process.Kill()
	}
}

// alive scans /proc for live (not zombie) processes whose process group is
// one of groups.
func alive(groups []int) []string {
	if len(groups) == 0 {
		return nil
	}
	want := map[int]bool{}
	for _, g := range groups {
		want[g] = true
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		state, pgrp, comm, ok := Stat(pid)
		if !ok || state == "Z" || state == "X" || !want[pgrp] {
			continue
		}
		out = append(out, strconv.Itoa(pid)+" "+comm)
	}
	return out
}

// Stat reads a process's state, process group and command name from
// /proc/PID/stat; ok is false when the process does not exist.
func Stat(pid int) (state string, pgrp int, comm string, ok bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return "", 0, "", false
	}
	s := string(b)
	// comm is in parentheses and may hold spaces or parentheses itself.
	open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || close < open {
		return "", 0, "", false
	}
	comm = s[open+1 : close]
	f := strings.Fields(s[close+1:])
	if len(f) < 3 {
		return "", 0, "", false
	}
	pgrp, err = strconv.Atoi(f[2])
	if err != nil {
		return "", 0, "", false
	}
	return f[0], pgrp, comm, true
}
