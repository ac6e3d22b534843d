package firehose

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/smithy-go"

	"github.com/streamalert/streamalert/schema"
)

// Limits of Firehose's PutRecordBatch (sizes are of the record data before
// base64 encoding).
const (
	MaxBatchRecords = 500
	MaxBatchBytes   = 4 << 20    // 4 MiB per call
	MaxRecordBytes  = 1000 << 10 // 1,000 KiB per record
)

// FirehoseAPI is the part of the Firehose client that Client uses;
// *firehose.Client implements it.
type FirehoseAPI interface {
	PutRecordBatch(ctx context.Context, in *firehose.PutRecordBatchInput, optFns ...func(*firehose.Options)) (*firehose.PutRecordBatchOutput, error)
}

// StreamName is the delivery stream of a table: <prefix>_streamalert_<table>.
func StreamName(prefix, table string) string {
	return prefix + "_streamalert_" + table
}

// Client sends records to the Firehose delivery streams of their tables,
// whose format conversion writes the lake's Parquet. It has the same write
// methods as Lake: Write, WriteUnclassified and WriteRows queue records as
// JSON; Flush sends what is queued, in batches within the service limits,
// retrying only the records a call failed, with jittered exponential
// backoff. What still fails is reported by Flush as a *DeliveryError so
// that the caller can fail its batch and have it retried (at least once).
//
// A Client is safe for concurrent use.
type Client struct {
	api    FirehoseAPI
	prefix string

	// MaxAttempts is how many times a record is sent before it is reported
	// undeliverable (default 6). BaseDelay and MaxDelay bound the backoff
	// between attempts (defaults 100ms and 5s).
	MaxAttempts         int
	BaseDelay, MaxDelay time.Duration

	sleep func(ctx context.Context, d time.Duration) error // replaced by tests

	mu     sync.Mutex
	tables map[*schema.LogType]*table
	queues map[string][]entry // by table name
}

// entry is one record's JSON, queued for a table's stream.
type entry struct {
	id   string // the record id, for reporting
	data []byte
}

// NewClient returns a Client sending to the streams named with prefix.
func NewClient(api FirehoseAPI, prefix string) *Client {
	return &Client{api: api, prefix: prefix, sleep: sleepContext,
		tables: map[*schema.LogType]*table{}, queues: map[string][]entry{}}
}

// OversizeError is returned for a record whose JSON exceeds Firehose's
// per-record limit. Records are never cut: Unclassified holds the record as
// an unclassified one with the reason, for the caller to keep elsewhere
// (WriteUnclassified, when its raw text fits).
type OversizeError struct {
	Size         int
	Unclassified *schema.Unclassified
}

func (e *OversizeError) Error() string {
	return fmt.Sprintf("firehose: record %s: %s", e.Unclassified.ID, e.Unclassified.Reason)
}

func oversizeReason(n int) string {
	return fmt.Sprintf("record is %d bytes, Firehose limit 1000 KiB", n)
}

// Write queues a classified record for its log type's stream.
func (c *Client) Write(rec *schema.Record) error {
	if rec.LogType == nil {
		return fmt.Errorf("firehose: record %s has no log type", rec.ID)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t, err := c.table(rec.LogType)
	if err != nil {
		return err
	}
	data := append(appendRowJSON(nil, t.cols, t.recordRow(rec)), '\n')
	if len(data) > MaxRecordBytes {
		return &OversizeError{Size: len(data), Unclassified: &schema.Unclassified{
			ID: rec.ID, Source: rec.Source, Raw: rec.Raw, Reason: oversizeReason(len(data)), IngestTime: rec.IngestTime}}
	}
	c.queues[t.name] = append(c.queues[t.name], entry{id: rec.ID, data: data})
	return nil
}

// WriteUnclassified queues an unclassified record for the unclassified
// stream. One whose JSON exceeds the per-record limit is not queued; the
// *OversizeError returned holds it.
func (c *Client) WriteUnclassified(u *schema.Unclassified) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, err := c.table(Unclassified)
	if err != nil {
		return err
	}
	data := append(appendRowJSON(nil, t.cols, unclassifiedRow(u)), '\n')
	if len(data) > MaxRecordBytes {
		o := *u
		o.Reason = oversizeReason(len(data))
		return &OversizeError{Size: len(data), Unclassified: &o}
	}
	c.queues[t.name] = append(c.queues[t.name], entry{id: u.ID, data: data})
	return nil
}

// WriteRows queues rows of a table not fed by records, such as Alerts;
// each row is aligned with lt.Columns(). An oversize row is not queued and
// stops the call with an *OversizeError (its Unclassified holds the row's
// JSON as Raw).
func (c *Client) WriteRows(lt *schema.LogType, rows ...[]schema.Value) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, err := c.table(lt)
	if err != nil {
		return err
	}
	for _, row := range rows {
		data := append(appendRowJSON(nil, t.cols, row), '\n')
		var id string
		for i, col := range t.cols {
			if col.Name == schema.ColRecordID && i < len(row) {
				id = row[i].S
			}
		}
		if len(data) > MaxRecordBytes {
			return &OversizeError{Size: len(data), Unclassified: &schema.Unclassified{
				ID: id, Raw: data, Reason: oversizeReason(len(data)), IngestTime: time.Now().UTC()}}
		}
		c.queues[t.name] = append(c.queues[t.name], entry{id: id, data: data})
	}
	return nil
}

