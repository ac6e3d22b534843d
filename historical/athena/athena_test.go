package athena_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsathena "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/smithy-go"

	"github.com/streamalert/streamalert/historical"
	"github.com/streamalert/streamalert/historical/athena"
	"github.com/streamalert/streamalert/historical/sqlengine"
	"github.com/streamalert/streamalert/internal/athenatest"
	"github.com/streamalert/streamalert/internal/laketest"
	"github.com/streamalert/streamalert/internal/schematest"
	"github.com/streamalert/streamalert/internal/sqlgrammar"
)

const (
	workgroup = "streamalert"
	results   = "s3://results-bucket/athena/"
)

// newClient is the real SDK client pointed at the server, with the
// standard retryer (throttling is retried) and short backoffs.
func newClient(srv *athenatest.Server) *awsathena.Client {
	return awsathena.New(awsathena.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		HTTPClient:   srv.Client(),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 5
			o.Backoff = retry.NewExponentialJitterBackoff(5 * time.Millisecond)
		}),
	})
}

// lakeServer is a server answering queries with DuckDB over a lake of 25
// records after the Trino grammar check, and the DuckDB engine itself.
func lakeServer(t *testing.T) (*athenatest.Server, *historical.Engine) {
	t.Helper()
	reg := schematest.Registry(t, "../../queries/testdata/logtypes.yaml")
	dir := t.TempDir()
	var payloads []string
	for i := range 25 {
		payloads = append(payloads, fmt.Sprintf(`{"name":"n%02d","count":%d,"when":"2024-06-01T10:%02d:00Z"}`, i, i*10, i))
	}
	laketest.Write(t, dir, laketest.Classify(t, reg, "sqltest:events", payloads))
	duck, err := historical.Open(context.Background(), dir, reg.All(), historical.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { duck.Close() })
	srv := athenatest.NewServer()
	t.Cleanup(srv.Close)
	srv.WorkGroups = map[string]athenatest.WorkGroup{workgroup: {}, "enforced": {OutputLocation: "s3://wg-results/", Enforce: true}}
	srv.Grammar = sqlgrammar.Statement(t, sqlgrammar.Trino)
	srv.Execute = duck.Execute
	return srv, duck
}

// newEngine returns an Athena engine over the server that records its
// polling waits instead of sleeping.
func newEngine(t *testing.T, srv *athenatest.Server, cfg athena.Config) (*athena.Engine, *[]time.Duration) {
	t.Helper()
	if cfg.WorkGroup == "" {
		cfg.WorkGroup = workgroup
	}
	e, err := athena.New(newClient(srv), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	waits := &[]time.Duration{}
	athena.SetSleep(e, func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		*waits = append(*waits, d)
		mu.Unlock()
		return ctx.Err()
	})
	return e, waits
}

const lakeQuery = `SELECT name, count, CAST(count AS DOUBLE) / 4 AS quarter, count > 100 AS big FROM sqltest_events WHERE dt >= '2024-06-01-09' AND dt <= '2024-06-01-10' ORDER BY name`

