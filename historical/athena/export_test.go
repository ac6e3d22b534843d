package athena

import (
	"context"
	"time"
)

// SetSleep replaces the wait between polls.
func SetSleep(e *Engine, sleep func(context.Context, time.Duration) error) { e.sleep = sleep }
