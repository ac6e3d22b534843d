package lambdafn

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tidwall/gjson"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/metrics"
	"github.com/streamalert/streamalert/realtime"
	"github.com/streamalert/streamalert/schema"
)

// ClassifierOptions wire a ClassifierFunction.
type ClassifierOptions struct {
	Config *config.Config
	// Firehose receives the records: stream <prefix>_streamalert_<table>.
	Firehose firehose.FirehoseAPI
	// Prefix of the delivery streams; "" means global.yaml's prefix.
	Prefix string
	// Store keeps the alerts (the DynamoDB alerts table on AWS).
	Store alerts.Store
	// S3 reads the objects of S3 event notifications (nil: S3 events fail).
	S3 S3API
	// HTTPToken is the bearer token HTTP requests must carry; "" means the
	// token of the HTTP source in sources.yaml.
	HTTPToken string
	// BatchBytes is about how much of an S3 object is classified at once
	// (default 4 MiB).
	BatchBytes int
	// Margin is the time kept free before the invocation's deadline to
	// deliver what was classified; items not started by then are failed for
	// a retry (default 5s, and at most a quarter of the time the invocation
	// had; the first item is always run, so that a batch always advances).
	Margin time.Duration
	// FirehoseAttempts overrides how many times a record is sent to
	// Firehose (default the client's).
	FirehoseAttempts int
	// Metrics, if set, gets one EMF line per invocation: records in,
	// classified, unclassified, alerts, Firehose failures, duration.
	Metrics *metrics.Writer
	Log     *slog.Logger
}

// ClassifierFunction is the classifier Lambda: Kinesis, SQS, SNS, S3 and
// HTTP events in; records to Firehose, alerts to the alert store. It is
// built once per cold start (config, rules, classifier) and handles one
// invocation at a time.
//
// Failures: a record no log type accepts is not a failure; it goes to the
// unclassified table like any record. An item (Kinesis record, SQS message,
// S3 object, HTTP body) fails only when its records could not be delivered
// to Firehose after the client's retries or its alerts could not be stored;
// Kinesis and SQS events then report it in batchItemFailures, the others
// return an error (or a 503) so the service retries.
//
// Alerts: matches go through an alerts.Processor as in `serve`, renewed
// every few minutes because other instances write the same store; it
// never closes merge groups, which is the alerts function's job.
type ClassifierFunction struct {
	cfg     *config.Config
	reg     *schema.Registry
	sources *sourceIndex
	pipe    *realtime.Pipeline
	fh      *firehose.Client
	lake    *itemLake
	s3      S3API
	token   string
	batch   int
	margin  time.Duration
	log     *slog.Logger
	metrics *metrics.Writer
	// now is the clock of the Duration metric (tests replace it).
	now func() time.Time
	// late reports that the items left must wait for a retry (tests
	// replace it).
	late func(ctx context.Context, margin time.Duration) bool

	mu     sync.Mutex // one invocation at a time; the worker is not shared
	worker *realtime.Worker
	stats  realtime.BatchResult // of the current invocation
	// started and lakeFailed are the current invocation's start and the
	// number of its items failed by the delivery to Firehose.
	started    time.Time
	lakeFailed int
}

