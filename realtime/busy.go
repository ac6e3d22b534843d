package realtime

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Back-off of SubmitWait while the pipeline is busy: short at first, so a
// brief stall costs little, and capped, so a long one does not spin.
const (
	busyFirstWait = 10 * time.Millisecond
	busyMaxWait   = 200 * time.Millisecond
)

// SubmitWait is Submit for inputs that can wait (a file, a Kinesis shard,
// a TCP sender): while the pipeline is busy (ErrBusy) it retries with a
// back-off until ctx ends, and then returns an error that is both ErrBusy
// and ctx's error. Other errors are returned at once.
func (r *Runner) SubmitWait(ctx context.Context, source string, received time.Time, payload []byte) (uint64, error) {
	return r.SubmitBatchesWait(ctx, []Batch{{Source: source, Received: received, Payload: payload}})
}

// SubmitBatchesWait is SubmitBatches that waits while the pipeline is
// busy, as SubmitWait does.
func (r *Runner) SubmitBatchesWait(ctx context.Context, bs []Batch) (uint64, error) {
	wait := busyFirstWait
	for {
		seq, err := r.SubmitBatches(bs)
		if !errors.Is(err, ErrBusy) {
			return seq, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return 0, fmt.Errorf("%w: %w", ErrBusy, context.Cause(ctx))
		case <-t.C:
		}
		wait = min(2*wait, busyMaxWait)
	}
}
