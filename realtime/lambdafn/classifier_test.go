package lambdafn

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsfirehose "github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/firehose/firehosetest"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/internal/lambdatest"
	"github.com/streamalert/streamalert/internal/schematest"
	"github.com/streamalert/streamalert/schema"
)

var quietLog = slog.New(slog.DiscardHandler)

// lambdaTestConfig loads the fixtures' config.
func lambdaTestConfig(t testing.TB) *config.Config {
	t.Helper()
	cfg, ps := config.Load(lambdatest.ConfigFS(), "lambdatest")
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	return cfg
}

// classifierEnv is a classifier function over local stand-ins.
type classifierEnv struct {
	fn    *ClassifierFunction
	fh    *firehosetest.Server
	store *alerts.DynamoStore
}

var tableSeq int

// newClassifierEnv wires a classifier function to a fresh firehosetest
// server, a fresh alert table in the dynalite at ddb (table "" makes one;
// any other name is used as it is, existing or not) and the S3 client.
func newClassifierEnv(t *testing.T, ddb, table string, s3c S3API, opts ClassifierOptions) *classifierEnv {
	t.Helper()
	fh := lambdatest.Firehose(t)
	var store *alerts.DynamoStore
	if table == "" {
		tableSeq++
		store = lambdatest.AlertTable(t, ddb, fmt.Sprintf("alerts_%d", tableSeq))
	} else {
		store = alerts.NewDynamoStore(lambdatest.DynamoClient(ddb), table)
	}
	opts.Config = lambdaTestConfig(t)
	opts.Firehose = firehoseAPI(fh.URL)
	opts.Store = store
	opts.S3 = s3c
	if opts.FirehoseAttempts == 0 {
		opts.FirehoseAttempts = 2
	}
	opts.Log = quietLog
	fn, err := NewClassifierFunction(opts)
	if err != nil {
		t.Fatal(err)
	}
	return &classifierEnv{fn: fn, fh: fh, store: store}
}

func firehoseAPI(url string) *awsfirehose.Client {
	return awsfirehose.NewFromConfig(lambdatest.AWSConfig(), func(o *awsfirehose.Options) { o.BaseEndpoint = aws.String(url) })
}

// sources counts the sa_source of the records a stream got.
func sources(t *testing.T, fh *firehosetest.Server, table string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, rec := range fh.Records(lambdatest.StreamOf(table)) {
		var row map[string]any
		if err := json.Unmarshal(rec, &row); err != nil {
			t.Fatalf("%s row %s: %v", table, rec, err)
		}
		out[fmt.Sprint(row[schema.ColSource])]++
	}
	return out
}