// NewClassifierFunction loads the log types and rules of the config and
// wires the pipeline.
func NewClassifierFunction(opts ClassifierOptions) (*ClassifierFunction, error) {
	cfg := opts.Config
	if cfg == nil {
		return nil, errors.New("classifier function: no config")
	}
	if opts.Firehose == nil || opts.Store == nil {
		return nil, errors.New("classifier function: needs a Firehose client and an alert store")
	}
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	resolved, err := config.Resolve(cfg, config.Parts{Rules: true})
	if err != nil {
		return nil, err
	}
	reg, set := resolved.Registry, resolved.Rules
	prefix := opts.Prefix
	if prefix == "" {
		prefix = cfg.Global.Prefix
	}
	srcs, err := realtime.Sources(cfg)
	if err != nil {
		return nil, err
	}
	f := &ClassifierFunction{cfg: cfg, reg: reg, sources: newSourceIndex(srcs), s3: opts.S3, token: opts.HTTPToken,
		batch: opts.BatchBytes, margin: opts.Margin, late: deadlineNear, log: log, metrics: opts.Metrics, now: time.Now}
	if f.batch <= 0 {
		f.batch = 4 << 20
	}
	if f.margin <= 0 {
		f.margin = 5 * time.Second
	}
	f.fh = firehose.NewClient(opts.Firehose, prefix)
	if opts.FirehoseAttempts > 0 {
		f.fh.MaxAttempts = opts.FirehoseAttempts
	}
	f.lake = newItemLake(f.fh, log)
	procCfg := alerts.ProcessorConfig{
		Store: opts.Store, DefaultOutputs: cfg.Global.Alerts.DefaultOutputs,
		StagingPeriod: time.Duration(cfg.Global.Alerts.StagingPeriod), Log: log,
		// Only the alerts function closes merge groups: it sees what every
		// classifier instance stored.
		MergeSettle: neverSettle,
		Sink: func(ctx context.Context, as []*alerts.Alert) error {
			rows := make([][]schema.Value, len(as))
			for i, al := range as {
				rows[i] = realtime.AlertRow(al)
			}
			return f.lake.writeAlerts(rows)
		},
	}
	if _, err := alerts.NewProcessor(procCfg); err != nil {
		return nil, err
	}
	alerter := &renewedAlerter{cfg: procCfg, every: processorLife}
	f.pipe = realtime.New(realtime.Config{Registry: reg, Sources: resolved.SourceTypes, Rules: set, Lake: f.lake, Alerter: alerter, Log: log,
		PayloadLimits: realtime.PayloadLimits(srcs, cfg.Global.MaxPayloadBytes), MaxPayloadBytes: cfg.Global.MaxPayloadBytes})
	f.worker = f.pipe.NewWorker()
	return f, nil
}

// neverSettle keeps the classifier's merge groups open: closing them is
// the alerts function's job.
const neverSettle = 100 * 365 * 24 * time.Hour

// processorLife is how long a classifier instance keeps one alert
// processor. Its state (open merge groups, dedup and threshold counts) is
// read from the store when it is made, and other instances write the same
// store, so it is made afresh now and then; that also bounds its memory.
const processorLife = 5 * time.Minute

// renewedAlerter is an alert processor replaced every so often.
type renewedAlerter struct {
	cfg   alerts.ProcessorConfig
	every time.Duration
	p     *alerts.Processor
	born  time.Time
}

// Process implements Alerter.
func (r *renewedAlerter) Process(ctx context.Context, matches []alerts.Match) (alerts.Result, error) {
	if r.p == nil || time.Since(r.born) > r.every {
		p, err := alerts.NewProcessor(r.cfg)
		if err != nil {
			return alerts.Result{}, err
		}
		r.p, r.born = p, time.Now()
	}
	return r.p.Process(ctx, matches)
}

// Metrics returns the counters of every invocation so far.
func (f *ClassifierFunction) Metrics() *realtime.Metrics { return f.pipe.Metrics() }

// Handle is the function's entry point: it tells the event by its JSON and
// answers as that event's service expects.
func (f *ClassifierFunction) Handle(ctx context.Context, raw json.RawMessage) (any, error) {
	switch kind := DetectEvent(raw); kind {
	case EventKinesis:
		var ev events.KinesisEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("classifier: decode Kinesis event: %w", err)
		}
		return f.HandleKinesis(ctx, ev)
	case EventSQS:
		var ev events.SQSEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("classifier: decode SQS event: %w", err)
		}
		return f.HandleSQS(ctx, ev)
	case EventSNS:
		var ev events.SNSEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("classifier: decode SNS event: %w", err)
		}
		return nil, f.HandleSNS(ctx, ev)
	case EventS3:
		var ev events.S3Event
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("classifier: decode S3 event: %w", err)
		}
		return nil, f.HandleS3(ctx, ev)
	case EventHTTP:
		var req events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &req); err != nil {
			return nil, fmt.Errorf("classifier: decode HTTP request: %w", err)
		}
		return f.HandleHTTP(ctx, req)
	default:
		return nil, fmt.Errorf("classifier: not an event it handles (%s): %s", kindName(kind), eventSnippet(raw))
	}
}