func TestExecute_ThreePagesPolledWithBackoff(t *testing.T) {
	srv, duck := lakeServer(t)
	srv.QueuedPolls, srv.RunningPolls = 2, 3
	e, waits := newEngine(t, srv, athena.Config{OutputLocation: results, PageSize: 10, PricePerTB: 6.25,
		PollFirst: time.Millisecond, PollMax: 4 * time.Millisecond})
	got, err := e.Execute(context.Background(), lakeQuery)
	if err != nil {
		t.Fatal(err)
	}
	want, err := duck.Execute(context.Background(), lakeQuery)
	if err != nil {
		t.Fatal(err)
	}
	// 25 rows and the header, 10 a page: 3 pages.
	if n := srv.Calls("GetQueryResults"); n != 3 {
		t.Errorf("%d GetQueryResults calls, want 3", n)
	}
	if !reflect.DeepEqual(got.Columns, want.Columns) || len(got.Rows) != 25 {
		t.Fatalf("columns %v rows %d, want %v and 25", got.Columns, len(got.Rows), want.Columns)
	}
	for i := range want.Rows {
		// DuckDB gives int64 for BIGINT, Athena's text reads back as int64.
		if !reflect.DeepEqual(got.Rows[i], want.Rows[i]) {
			t.Errorf("row %d: athena %#v, duckdb %#v", i, got.Rows[i], want.Rows[i])
		}
	}
	// QUEUED twice, RUNNING three times: five waits, doubling to the cap.
	if wantWaits := []time.Duration{1, 2, 4, 4, 4}; len(*waits) != 5 || (*waits)[0] != time.Millisecond || (*waits)[2] != 4*time.Millisecond || (*waits)[4] != 4*time.Millisecond {
		t.Errorf("waits %v, want %v ms", *waits, wantWaits)
	}
	if n := srv.Calls("GetQueryExecution"); n != 6 {
		t.Errorf("%d GetQueryExecution calls, want 6", n)
	}
	if got.Stats.QueryID == "" || got.Stats.BytesScanned != want.Stats.BytesScanned || got.Stats.BytesScanned == 0 {
		t.Errorf("stats %+v, want the id and DuckDB's %d bytes", got.Stats, want.Stats.BytesScanned)
	}
	if c := sqlengine.Cost(got.Stats.BytesScanned, 6.25); got.Stats.CostUSD != c || c != float64(sqlengine.MinBilledBytes)*6.25/1e12 {
		t.Errorf("cost %v, want %v (the 10 MB minimum at $6.25/TB)", got.Stats.CostUSD, c)
	}
}

func TestExecute_FailureReasonVerbatim(t *testing.T) {
	srv, _ := lakeServer(t)
	e, _ := newEngine(t, srv, athena.Config{OutputLocation: results})
	for _, tc := range []struct{ name, sql, reason string }{
		{"grammar", "SELECT * FROM sqltest_events WHERE dt >= '1' AND name ILIKE 'a'", "line 1:"},
		{"engine", "SELECT nope FROM sqltest_events WHERE dt >= '1'", `Referenced column "nope" not found`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Execute(context.Background(), tc.sql)
			var qe *sqlengine.QueryError
			if !errors.As(err, &qe) || qe.State != "FAILED" || !strings.Contains(qe.Reason, tc.reason) || qe.QueryID == "" {
				t.Fatalf("err = %#v, want FAILED with a reason containing %q", err, tc.reason)
			}
			if !strings.Contains(err.Error(), qe.Reason) {
				t.Errorf("error %q does not carry the reason", err)
			}
		})
	}
}

func TestExecute_ThrottlingRetried(t *testing.T) {
	srv, _ := lakeServer(t)
	srv.Throttle = func(action string, n int) bool {
		return (action == "StartQueryExecution" && n < 2) || (action == "GetQueryResults" && n == 0) || (action == "GetQueryExecution" && n == 1)
	}
	e, _ := newEngine(t, srv, athena.Config{OutputLocation: results})
	got, err := e.Execute(context.Background(), lakeQuery)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Rows) != 25 {
		t.Errorf("%d rows, want 25", len(got.Rows))
	}
	// Three attempts to start, one query: the SDK's idempotency token.
	if n, q := srv.Calls("StartQueryExecution"), len(srv.Queries()); n != 3 || q != 1 {
		t.Errorf("%d start calls made %d queries, want 3 and 1", n, q)
	}
}

