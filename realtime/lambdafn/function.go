package lambdafn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/realtime"
	"github.com/streamalert/streamalert/schema"
)

// EventKind is the kind of event a Lambda function was invoked with.
type EventKind string

// The events the Lambda functions handle.
const (
	EventUnknown  EventKind = ""
	EventKinesis  EventKind = "kinesis"  // Kinesis event source mapping
	EventSQS      EventKind = "sqs"      // SQS event source mapping
	EventSNS      EventKind = "sns"      // SNS subscription
	EventS3       EventKind = "s3"       // S3 event notification, direct
	EventHTTP     EventKind = "http"     // API Gateway HTTP API (payload 2.0) or function URL
	EventDynamoDB EventKind = "dynamodb" // DynamoDB stream
	EventSchedule EventKind = "schedule" // EventBridge (CloudWatch Events) scheduled event
)

// DetectEvent tells an invocation's event kind from its JSON, by the
// fields each service documents: Records[].eventSource (EventSource for
// SNS), requestContext.http for HTTP requests, source/detail-type for
// EventBridge.
func DetectEvent(raw []byte) EventKind {
	r := gjson.ParseBytes(raw)
	if recs := r.Get("Records"); recs.IsArray() {
		first := recs.Get("0")
		src := first.Get("eventSource").String()
		if src == "" {
			src = first.Get("EventSource").String()
		}
		switch src {
		case "aws:kinesis":
			return EventKinesis
		case "aws:sqs":
			return EventSQS
		case "aws:sns":
			return EventSNS
		case "aws:s3":
			return EventS3
		case "aws:dynamodb":
			return EventDynamoDB
		}
		return EventUnknown
	}
	if r.Get("requestContext.http.method").Exists() {
		return EventHTTP
	}
	if r.Get("detail-type").String() == "Scheduled Event" || r.Get("source").String() == "aws.events" {
		return EventSchedule
	}
	return EventUnknown
}