func kindName(k EventKind) string {
	if k == EventUnknown {
		return "unrecognised"
	}
	return string(k)
}

// runItems processes the n items of one invocation and delivers their
// records; it returns each item's error (nil: done).
func (f *ClassifierFunction) runItems(ctx context.Context, n int, do func(ctx context.Context, i int) error) []error {
	f.started = f.now()
	f.lake.reset()
	f.stats = realtime.BatchResult{}
	f.lakeFailed = 0
	errs := make([]error, n)
	margin := f.margin
	if d, ok := ctx.Deadline(); ok {
		margin = min(margin, time.Until(d)/4)
	}
	for i := range n {
		if i > 0 && f.late(ctx, margin) {
			errs[i] = errOutOfTime
			continue
		}
		f.lake.cur = i
		errs[i] = do(ctx, i)
	}
	for i, err := range f.lake.flush(ctx, n) {
		if err != nil && errs[i] == nil {
			errs[i] = err
			f.lakeFailed++
		}
	}
	return errs
}

// process runs one payload of the current item through the pipeline.
func (f *ClassifierFunction) process(ctx context.Context, source string, received time.Time, payload []byte) error {
	if received.IsZero() {
		received = time.Now().UTC()
	}
	res, err := f.worker.Process(ctx, realtime.Batch{Source: source, Received: received, Payload: payload}, nil)
	f.stats.Records += res.Records
	f.stats.Classified += res.Classified
	f.stats.Unclassified += res.Unclassified
	f.stats.Matches += res.Matches
	f.stats.Alerts += res.Alerts
	return err
}

func (f *ClassifierFunction) logDone(kind EventKind, items int, failed int) {
	s := f.stats
	lvl := slog.LevelInfo
	if failed > 0 {
		lvl = slog.LevelWarn
	}
	f.log.Log(context.Background(), lvl, "invocation done", "event", string(kind), "items", items, "failed_items", failed,
		"records", s.Records, "classified", s.Classified, "unclassified", s.Unclassified, "matches", s.Matches, "alerts", s.Alerts)
	if f.metrics == nil {
		return
	}
	err := f.metrics.Write(
		metrics.Metric{Name: metrics.RecordsIn, Unit: metrics.Count, Value: float64(s.Records)},
		metrics.Metric{Name: metrics.Classified, Unit: metrics.Count, Value: float64(s.Classified)},
		metrics.Metric{Name: metrics.Unclassified, Unit: metrics.Count, Value: float64(s.Unclassified)},
		metrics.Metric{Name: metrics.Alerts, Unit: metrics.Count, Value: float64(s.Alerts)},
		metrics.Metric{Name: metrics.FirehoseFailures, Unit: metrics.Count, Value: float64(f.lakeFailed)},
		metrics.Metric{Name: metrics.Duration, Unit: metrics.Milliseconds, Value: millis(f.now().Sub(f.started))},
	)
	if err != nil {
		f.log.Warn("invocation metrics not written", "err", err)
	}
}

// millis is d in (fractional) milliseconds, the unit of Duration.
func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// HandleKinesis classifies the records of a Kinesis event. A KPL
// aggregated record is split into its user records; gzip and zlib data is
// inflated by the classifier. Failed records are reported by sequence
// number for the event source mapping to retry.
func (f *ClassifierFunction) HandleKinesis(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	errs := f.runItems(ctx, len(ev.Records), func(ctx context.Context, i int) error {
		r := &ev.Records[i]
		source := f.sources.name(EventKinesis, r.EventSourceArn)
		users, err := realtime.Deaggregate(r.Kinesis.Data)
		if err != nil {
			// A corrupt aggregate is kept whole; it ends as unclassified.
			f.log.Warn("kinesis record: bad KPL aggregate; classified as it is", "sequence", r.Kinesis.SequenceNumber, "err", err)
			users = [][]byte{r.Kinesis.Data}
		}
		arrived := r.Kinesis.ApproximateArrivalTimestamp.UTC()
		for _, u := range users {
			if err := f.process(ctx, source, arrived, u); err != nil {
				return err
			}
		}
		return nil
	})
	resp := events.KinesisEventResponse{BatchItemFailures: []events.KinesisBatchItemFailure{}}
	for i, err := range errs {
		if err != nil {
			seq := ev.Records[i].Kinesis.SequenceNumber
			f.log.Error("kinesis record failed; reported for retry", "sequence", seq, "err", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: seq})
		}
	}
	f.logDone(EventKinesis, len(errs), len(resp.BatchItemFailures))
	return resp, nil
}

