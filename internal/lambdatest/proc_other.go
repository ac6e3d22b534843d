//go:build !unix

package lambdatest

import (
	"testing"
)

// Lock does not lock on this system; the tools it guards run on unix only.
func Lock(tb testing.TB, path string) (unlock func()) { return func() {} }
