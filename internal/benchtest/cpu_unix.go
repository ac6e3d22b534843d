//go:build unix

// Package benchtest holds what benchmarks share: CPU time, so that a
// benchmark can report work per CPU-second, which other load on a shared
// machine does not distort the way it distorts wall time.
package benchtest

import (
	"syscall"
	"time"
)

// CPUTime returns the user+system CPU time the process has used so far,
// or 0 where it cannot be read.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