// eventSnippet is the start of an event for error messages.
func eventSnippet(raw []byte) string {
	const n = 120
	s := strings.Join(strings.Fields(string(raw)), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

// arnName returns the resource name an ARN ends with: the stream of
// arn:aws:kinesis:…:stream/NAME, the queue of arn:aws:sqs:…:NAME, the topic
// of arn:aws:sns:…:NAME. Anything else is returned as it is.
func arnName(arn string) string {
	if !strings.HasPrefix(arn, "arn:") {
		if i := strings.LastIndexByte(arn, '/'); i >= 0 { // an SQS queue URL
			return arn[i+1:]
		}
		return arn
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return arn
	}
	res := parts[5]
	if i := strings.IndexByte(res, '/'); i >= 0 {
		res = res[i+1:]
	}
	return res
}

// sourceIndex finds the configured source of an event's stream, bucket,
// queue or topic. An event from something no source names is classified
// against every log type under the resource's own name.
type sourceIndex struct {
	byKind map[EventKind]map[string]string // event kind → resource name → source name
	http   []*realtime.HTTPSource
}

func newSourceIndex(srcs []realtime.Source) *sourceIndex {
	ix := &sourceIndex{byKind: map[EventKind]map[string]string{}, http: realtime.SourcesOf[*realtime.HTTPSource](srcs)}
	indexSources(ix, EventKinesis, realtime.SourcesOf[*realtime.KinesisSource](srcs))
	indexSources(ix, EventS3, realtime.SourcesOf[*realtime.S3Source](srcs))
	indexSources(ix, EventSQS, realtime.SourcesOf[*realtime.SQSSource](srcs))
	indexSources(ix, EventSNS, realtime.SourcesOf[*realtime.SNSSource](srcs))
	return ix
}

// indexSources files the sources of one kind under the events that come
// from their resources.
func indexSources[T realtime.FedSource](ix *sourceIndex, kind EventKind, srcs []T) {
	m := map[string]string{}
	for _, s := range srcs {
		if r := s.Resource(); r != "" {
			m[arnName(r)] = s.Config().Name
		}
	}
	ix.byKind[kind] = m
}

// lookup returns the source configured for the resource (an ARN, URL or
// name) of that kind, or "".
func (ix *sourceIndex) lookup(kind EventKind, resource string) string {
	return ix.byKind[kind][arnName(resource)]
}

// name returns the configured source or, failing that, the resource name.
func (ix *sourceIndex) name(kind EventKind, resource string) string {
	if s := ix.lookup(kind, resource); s != "" {
		return s
	}
	return arnName(resource)
}

// httpSource returns the HTTP source named, or the first one when name is
// empty.
func (ix *sourceIndex) httpSource(name string) (*realtime.HTTPSource, bool) {
	for _, s := range ix.http {
		if name == "" || s.Name == name {
			return s, true
		}
	}
	return nil, false
}

// itemLake is the Lake of a Lambda invocation. It queues records on a
// firehose.Client and remembers which item of the event (Kinesis record,
// SQS message, …) each came from, so that a record Firehose would not take
// fails only its own item. Records too large for Firehose are kept as
// unclassified records, cut into parts if need be: a record must never make
// its item fail forever.
type itemLake struct {
	fh     *firehose.Client
	log    *slog.Logger
	cur    int
	owners map[string][]int // record id → items
}

// unclassifiedPart bounds the raw bytes of one part of an oversize record:
// JSON escaping grows a byte to at most 6, which keeps a part's row under
// Firehose's 1,000 KiB.
const unclassifiedPart = 128 << 10

func newItemLake(fh *firehose.Client, log *slog.Logger) *itemLake {
	return &itemLake{fh: fh, log: log, owners: map[string][]int{}}
}

func (l *itemLake) reset() {
	clear(l.owners)
	l.cur = 0
}

func (l *itemLake) note(id string) {
	items := l.owners[id]
	if n := len(items); n > 0 && items[n-1] == l.cur {
		return
	}
	l.owners[id] = append(items, l.cur)
}

// Write implements Lake.
func (l *itemLake) Write(rec *schema.Record) error {
	err := l.fh.Write(rec)
	var big *firehose.OversizeError
	if errors.As(err, &big) {
		l.log.Warn("record over the Firehose limit; kept as unclassified", "record", rec.ID, "log_type", rec.LogType.Name, "bytes", big.Size)
		return l.WriteUnclassified(big.Unclassified)
	}
	if err == nil {
		l.note(rec.ID)
	}
	return err
}

// WriteUnclassified implements Lake.
func (l *itemLake) WriteUnclassified(u *schema.Unclassified) error {
	err := l.fh.WriteUnclassified(u)
	var big *firehose.OversizeError
	if !errors.As(err, &big) {
		if err == nil {
			l.note(u.ID)
		}
		return err
	}
	parts := cutRaw(u.Raw, unclassifiedPart)
	for i, raw := range parts {
		p := &schema.Unclassified{ID: fmt.Sprintf("%s.%d", u.ID, i+1), Source: u.Source, Raw: raw,
			Reason: fmt.Sprintf("%s; part %d of %d", big.Unclassified.Reason, i+1, len(parts)), IngestTime: u.IngestTime}
		if err := l.fh.WriteUnclassified(p); err != nil {
			return err
		}
		l.note(p.ID)
	}
	return nil
}

// writeAlerts queues alert rows for the lake's alerts table.
func (l *itemLake) writeAlerts(rows [][]schema.Value) error {
	idCol := -1
	for i, c := range firehose.Alerts.Columns() {
		if c.Name == schema.ColRecordID {
			idCol = i
		}
	}
	for _, row := range rows {
		if err := l.fh.WriteRows(firehose.Alerts, row); err != nil {
			return err
		}
		if idCol >= 0 {
			l.note(row[idCol].S)
		}
	}
	return nil
}

// cutRaw cuts b into parts of at most n bytes, at UTF-8 character
// boundaries where the text has them.
func cutRaw(b []byte, n int) [][]byte {
	var out [][]byte
	for len(b) > n {
		cut := n
		for back := 0; back < utf8.UTFMax && cut > 0 && !utf8.RuneStart(b[cut]); back++ {
			cut--
		}
		if cut == 0 {
			cut = n
		}
		out = append(out, b[:cut])
		b = b[cut:]
	}
	return append(out, b)
}

// flush delivers what the items queued and returns, per item, the error
// that made some of its records undeliverable.
func (l *itemLake) flush(ctx context.Context, items int) []error {
	errs := make([]error, items)
	err := l.fh.Flush(ctx)
	if err == nil {
		return errs
	}
	var de *firehose.DeliveryError
	if !errors.As(err, &de) {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	for _, f := range de.Failures {
		owners, ok := l.owners[f.RecordID]
		if !ok { // not ours to place: fail everything rather than lose it
			for i := range errs {
				if errs[i] == nil {
					errs[i] = err
				}
			}
			continue
		}
		for _, i := range owners {
			if i < items && errs[i] == nil {
				errs[i] = fmt.Errorf("firehose %s: record %s not delivered: %s %s", f.Stream, f.RecordID, f.Code, f.Message)
			}
		}
	}
	return errs
}

// errOutOfTime fails the items an invocation had no time left for.
var errOutOfTime = errors.New("invocation deadline too close; left for a retry")

// deadlineNear reports whether ctx leaves no more than margin before its
// deadline.
func deadlineNear(ctx context.Context, margin time.Duration) bool {
	d, ok := ctx.Deadline()
	return ok && time.Until(d) <= margin
}
