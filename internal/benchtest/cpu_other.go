//go:build !unix

// Package benchtest holds what benchmarks share.
package benchtest

import "time"

// CPUTime is not available here; benchmarks then report wall time only.
func CPUTime() time.Duration { return 0 }