func TestExecute_CancelAndTimeoutStopTheQuery(t *testing.T) {
	srv, _ := lakeServer(t)
	srv.Hold = true
	t.Run("cancel", func(t *testing.T) {
		e, _ := newEngine(t, srv, athena.Config{OutputLocation: results})
		ctx, cancel := context.WithCancel(context.Background())
		polls := 0
		athena.SetSleep(e, func(context.Context, time.Duration) error {
			if polls++; polls == 3 {
				cancel()
				return context.Canceled
			}
			return nil
		})
		before := srv.Calls("StopQueryExecution")
		_, err := e.Execute(ctx, lakeQuery)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if srv.Calls("StopQueryExecution") != before+1 {
			t.Errorf("StopQueryExecution was not called")
		}
		ids := queryID(err)
		if st := srv.State(ids); st != "CANCELLED" {
			t.Errorf("query %s is %s, want CANCELLED", ids, st)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		e, _ := newEngine(t, srv, athena.Config{OutputLocation: results, Timeout: 50 * time.Millisecond, PollFirst: 10 * time.Millisecond})
		athena.SetSleep(e, func(_ context.Context, d time.Duration) error { time.Sleep(d); return nil })
		_, err := e.Execute(context.Background(), lakeQuery)
		if err == nil || !strings.Contains(err.Error(), "timed out after 50ms") {
			t.Fatalf("err = %v, want a timeout", err)
		}
		if st := srv.State(queryID(err)); st != "CANCELLED" {
			t.Errorf("query is %s, want CANCELLED", st)
		}
	})
}

// queryID finds the execution id in an engine error.
func queryID(err error) string {
	for _, f := range strings.Fields(err.Error()) {
		if strings.HasPrefix(f, "00000000-") {
			return f
		}
	}
	return ""
}

func TestServer_RejectsWhatAthenaRejects(t *testing.T) {
	srv := athenatest.NewServer()
	t.Cleanup(srv.Close)
	srv.WorkGroups = map[string]athenatest.WorkGroup{workgroup: {}}
	client := newClient(srv)
	start := func(in awsathena.StartQueryExecutionInput) error {
		if in.QueryString == nil {
			in.QueryString = aws.String("SELECT 1")
		}
		_, err := client.StartQueryExecution(context.Background(), &in)
		return err
	}
	for _, tc := range []struct {
		name string
		in   awsathena.StartQueryExecutionInput
		want string
	}{
		{"no output location", awsathena.StartQueryExecutionInput{WorkGroup: aws.String(workgroup)}, "No output location provided"},
		{"primary without location", awsathena.StartQueryExecutionInput{}, "No output location provided"},
		{"unknown workgroup", awsathena.StartQueryExecutionInput{WorkGroup: aws.String("nope"), ResultConfiguration: resultsAt(results)}, "WorkGroup nope is not found"},
		{"query over 256 KiB", awsathena.StartQueryExecutionInput{WorkGroup: aws.String(workgroup), ResultConfiguration: resultsAt(results),
			QueryString: aws.String("SELECT '" + strings.Repeat("x", athena.MaxQueryBytes) + "'")}, "length less than or equal to 262144"},
		{"not s3", awsathena.StartQueryExecutionInput{WorkGroup: aws.String(workgroup), ResultConfiguration: resultsAt("/tmp/x")}, "Unable to verify/create output bucket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := start(tc.in)
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidRequestException" || !strings.Contains(ae.ErrorMessage(), tc.want) {
				t.Fatalf("err = %v, want InvalidRequestException %q", err, tc.want)
			}
		})
	}
	if err := start(awsathena.StartQueryExecutionInput{WorkGroup: aws.String(workgroup), ResultConfiguration: resultsAt(results)}); err != nil {
		t.Errorf("a good request: %v", err)
	}
	// The engine refuses an oversized query itself, and a missing workgroup.
	e, err := athena.New(client, athena.Config{WorkGroup: workgroup, OutputLocation: results})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Execute(context.Background(), strings.Repeat(" ", athena.MaxQueryBytes+1)); err == nil || !strings.Contains(err.Error(), "at most 262144") {
		t.Errorf("oversized query: %v", err)
	}
	if _, err := athena.New(client, athena.Config{}); err == nil {
		t.Error("an engine without a workgroup was made")
	}
}

func resultsAt(s string) *types.ResultConfiguration {
	return &types.ResultConfiguration{OutputLocation: aws.String(s)}
}