func (c *Client) table(lt *schema.LogType) (*table, error) {
	if t := c.tables[lt]; t != nil {
		return t, nil
	}
	t, err := newTable(lt)
	if err != nil {
		return nil, fmt.Errorf("firehose: %w", err)
	}
	c.tables[lt] = t
	return t, nil
}

// Failure is a record that could not be delivered.
type Failure struct {
	Stream   string
	RecordID string
	Code     string // the Firehose error code, or the error of the whole call
	Message  string
}

// DeliveryError lists the records a Flush could not deliver.
type DeliveryError struct {
	Failures []Failure
}

func (e *DeliveryError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "firehose: %d records not delivered", len(e.Failures))
	codes := map[string]int{}
	for _, f := range e.Failures {
		codes[f.Stream+": "+f.Code]++
	}
	keys := make([]string, 0, len(codes))
	for k := range codes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s ×%d", k, codes[k])
	}
	if len(keys) > 0 {
		b.WriteString(")")
	}
	return b.String()
}

// Flush sends every queued record. It returns a *DeliveryError listing the
// records that could not be delivered after all attempts; those records are
// no longer queued.
func (c *Client) Flush(ctx context.Context) error {
	c.mu.Lock()
	queues := c.queues
	c.queues = map[string][]entry{}
	c.mu.Unlock()
	names := make([]string, 0, len(queues))
	for name := range queues {
		names = append(names, name)
	}
	sort.Strings(names)
	var failed []Failure
	for _, name := range names {
		stream := StreamName(c.prefix, name)
		for _, batch := range batches(queues[name]) {
			failed = append(failed, c.send(ctx, stream, batch)...)
		}
	}
	if len(failed) > 0 {
		return &DeliveryError{Failures: failed}
	}
	return nil
}

// Close flushes; a Client holds nothing else.
func (c *Client) Close(ctx context.Context) error { return c.Flush(ctx) }

// batches cuts entries into PutRecordBatch calls within the limits.
func batches(es []entry) [][]entry {
	var out [][]entry
	start, size := 0, 0
	for i, e := range es {
		if i-start == MaxBatchRecords || size+len(e.data) > MaxBatchBytes {
			out = append(out, es[start:i])
			start, size = i, 0
		}
		size += len(e.data)
	}
	if start < len(es) {
		out = append(out, es[start:])
	}
	return out
}

func (c *Client) attempts() int {
	if c.MaxAttempts > 0 {
		return c.MaxAttempts
	}
	return 6
}

// backoff is the wait before attempt n+1: "full jitter", a uniform random
// duration up to BaseDelay·2ⁿ⁻¹, capped at MaxDelay.
func (c *Client) backoff(n int) time.Duration {
	base, maxd := c.BaseDelay, c.MaxDelay
	if base <= 0 {
		base = 100 * time.Millisecond
	}
	if maxd <= 0 {
		maxd = 5 * time.Second
	}
	d := maxd
	if n < 30 && base<<(n-1) < maxd {
		d = base << (n - 1)
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}

// send delivers one batch, retrying the entries that fail, and returns
// those that never got through.
func (c *Client) send(ctx context.Context, stream string, batch []entry) []Failure {
	pending := batch
	var lastErr error
	var codes []string // per pending entry, its last error code and message
	var msgs []string
	for n := 1; ; n++ {
		recs := make([]types.Record, len(pending))
		for i, e := range pending {
			recs[i] = types.Record{Data: e.data}
		}
		out, err := c.api.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{
			DeliveryStreamName: aws.String(stream), Records: recs,
		})
		switch {
		case err != nil:
			lastErr, codes, msgs = err, nil, nil
			if !retryable(err) {
				return failures(stream, pending, nil, nil, err)
			}
		case aws.ToInt32(out.FailedPutCount) == 0 && len(out.RequestResponses) == len(pending):
			return nil
		case len(out.RequestResponses) != len(pending):
			// Not what the API promises; resend everything pending.
			lastErr = fmt.Errorf("PutRecordBatch answered %d entries for %d records", len(out.RequestResponses), len(pending))
			codes, msgs = nil, nil
		default:
			var next []entry
			codes, msgs = codes[:0], msgs[:0]
			for i, r := range out.RequestResponses {
				if r.ErrorCode != nil {
					next = append(next, pending[i])
					codes = append(codes, aws.ToString(r.ErrorCode))
					msgs = append(msgs, aws.ToString(r.ErrorMessage))
				}
			}
			pending, lastErr = next, nil
			if len(pending) == 0 {
				return nil
			}
		}
		if n >= c.attempts() {
			return failures(stream, pending, codes, msgs, lastErr)
		}
		if err := c.sleep(ctx, c.backoff(n)); err != nil {
			return failures(stream, pending, nil, nil, err)
		}
	}
}

func failures(stream string, es []entry, codes, msgs []string, err error) []Failure {
	out := make([]Failure, len(es))
	for i, e := range es {
		f := Failure{Stream: stream, RecordID: e.id}
		if i < len(codes) {
			f.Code, f.Message = codes[i], msgs[i]
		} else if err != nil {
			f.Code, f.Message = errorCode(err), err.Error()
		}
		out[i] = f
	}
	return out
}

// retryable reports whether a failed call may succeed when made again:
// not when the request itself is wrong or the stream does not exist.
func retryable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	switch errorCode(err) {
	case "ResourceNotFoundException", "InvalidArgumentException", "ValidationException",
		"InvalidKMSResourceException", "InvalidSourceException", "AccessDeniedException",
		"UnrecognizedClientException", "SerializationException":
		return false
	}
	return true
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "RequestError"
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
