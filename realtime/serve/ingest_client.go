package serve

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/streamalert/streamalert/schema"
)

// IngestClient posts payloads to a running serve's HTTP source
// (POST /v1/ingest/{source}), in batches cut by schema.SplitBatches, and
// retries a batch while serve answers 429 (busy) or 503 (not stored).
type IngestClient struct {
	// URL is serve's base URL (http://127.0.0.1:8080).
	URL    string
	Source string
	Token  string
	// Route is the path the source name is appended to: "/v1/ingest/"
	// (the default, HTTP sources) or "/v1/admin/ingest/" (any source,
	// with the admin token; see AdminClient.Ingest).
	Route string
	// HTTP defaults to a client with a 60-second timeout.
	HTTP *http.Client
	// RetryWait is the pause before a retry (default 1s); MaxAttempts
	// bounds the tries of one batch (default 100).
	RetryWait   time.Duration
	MaxAttempts int
}

// Post sends payload (uncompressed text) and returns the records serve
// accepted. It stops at the first batch serve refuses for good, or when
// ctx ends.
func (c *IngestClient) Post(ctx context.Context, payload []byte) (accepted int, err error) {
	err = schema.SplitBatches(payload, schema.DefaultBatchBytes, func(batch []byte) error {
		if err := c.postBatch(ctx, batch); err != nil {
			return err
		}
		accepted += CountRecords(batch)
		return nil
	})
	return accepted, err
}

func (c *IngestClient) postBatch(ctx context.Context, batch []byte) error {
	client, wait, attempts := c.HTTP, c.RetryWait, c.MaxAttempts
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	if wait <= 0 {
		wait = time.Second
	}
	if attempts <= 0 {
		attempts = 100
	}
	route := c.Route
	if route == "" {
		route = "/v1/ingest/"
	}
	url := strings.TrimRight(c.URL, "/") + route + c.Source
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(batch))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+c.Token)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		retryable := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable
		switch {
		case resp.StatusCode == http.StatusAccepted:
			return nil
		case !retryable:
			return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(body)))
		case attempt >= attempts:
			return fmt.Errorf("%s after %d attempts: %s", resp.Status, attempt, strings.TrimSpace(string(body)))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s, and gave up retrying: %w", resp.Status, context.Cause(ctx))
		case <-t.C:
		}
	}
}
