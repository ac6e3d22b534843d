//go:build !unix

package bench

import "os"

// peakRSS is not available here.
func peakRSS(*os.ProcessState) int64 { return 0 }