// HandleSQS classifies SQS messages. A message is an S3 event notification
// (its objects are read), an SNS notification (its message is taken as an
// SNS message would be), an S3 test event (ignored) or a payload.
func (f *ClassifierFunction) HandleSQS(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	errs := f.runItems(ctx, len(ev.Records), func(ctx context.Context, i int) error {
		m := &ev.Records[i]
		received := time.Now().UTC()
		if ms, err := strconv.ParseInt(m.Attributes["SentTimestamp"], 10, 64); err == nil {
			received = time.UnixMilli(ms).UTC()
		}
		return f.message(ctx, EventSQS, m.EventSourceARN, m.Body, received)
	})
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for i, err := range errs {
		if err != nil {
			id := ev.Records[i].MessageId
			f.log.Error("sqs message failed; reported for retry", "message", id, "err", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: id})
		}
	}
	f.logDone(EventSQS, len(errs), len(resp.BatchItemFailures))
	return resp, nil
}

// HandleSNS classifies SNS messages: S3 event notifications are followed to
// their objects, any other message is a payload. An error makes Lambda
// retry the (asynchronous) invocation.
func (f *ClassifierFunction) HandleSNS(ctx context.Context, ev events.SNSEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	errs := f.runItems(ctx, len(ev.Records), func(ctx context.Context, i int) error {
		m := &ev.Records[i].SNS
		return f.message(ctx, EventSNS, m.TopicArn, m.Message, m.Timestamp.UTC())
	})
	return f.joinFailures(EventSNS, errs)
}

// HandleS3 classifies the objects of an S3 event notification.
func (f *ClassifierFunction) HandleS3(ctx context.Context, ev events.S3Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	errs := f.runItems(ctx, len(ev.Records), func(ctx context.Context, i int) error {
		return f.objects(ctx, "", ev.Records[i:i+1])
	})
	return f.joinFailures(EventS3, errs)
}

func (f *ClassifierFunction) joinFailures(kind EventKind, errs []error) error {
	var failed []error
	for _, err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	f.logDone(kind, len(errs), len(failed))
	if len(failed) > 0 {
		return fmt.Errorf("classifier: %d of %d %s items failed: %w", len(failed), len(errs), kind, errors.Join(failed...))
	}
	return nil
}

// message handles the body of an SQS or SNS message from resource (the
// queue or topic ARN).
func (f *ClassifierFunction) message(ctx context.Context, kind EventKind, resource, body string, received time.Time) error {
	source := f.sources.name(kind, resource)
	b := []byte(body)
	r := gjson.ParseBytes(b)
	switch {
	case !gjson.ValidBytes(b) || !r.IsObject():
	case r.Get("Records.0.eventSource").String() == "aws:s3":
		var ev events.S3Event
		if err := json.Unmarshal(b, &ev); err != nil {
			break // not quite a notification after all: a payload
		}
		return f.objects(ctx, f.sources.lookup(kind, resource), ev.Records)
	case r.Get("Event").String() == "s3:TestEvent":
		f.log.Info("S3 test event ignored", "bucket", r.Get("Bucket").String())
		return nil
	case kind == EventSQS && r.Get("Type").String() == "Notification" && r.Get("TopicArn").Exists() && r.Get("Message").Exists():
		// SNS to SQS without raw message delivery.
		topic := r.Get("TopicArn").String()
		if t, err := time.Parse(time.RFC3339, r.Get("Timestamp").String()); err == nil {
			received = t.UTC()
		}
		inner := EventSNS
		if f.sources.lookup(EventSNS, topic) == "" && f.sources.lookup(kind, resource) != "" {
			inner, topic = kind, resource // the queue's source applies
		}
		return f.message(ctx, inner, topic, r.Get("Message").String(), received)
	}
	return f.process(ctx, source, received, b)
}

