//go:build unix

package schema

import "syscall"

// processCPU returns the CPU time the process has used, in nanoseconds,
// so benchmarks can report throughput per CPU-second, which other
// processes competing for the machine do not distort.
func processCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
