//go:build !linux

package testproc

import "os/exec"

// own does nothing here: process groups and parent-death signals are set
// on Linux only, where the helper tools run.
func own(cmd *exec.Cmd) {}

func kill(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill()
	}
}

func alive(groups []int) []string { return nil }

// Stat is not available on this system.
func Stat(pid int) (state string, pgrp int, comm string, ok bool) { return "", 0, "", false }
