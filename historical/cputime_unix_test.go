//go:build unix

package historical

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time the process (DuckDB's threads included)
// has used, so that the benchmark can report a rate that other processes
// on a busy machine do not deflate.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
