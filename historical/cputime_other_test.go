//go:build !unix

package historical

import "time"

// processCPU is not available here; the benchmark then reports wall time only.
func processCPU() (time.Duration, bool) { return 0, false }