// statuses counts the stored alerts by rule and status.
func statuses(t *testing.T, store alerts.Store) map[string]int {
	t.Helper()
	as, err := store.List(context.Background(), alerts.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, a := range as {
		out[a.Rule+"/"+string(a.Status)]++
	}
	return out
}

func TestDetectEvent_Fixtures(t *testing.T) {
	tests := []struct {
		fixture string
		want    EventKind
	}{
		{"kinesis", EventKinesis},
		{"sqs", EventSQS},
		{"sqs_partial", EventSQS},
		{"sns", EventSNS},
		{"sns_s3", EventSNS},
		{"s3", EventS3},
		{"http", EventHTTP},
		{"http_url_gzip", EventHTTP},
		{"dynamodb_stream", EventDynamoDB},
		{"schedule", EventSchedule},
	}
	for _, tt := range tests {
		if got := DetectEvent(lambdatest.Event(t, tt.fixture)); got != tt.want {
			t.Errorf("%s: DetectEvent = %q, want %q", tt.fixture, got, tt.want)
		}
	}
	for _, raw := range []string{`{}`, `[]`, `{"Records":[]}`, `{"Records":[{"eventSource":"aws:kafka"}]}`, `not json`} {
		if got := DetectEvent([]byte(raw)); got != EventUnknown {
			t.Errorf("DetectEvent(%s) = %q, want unknown", raw, got)
		}
	}
}

// TestClassifierFunction_Events runs every event fixture through the
// classifier function: records reach their Firehose streams under the
// right source, poison records the unclassified stream, alerts the store,
// and nothing fails.
func TestClassifierFunction_Events(t *testing.T) {
	ddb := lambdatest.StartDynalite(t)
	s3c := lambdatest.FakeS3(t, lambdatest.S3Objects(t)).Client
	const stopped, keys = "lambdatest_trail_stopped", "lambdatest_access_key_created"
	tests := []struct {
		fixture  string
		want     string         // the answer's JSON ("" for none)
		tables   map[string]int // records per table
		sources  map[string]int // sa_source of cloudtrail_events records
		statuses map[string]int
	}{
		{fixture: "kinesis", want: `{"batchItemFailures":[]}`,
			tables:   map[string]int{"cloudtrail_events": 6, "unclassified": 1, "alerts": 3},
			sources:  map[string]int{"cloudtrail-stream": 6},
			statuses: map[string]int{stopped + "/pending": 1, keys + "/merging": 2}},
		{fixture: "sqs", want: `{"batchItemFailures":[]}`,
			tables:   map[string]int{"cloudtrail_events": 5, "unclassified": 1, "alerts": 2},
			sources:  map[string]int{"cloudtrail-bucket": 2, "app-queue": 3},
			statuses: map[string]int{stopped + "/pending": 2}},
		{fixture: "sns",
			tables:   map[string]int{"cloudtrail_events": 1, "alerts": 1},
			sources:  map[string]int{"events-topic": 1},
			statuses: map[string]int{stopped + "/pending": 1}},
		{fixture: "sns_s3",
			tables:   map[string]int{"cloudtrail_events": 2, "alerts": 1},
			sources:  map[string]int{"cloudtrail-bucket": 2},
			statuses: map[string]int{stopped + "/pending": 1}},
		{fixture: "s3",
			tables:   map[string]int{"cloudtrail_events": 2, "alerts": 1},
			sources:  map[string]int{"cloudtrail-bucket": 2},
			statuses: map[string]int{stopped + "/pending": 1}},
		{fixture: "http", want: `{"accepted":2,"alerts":1,"bytes":`,
			tables:   map[string]int{"cloudtrail_events": 2, "alerts": 1},
			sources:  map[string]int{"http": 2},
			statuses: map[string]int{stopped + "/pending": 1}},
		{fixture: "http_url_gzip", want: `{"accepted":1,"alerts":1,"bytes":`,
			tables:   map[string]int{"cloudtrail_events": 1, "alerts": 1},
			sources:  map[string]int{"http": 1},
			statuses: map[string]int{keys + "/merging": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			env := newClassifierEnv(t, ddb, "", s3c, ClassifierOptions{})
			raw := lambdatest.Event(t, tt.fixture)
			out, err := env.fn.Handle(context.Background(), raw)
			if err != nil {
				t.Fatalf("Handle: %v", err)
			}
			got := ""
			if out != nil {
				b, _ := json.Marshal(out)
				got = string(b)
				if resp, ok := out.(events.APIGatewayV2HTTPResponse); ok {
					if resp.StatusCode != http.StatusAccepted {
						t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
					}
					got = resp.Body
				}
			}
			if !strings.HasPrefix(got, tt.want) || (tt.want == "") != (got == "") {
				t.Errorf("answer %s, want %s…", got, tt.want)
			}
			if got := lambdatest.Records(env.fh); !maps.Equal(got, tt.tables) {
				t.Errorf("records per table %v, want %v", got, tt.tables)
			}
			if got := sources(t, env.fh, "cloudtrail_events"); !maps.Equal(got, tt.sources) {
				t.Errorf("sources %v, want %v", got, tt.sources)
			}
			if got := statuses(t, env.store); !maps.Equal(got, tt.statuses) {
				t.Errorf("alerts %v, want %v", got, tt.statuses)
			}
			// A retry of the same event (at least once) makes no new alert.
			if _, err := env.fn.Handle(context.Background(), raw); err != nil {
				t.Fatalf("Handle again: %v", err)
			}
			if got := statuses(t, env.store); !maps.Equal(got, tt.statuses) {
				t.Errorf("alerts after a retry %v, want %v", got, tt.statuses)
			}
		})
	}
}

func kinesisSeq(t *testing.T, ev []byte, i int) string {
	t.Helper()
	var k events.KinesisEvent
	if err := json.Unmarshal(ev, &k); err != nil {
		t.Fatal(err)
	}
	return k.Records[i].Kinesis.SequenceNumber
}

func failedItems[T events.KinesisBatchItemFailure | events.SQSBatchItemFailure](fs []T) []string {
	out := []string{}
	for _, f := range fs {
		switch f := any(f).(type) {
		case events.KinesisBatchItemFailure:
			out = append(out, f.ItemIdentifier)
		case events.SQSBatchItemFailure:
			out = append(out, f.ItemIdentifier)
		}
	}
	slices.Sort(out)
	return out
}

// TestClassifierFunction_PartialFailures checks that only the items whose
// records could not be delivered, or whose alerts could not be stored,
// are reported for a retry — never a poison record.
func TestClassifierFunction_PartialFailures(t *testing.T) {
	ddb := lambdatest.StartDynalite(t)
	s3c := lambdatest.FakeS3(t, lambdatest.S3Objects(t)).Client
	kin := lambdatest.Event(t, "kinesis")
	var ev events.KinesisEvent
	if err := json.Unmarshal(kin, &ev); err != nil {
		t.Fatal(err)
	}

	t.Run("firehose rejects one item's records", func(t *testing.T) {
		env := newClassifierEnv(t, ddb, "", s3c, ClassifierOptions{})
		env.fh.Fail = func(stream string, call, index int, data []byte) (string, string) {
			if strings.Contains(string(data), `user/carol`) {
				return "ServiceUnavailableException", "Slow down."
			}
			return "", ""
		}
		resp, err := env.fn.HandleKinesis(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := failedItems(resp.BatchItemFailures), []string{kinesisSeq(t, kin, 2)}; !slices.Equal(got, want) {
			t.Errorf("failed %v, want %v (the record with carol's events)", got, want)
		}
		if got := lambdatest.Records(env.fh)["cloudtrail_events"]; got != 4 {
			t.Errorf("delivered %d CloudTrail records, want 4", got)
		}
	})

	t.Run("the alert table is unavailable", func(t *testing.T) {
		env := newClassifierEnv(t, ddb, "no_such_table", s3c, ClassifierOptions{})
		resp, err := env.fn.HandleKinesis(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		// Items 0 and 1 match rules; the others, the poison one included, are done.
		if got, want := failedItems(resp.BatchItemFailures), []string{kinesisSeq(t, kin, 0), kinesisSeq(t, kin, 1)}; !slices.Equal(got, want) {
			t.Errorf("failed %v, want %v", got, want)
		}
		if got := lambdatest.Records(env.fh)["unclassified"]; got != 1 {
			t.Errorf("unclassified %d, want the poison record", got)
		}
	})

	t.Run("no time left after the first item", func(t *testing.T) {
		env := newClassifierEnv(t, ddb, "", s3c, ClassifierOptions{})
		env.fn.late = func(context.Context, time.Duration) bool { return true }
		resp, err := env.fn.HandleKinesis(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for i := 1; i < len(ev.Records); i++ {
			want = append(want, kinesisSeq(t, kin, i))
		}
		slices.Sort(want)
		if got := failedItems(resp.BatchItemFailures); !slices.Equal(got, want) {
			t.Errorf("failed %v, want all but the first item, left for a retry", got)
		}
		if got := lambdatest.Records(env.fh)["cloudtrail_events"]; got != 1 {
			t.Errorf("delivered %d, want the first item's record", got)
		}
	})

	t.Run("a short timeout keeps a smaller margin", func(t *testing.T) {
		env := newClassifierEnv(t, ddb, "", s3c, ClassifierOptions{Margin: time.Hour})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		resp, err := env.fn.HandleKinesis(ctx, ev)
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Errorf("failed %v (%v), want none: a quarter of a minute is margin enough", resp.BatchItemFailures, err)
		}
	})

	t.Run("sqs message naming a missing bucket", func(t *testing.T) {
		env := newClassifierEnv(t, ddb, "", s3c, ClassifierOptions{})
		var sev events.SQSEvent
		if err := json.Unmarshal(lambdatest.Event(t, "sqs_partial"), &sev); err != nil {
			t.Fatal(err)
		}
		resp, err := env.fn.HandleSQS(context.Background(), sev)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := failedItems(resp.BatchItemFailures), []string{sev.Records[0].MessageId}; !slices.Equal(got, want) {
			t.Errorf("failed %v, want %v", got, want)
		}
		if got := lambdatest.Records(env.fh)["cloudtrail_events"]; got != 1 {
			t.Errorf("delivered %d, want the other message's record", got)
		}
	})

	t.Run("direct s3 event fails as a whole", func(t *testing.T) {
		env := newClassifierEnv(t, ddb, "no_such_table", s3c, ClassifierOptions{})
		err := env.fn.HandleS3(context.Background(), mustS3Event(t))
		if err == nil || !strings.Contains(err.Error(), "1 of 2 s3 items failed") {
			t.Errorf("HandleS3 error %v, want one failed item", err)
		}
	})
}

func mustS3Event(t *testing.T) events.S3Event {
	var ev events.S3Event
	if err := json.Unmarshal(lambdatest.Event(t, "s3"), &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// TestClassifierFunction_HTTP checks the HTTP answers: token, method,
// source, encodings.
func TestClassifierFunction_HTTP(t *testing.T) {
	ddb := lambdatest.StartDynalite(t)
	env := newClassifierEnv(t, ddb, "", nil, ClassifierOptions{})
	override := newClassifierEnv(t, ddb, "", nil, ClassifierOptions{HTTPToken: "another-token"})
	base := func(t *testing.T) events.APIGatewayV2HTTPRequest {
		var req events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(lambdatest.Event(t, "http"), &req); err != nil {
			t.Fatal(err)
		}
		return req
	}
	tests := []struct {
		name   string
		fn     *ClassifierFunction
		change func(r *events.APIGatewayV2HTTPRequest)
		status int
		body   string
	}{
		{"accepted", env.fn, func(r *events.APIGatewayV2HTTPRequest) {}, 202, `"accepted":2`},
		{"header case does not matter", env.fn, func(r *events.APIGatewayV2HTTPRequest) {
			r.Headers["Authorization"] = r.Headers["authorization"]
			delete(r.Headers, "authorization")
		}, 202, `"accepted":2`},
		{"wrong token", env.fn, func(r *events.APIGatewayV2HTTPRequest) { r.Headers["authorization"] = "Bearer nope" }, 401, "bearer token"},
		{"no token", env.fn, func(r *events.APIGatewayV2HTTPRequest) { delete(r.Headers, "authorization") }, 401, "bearer token"},
		{"token from the environment replaces the config's", override.fn, func(r *events.APIGatewayV2HTTPRequest) {}, 401, "bearer token"},
		{"token from the environment", override.fn, func(r *events.APIGatewayV2HTTPRequest) {
			r.Headers["authorization"] = "Bearer another-token"
		}, 202, `"accepted":2`},
		{"unknown source", env.fn, func(r *events.APIGatewayV2HTTPRequest) { r.RawPath = "/v1/ingest/nope" }, 404, `no HTTP source named \"nope\"`},
		{"root path takes the http source", env.fn, func(r *events.APIGatewayV2HTTPRequest) { r.RawPath = "/" }, 202, `"accepted":2`},
		{"GET", env.fn, func(r *events.APIGatewayV2HTTPRequest) { r.RequestContext.HTTP.Method = "GET" }, 405, "POST"},
		{"health", env.fn, func(r *events.APIGatewayV2HTTPRequest) {
			r.RequestContext.HTTP.Method, r.RawPath = "GET", "/healthz"
		}, 200, `"ok"`},
		{"empty body", env.fn, func(r *events.APIGatewayV2HTTPRequest) { r.Body = " \n" }, 400, "empty body"},
		{"bad base64", env.fn, func(r *events.APIGatewayV2HTTPRequest) { r.IsBase64Encoded = true; r.Body = "!!" }, 400, "base64"},
		{"unknown encoding", env.fn, func(r *events.APIGatewayV2HTTPRequest) { r.Headers["content-encoding"] = "br" }, 415, "br"},
		{"bad gzip is kept as unclassified, not refused", env.fn, func(r *events.APIGatewayV2HTTPRequest) {
			r.Headers["content-encoding"] = "gzip"
			r.Body = "\x1f\x8b not really"
		}, 202, `"unclassified":1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := base(t)
			tt.change(&req)
			resp, err := tt.fn.HandleHTTP(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || !strings.Contains(resp.Body, tt.body) {
				t.Errorf("answer %d %s, want %d with %s", resp.StatusCode, resp.Body, tt.status, tt.body)
			}
			if resp.Headers["Content-Type"] != "application/json" {
				t.Errorf("Content-Type %q", resp.Headers["Content-Type"])
			}
		})
	}
	t.Run("firehose down answers 503", func(t *testing.T) {
		down := newClassifierEnv(t, ddb, "", nil, ClassifierOptions{})
		down.fh.CallError = func(int) (int, string, string) { return 500, "ServiceUnavailableException", "down" }
		resp, err := down.fn.HandleHTTP(context.Background(), base(t))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 503 || resp.Headers["Retry-After"] == "" {
			t.Errorf("answer %d %v %s, want 503 with Retry-After", resp.StatusCode, resp.Headers, resp.Body)
		}
	})
}

func TestClassifierFunction_RefusesOtherEvents(t *testing.T) {
	ddb := lambdatest.StartDynalite(t)
	env := newClassifierEnv(t, ddb, "", nil, ClassifierOptions{})
	for _, raw := range [][]byte{lambdatest.Event(t, "schedule"), lambdatest.Event(t, "dynamodb_stream"), []byte(`{"hello":1}`)} {
		if _, err := env.fn.Handle(context.Background(), raw); err == nil || !strings.Contains(err.Error(), "not an event it handles") {
			t.Errorf("Handle(%.40s…) error %v", raw, err)
		}
	}
	// S3 events need an S3 client.
	if err := env.fn.HandleS3(context.Background(), mustS3Event(t)); err == nil || !strings.Contains(err.Error(), "no S3 client") {
		t.Errorf("HandleS3 without a client: %v", err)
	}
}

// TestItemLake_OversizeUnclassifiedIsCutIntoParts: a record too large for
// Firehose is kept whole, in parts, rather than failing its item forever.
func TestItemLake_OversizeUnclassifiedIsCutIntoParts(t *testing.T) {
	fh := lambdatest.Firehose(t)
	lake := newItemLake(firehose.NewClient(firehoseAPI(fh.URL), lambdatest.Prefix), quietLog)
	raw := []byte(strings.Repeat("é and some text, ", 80_000)) // 1.4 MB
	u := &schema.Unclassified{ID: "big", Source: "s", Raw: raw, Reason: "no log type", IngestTime: time.Unix(1, 0)}
	if err := lake.WriteUnclassified(u); err != nil {
		t.Fatal(err)
	}
	if errs := lake.flush(context.Background(), 1); errs[0] != nil {
		t.Fatal(errs[0])
	}
	rows := fh.Records(lambdatest.StreamOf("unclassified"))
	if len(rows) < 2 {
		t.Fatalf("%d rows, want the record in parts", len(rows))
	}
	var joined strings.Builder
	for i, r := range rows {
		if len(r) > firehose.MaxRecordBytes {
			t.Errorf("part %d is %d bytes", i, len(r))
		}
		var row struct{ Raw, Reason, Sa_record_id string }
		if err := json.Unmarshal(r, &row); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("part %d of %d", i+1, len(rows)); !strings.Contains(row.Reason, want) || row.Sa_record_id != fmt.Sprintf("big.%d", i+1) {
			t.Errorf("part %d: reason %q id %q", i, row.Reason, row.Sa_record_id)
		}
		joined.WriteString(row.Raw)
	}
	if joined.String() != string(raw) {
		t.Errorf("parts joined are %d bytes, not the %d of the record", joined.Len(), len(raw))
	}
}

func TestCutRaw(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want []string
	}{
		{"abcdef", 4, []string{"abcd", "ef"}},
		{"abc", 4, []string{"abc"}},
		{"abcd", 4, []string{"abcd"}},
		{"abcé", 4, []string{"abc", "é"}},                                     // é is 2 bytes: not split
		{"a€bc", 2, []string{"a", "\xe2\x82", "\xacb", "c"}},                  // a rune longer than n is cut
		{"\xff\xff\xff\xff\xff", 2, []string{"\xff\xff", "\xff\xff", "\xff"}}, // not UTF-8: cut at n
	}
	for _, tt := range tests {
		var got []string
		for _, p := range cutRaw([]byte(tt.in), tt.n) {
			got = append(got, string(p))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("cutRaw(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestArnName(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:kinesis:us-east-1:111122223333:stream/satest-cloudtrail": "satest-cloudtrail",
		"arn:aws:sqs:us-east-1:111122223333:queue-1":                      "queue-1",
		"arn:aws:sns:us-east-1:111122223333:topic-1":                      "topic-1",
		"https://sqs.us-east-1.amazonaws.com/111122223333/queue-1":        "queue-1",
		"plain-name": "plain-name",
	} {
		if got := arnName(in); got != want {
			t.Errorf("arnName(%q) = %q, want %q", in, got, want)
		}
	}
}

// s3Getter is an S3API over a map, for tests that need no server.
type s3Getter map[string][]byte

func (m s3Getter) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	b, ok := m[aws.ToString(in.Bucket)+"/"+aws.ToString(in.Key)]
	if !ok {
		return nil, fmt.Errorf("no object %s/%s", aws.ToString(in.Bucket), aws.ToString(in.Key))
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(strings.NewReader(string(b)))}, nil
}

// acceptAll is a Firehose that takes every record, for benchmarks.
type acceptAll struct{}

func (acceptAll) PutRecordBatch(_ context.Context, in *awsfirehose.PutRecordBatchInput, _ ...func(*awsfirehose.Options)) (*awsfirehose.PutRecordBatchOutput, error) {
	out := &awsfirehose.PutRecordBatchOutput{FailedPutCount: aws.Int32(0), RequestResponses: make([]fhtypes.PutRecordBatchResponseEntry, len(in.Records))}
	return out, nil
}

// BenchmarkClassifierFunction_Kinesis: records per second through the
// classifier function's Kinesis handler (classify, rules, alert store in
// memory, Firehose batching without the network), 500 records an event.
func BenchmarkClassifierFunction_Kinesis(b *testing.B) {
	fn, err := NewClassifierFunction(ClassifierOptions{Config: lambdaTestConfig(b), Firehose: acceptAll{},
		Store: alerts.NewMemoryStore(), Log: quietLog})
	if err != nil {
		b.Fatal(err)
	}
	var ev events.KinesisEvent
	for i := range 500 {
		name := "ListBuckets"
		if i%100 == 0 {
			name = "StopLogging"
		}
		ev.Records = append(ev.Records, events.KinesisEventRecord{EventSource: "aws:kinesis", EventSourceArn: lambdatest.StreamARN,
			Kinesis: events.KinesisRecord{Data: []byte(schematest.CloudTrailRecord(i, name)), SequenceNumber: fmt.Sprint(i)}})
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		resp, err := fn.HandleKinesis(ctx, ev)
		if err != nil || len(resp.BatchItemFailures) > 0 {
			b.Fatal(err, resp)
		}
	}
	b.ReportMetric(float64(b.N*len(ev.Records))/b.Elapsed().Seconds(), "records/s")
}