// HandleHTTP takes a body posted to an API Gateway HTTP API or a Lambda
// function URL, as `serve` does POST /v1/ingest/{source}: bearer token
// checked in constant time, gzip allowed, 202 once the records are in
// Firehose and the alerts stored.
func (f *ClassifierFunction) HandleHTTP(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	method := req.RequestContext.HTTP.Method
	path := req.RawPath
	if method == http.MethodGet && strings.HasSuffix(path, "/healthz") {
		return httpJSON(http.StatusOK, map[string]any{"status": "ok"}), nil
	}
	if method != http.MethodPost {
		return httpJSON(http.StatusMethodNotAllowed, map[string]any{"error": "POST a body to /v1/ingest/{source}"}), nil
	}
	name := ""
	if i := strings.Index(path, "/v1/ingest/"); i >= 0 {
		name = strings.Trim(path[i+len("/v1/ingest/"):], "/")
	}
	src, ok := f.sources.httpSource(name)
	switch {
	case !ok && name != "":
		return httpJSON(http.StatusNotFound, map[string]any{"error": fmt.Sprintf("no HTTP source named %q", name)}), nil
	case !ok:
		src = &realtime.HTTPSource{Source: config.Source{Name: "http"}}
	}
	token := f.token
	if token == "" {
		token = src.Token
	}
	if !realtime.BearerValid(header(req.Headers, "authorization"), token) {
		resp := httpJSON(http.StatusUnauthorized, map[string]any{"error": "missing or wrong bearer token"})
		resp.Headers["WWW-Authenticate"] = `Bearer realm="streamalert"`
		return resp, nil
	}
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(req.Body); err != nil {
			return httpJSON(http.StatusBadRequest, map[string]any{"error": "body is not valid base64: " + err.Error()}), nil
		}
	}
	switch enc := strings.ToLower(header(req.Headers, "content-encoding")); enc {
	case "", "identity", "gzip": // the classifier inflates gzip
	default:
		return httpJSON(http.StatusUnsupportedMediaType, map[string]any{"error": fmt.Sprintf("Content-Encoding %q (want gzip or none)", enc)}), nil
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return httpJSON(http.StatusBadRequest, map[string]any{"error": "empty body"}), nil
	}
	received := time.Now().UTC()
	if ms := req.RequestContext.TimeEpoch; ms > 0 {
		received = time.UnixMilli(ms).UTC()
	}
	errs := f.runItems(ctx, 1, func(ctx context.Context, _ int) error {
		return f.process(ctx, src.Name, received, body)
	})
	f.logDone(EventHTTP, 1, countErrs(errs))
	if errs[0] != nil {
		f.log.Error("http ingest failed", "source", src.Name, "err", errs[0])
		resp := httpJSON(http.StatusServiceUnavailable, map[string]any{"error": "not stored: " + errs[0].Error()})
		resp.Headers["Retry-After"] = "5"
		return resp, nil
	}
	s := f.stats
	return httpJSON(http.StatusAccepted, map[string]any{"accepted": s.Records, "classified": s.Classified,
		"unclassified": s.Unclassified, "alerts": s.Alerts, "bytes": len(body)}), nil
}

func countErrs(errs []error) int {
	n := 0
	for _, err := range errs {
		if err != nil {
			n++
		}
	}
	return n
}

// header returns a request header by name, whatever its case (API Gateway
// lower-cases them; function URLs too, but tests and proxies may not).
func header(h map[string]string, name string) string {
	if v, ok := h[name]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func httpJSON(status int, body map[string]any) events.APIGatewayV2HTTPResponse {
	b, _ := json.Marshal(body)
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Body: string(b),
		Headers: map[string]string{"Content-Type": "application/json"}}
}
