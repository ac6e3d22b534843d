package serve

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/streamalert/streamalert/schema"
)

// IngestPendingBytes bounds the batches a one-shot load (`streamalert
// ingest`) queues ahead of the workers (AppOptions.MaxPendingBytes): a few
// batches keep every worker busy, and more would only hold memory.
const IngestPendingBytes = 4 * schema.DefaultBatchBytes

// IngestOptions adjust IngestFile.
type IngestOptions struct {
	// BatchBytes is the batch size (default schema.DefaultBatchBytes).
	BatchBytes int
	// Progress, if set, is called with the bytes of the file read so far.
	Progress func(read int64)
}

// IngestFile loads the file at path (plain, gzip or zlib) into the app's
// runner as source: it reads the file as a stream and submits it in the
// batches schema.SplitPayload cuts (the S3 path's), waiting while the
// pipeline is busy, so that memory does not grow with the file. A
// compressed file that turns out corrupt or truncated is an error naming
// the file; the batches before the damage are already submitted.
func (a *App) IngestFile(ctx context.Context, source, path string, opts IngestOptions) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	cr := &countingReader{r: f}
	err = schema.SplitPayload(cr, opts.BatchBytes, func(batch []byte) error {
		// The runner keeps the batch until it is processed; SplitPayload
		// reuses its buffer.
		if _, err := a.Runner.SubmitWait(ctx, source, time.Now().UTC(), bytes.Clone(batch)); err != nil {
			return err
		}
		if opts.Progress != nil {
			opts.Progress(cr.n)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ingest %s: %w", path, err)
	}
	return nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
