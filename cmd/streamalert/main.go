// Command streamalert is the streamalert CLI: configuration, classification,
// rules, the lake, historical queries and the embedded pipeline.
package main

import (
	"errors"
	"fmt"
	"os"
)

func main() {
	if err := newRoot().Execute(); err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "streamalert:", err)
		os.Exit(1)
	}
}

// exitError ends the program with a status, its message already printed.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }
