// Package lambda_test checks the Lambda binaries as AWS runs them: built
// and zipped by `streamalert lambda package`, started by the Lambda
// Runtime Interface Emulator, talking to local stand-ins of S3, Firehose
// and DynamoDB through the SDK's endpoint variables.
package lambda_test

import (
	"archive/zip"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/internal/lambdapack"
	"github.com/streamalert/streamalert/internal/lambdatest"
	"github.com/streamalert/streamalert/metrics"
	"github.com/streamalert/streamalert/realtime/lambdafn"
)

// moduleRoot is the checkout the binaries are built from.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod at %s: %v", root, err)
	}
	return root
}

// TestLambdaBinaries_LinkNoDuckDB: the Lambda functions link neither
// DuckDB nor anything else that needs cgo, on either architecture.
func TestLambdaBinaries_LinkNoDuckDB(t *testing.T) {
	goCmd := lambdatest.GoCommand(t)
	for _, env := range [][]string{
		{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64"},
		{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64"},
		{"CGO_ENABLED=1"}, // even where cgo is on, nothing pulls DuckDB in
	} {
		cmd := exec.Command(goCmd, "list", "-deps", "-tags", "lambda.norpc", "./cmd/lambda/...")
		cmd.Dir = moduleRoot(t)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list %v: %v", env, err)
		}
		deps := strings.Fields(string(out))
		for _, want := range []string{"github.com/streamalert/streamalert/cmd/lambda/classifier", "github.com/streamalert/streamalert/cmd/lambda/alerts", "github.com/streamalert/streamalert/cmd/lambda/hunts", "github.com/streamalert/streamalert/realtime/lambdafn"} {
			if !slices.Contains(deps, want) {
				t.Fatalf("go list %v does not list %s: is the pattern right?", env, want)
			}
		}
		for _, d := range deps {
			if strings.Contains(d, "duckdb") || strings.Contains(d, "apache/arrow") || (env[0] == "CGO_ENABLED=0" && d == "runtime/cgo") {
				t.Errorf("%v: the Lambda functions depend on %s", env, d)
			}
		}
	}
}

// TestClassifierLambda_LinksNoSQL: the classifier function links no SQL
// compiler (queries), no engine (historical) and no DuckDB. Config
// validation that needs them (hunts) lives in a package it does not import.
func TestClassifierLambda_LinksNoSQL(t *testing.T) {
	cmd := exec.Command(lambdatest.GoCommand(t), "list", "-deps", "-tags", "lambda.norpc", "./cmd/lambda/classifier")
	cmd.Dir = moduleRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/streamalert/streamalert/internal/config") {
		t.Fatalf("go list does not list internal/config: is the pattern right?\n%s", out)
	}
	const mod = "github.com/streamalert/streamalert/"
	for _, d := range deps {
		for _, banned := range []string{mod + "queries", mod + "historical", mod + "internal/config/hunts"} {
			if d == banned || strings.HasPrefix(d, banned+"/") {
				t.Errorf("the classifier function depends on %s", d)
			}
		}
		if strings.Contains(d, "duckdb") {
			t.Errorf("the classifier function depends on %s", d)
		}
	}
}

// TestLambdaEvents_OnlyInTheLambdaPackage: no library package but
// realtime/lambdafn sees aws-lambda-go's event types; the mains only hand
// events to it.
func TestLambdaEvents_OnlyInTheLambdaPackage(t *testing.T) {
	cmd := exec.Command(lambdatest.GoCommand(t), "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...")
	cmd.Dir = moduleRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/streamalert/streamalert/"
	seen := false
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if !slices.Contains(fields[1:], "github.com/aws/aws-lambda-go/events") {
			continue
		}
		seen = true
		if pkg := fields[0]; pkg != mod+"realtime/lambdafn" && !strings.HasPrefix(pkg, mod+"cmd/lambda/") {
			t.Errorf("%s imports aws-lambda-go/events", pkg)
		}
	}
	if !seen {
		t.Fatal("no package imports aws-lambda-go/events: is the pattern right?")
	}
}

// packageFunctions builds every function for this machine's architecture
// with the packaging code and unzips their bootstrap executables.
func packageFunctions(t *testing.T) map[string]string {
	t.Helper()
	out := t.TempDir()
	zips, err := lambdapack.Package(context.Background(), lambdapack.Options{
		Out: out, Archs: []string{runtime.GOARCH}, Src: moduleRoot(t), Go: lambdatest.GoCommand(t)})
	if err != nil {
		t.Fatal(err)
	}
	bins := map[string]string{}
	for _, fn := range lambdapack.Functions {
		path := filepath.Join(out, lambdapack.ZipName(fn, runtime.GOARCH))
		if !slices.Contains(zips, path) {
			t.Fatalf("zips %v, want %s", zips, path)
		}
		zr, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" || zr.File[0].Mode()&0o111 == 0 || !zr.File[0].Mode().IsRegular() {
			t.Fatalf("%s holds %v, want one executable file named bootstrap", path, zr.File)
		}
		rc, err := zr.File[0].Open()
		if err != nil {
			t.Fatal(err)
		}
		bin := filepath.Join(out, fn, "bootstrap")
		os.MkdirAll(filepath.Dir(bin), 0o755)
		f, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, zr.File[0].Mode().Perm())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(f, rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
		f.Close()
		bins[fn] = bin
	}
	return bins
}

// webhook is an endpoint that records the alert ids it gets and checks
// their signatures.
type webhook struct {
	*httptest.Server
	mu  sync.Mutex
	ids []string
	bad int
}

func newWebhook(t *testing.T, key string) *webhook {
	w := &webhook{}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.mu.Lock()
		defer w.mu.Unlock()
		if !alerts.VerifySignature([]byte(key), body, r.Header.Get(alerts.SignatureHeader)) {
			w.bad++
		}
		w.ids = append(w.ids, r.Header.Get("X-Streamalert-Alert-Id"))
	}))
	t.Cleanup(w.Close)
	return w
}

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

// TestEmulator_ClassifierThenAlerts runs the packaged classifier under the
// emulator with Kinesis, SQS (S3 objects in gofakes3 among the messages),
// SNS and HTTP events and checks its answers, partial failures included;
// records reach the local Firehose and alerts the local DynamoDB. Then the
// packaged alerts function, on a stream event and a schedule, delivers
// those alerts to a webhook, each once.
func TestEmulator_ClassifierThenAlerts(t *testing.T) {
	lambdatest.RIE(t) // skip (or fail under CI) before the long build
	ddb := lambdatest.StartDynalite(t)
	store := lambdatest.AlertTable(t, ddb, lambdatest.AlertsTable)
	fh := lambdatest.Firehose(t)
	var refuseCarol atomic.Bool
	fh.Fail = func(stream string, call, index int, data []byte) (string, string) {
		if refuseCarol.Load() && strings.Contains(string(data), "user/carol") {
			return "ServiceUnavailableException", "Slow down."
		}
		return "", ""
	}
	s3 := lambdatest.FakeS3(t, lambdatest.S3Objects(t))
	bins := packageFunctions(t)
	env := append(lambdatest.AWSEnv(map[string]string{"S3": s3.URL, "FIREHOSE": fh.URL, "DYNAMODB": ddb}),
		lambdafn.EnvConfigS3+"=s3://"+lambdatest.ConfigBucket+"/"+lambdatest.ConfigKey,
		lambdafn.EnvS3PathStyle+"=true")

	classifier := lambdatest.StartRIE(t, bins["classifier"], append(env, lambdafn.EnvFunctionName+"="+classifierName)...)
	invoke := func(name string, event []byte) string {
		t.Helper()
		body, ok := classifier.Invoke(t, event)
		if !ok {
			t.Fatalf("%s: function error %s", name, body)
		}
		return string(body)
	}
	const ok = `{"batchItemFailures":[]}`
	if got := invoke("kinesis", lambdatest.Event(t, "kinesis")); got != ok {
		t.Errorf("kinesis: %s", got)
	}
	if got := invoke("sqs", lambdatest.Event(t, "sqs")); got != ok {
		t.Errorf("sqs: %s", got)
	}
	if got := invoke("sns", lambdatest.Event(t, "sns")); got != "null" {
		t.Errorf("sns: %s", got)
	}
	var httpResp struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal([]byte(invoke("http", lambdatest.Event(t, "http"))), &httpResp); err != nil || httpResp.StatusCode != 202 {
		t.Errorf("http: %+v %v", httpResp, err)
	}
	var sqsPartial struct{ Records []struct{ MessageID string } }
	json.Unmarshal(lambdatest.Event(t, "sqs_partial"), &sqsPartial)
	if got, want := invoke("sqs_partial", lambdatest.Event(t, "sqs_partial")), `{"batchItemFailures":[{"itemIdentifier":"`+sqsPartial.Records[0].MessageID+`"}]}`; got != want {
		t.Errorf("sqs with a missing bucket: %s, want %s", got, want)
	}
	refuseCarol.Store(true)
	var kin struct {
		Records []struct {
			Kinesis struct{ SequenceNumber string }
		}
	}
	json.Unmarshal(lambdatest.Event(t, "kinesis"), &kin)
	if got, want := invoke("kinesis refused", lambdatest.Event(t, "kinesis")), `{"batchItemFailures":[{"itemIdentifier":"`+kin.Records[2].Kinesis.SequenceNumber+`"}]}`; got != want {
		t.Errorf("kinesis with Firehose refusing one record's data: %s, want %s", got, want)
	}
	if body, ok := classifier.Invoke(t, lambdatest.Event(t, "schedule")); ok || !strings.Contains(string(body), "not an event it handles") {
		t.Errorf("a scheduled event answered %s (function error %v), want a function error", body, !ok)
	}
	if n := s3.Gets(lambdatest.ConfigBucket, lambdatest.ConfigKey); n != 1 {
		t.Errorf("config read %d times, want once (at cold start)", n)
	}
	classifier.Stop()
	// One EMF line per invocation the function handled (not the scheduled
	// event it refused), its counts those of the events.
	emf := emfLines(t, classifier.Proc.Output(), classifierName, 6)
	if in, c, u := sum(emf, metrics.RecordsIn), sum(emf, metrics.Classified), sum(emf, metrics.Unclassified); in != c+u || u != 3 || in != 24 {
		t.Errorf("classifier metrics: %v records in, %v classified, %v unclassified; want 24 = 21 + 3", in, c, u)
	}
	if got := sum(emf, metrics.FirehoseFailures); got != 1 {
		t.Errorf("classifier metrics: %v Firehose failures, want 1 (the refused kinesis record)", got)
	}

	// kinesis 6+1+3, sqs 5+1+2, sns 1+1, http 2+1, sqs_partial 1, and the
	// kinesis retry: 4 (carol's 2 refused) + 1, its alerts already stored.
	wantRecords := map[string]int{"cloudtrail_events": 19, "unclassified": 3, "alerts": 7}
	if got := lambdatest.Records(fh); !maps.Equal(got, wantRecords) {
		t.Errorf("records per table %v, want %v", got, wantRecords)
	}
	const stopped, keys = "lambdatest_trail_stopped", "lambdatest_access_key_created"
	if got, want := statuses(t, store), map[string]int{stopped + "/pending": 5, keys + "/merging": 2}; !maps.Equal(got, want) {
		t.Fatalf("alerts %v, want %v", got, want)
	}

	// The alerts function delivers them.
	pending, err := store.List(context.Background(), alerts.Filter{Status: []alerts.Status{alerts.StatusPending}})
	if err != nil {
		t.Fatal(err)
	}
	hook := newWebhook(t, "k3y")
	secrets, _ := json.Marshal(map[string]map[string]string{"webhook:soc": {"url": hook.URL, "signing_key": "k3y"}})
	alertsFn := lambdatest.StartRIE(t, bins["alerts"], append(env, lambdafn.EnvOutputSecrets+"="+string(secrets), lambdafn.EnvFunctionName+"="+alertsName)...)
	var res lambdafn.AlertsResult
	body, fnOK := alertsFn.Invoke(t, lambdatest.Event(t, "dynamodb_stream", "__ALERT_ID__", pending[0].ID))
	if err := json.Unmarshal(body, &res); !fnOK || err != nil {
		t.Fatalf("alerts on the stream event: %s (%v)", body, err)
	}
	// One alert at once from the stream, then the other four and the alert
	// merged from the two access keys.
	if res.Trigger != lambdafn.EventDynamoDB || res.Streamed.Sent != 1 || res.Tick.Merged != 1 || res.Dispatch.Sent != 5 {
		t.Errorf("stream pass %s", body)
	}
	body, fnOK = alertsFn.Invoke(t, lambdatest.Event(t, "schedule"))
	if err := json.Unmarshal(body, &res); !fnOK || err != nil || res.Trigger != lambdafn.EventSchedule || res.Dispatch.Alerts != 0 {
		t.Errorf("scheduled pass: %s (%v)", body, err)
	}
	alertsFn.Stop()
	emf = emfLines(t, alertsFn.Proc.Output(), alertsName, 2)
	if got, fails := sum(emf, metrics.Alerts), sum(emf, metrics.FirehoseFailures); got != 6 || fails != 0 {
		t.Errorf("alerts metrics: %v alerts delivered, %v Firehose failures; want 6 and 0", got, fails)
	}
	hook.mu.Lock()
	ids, bad := slices.Clone(hook.ids), hook.bad
	hook.mu.Unlock()
	slices.Sort(ids)
	if len(ids) != 6 || len(slices.Compact(ids)) != 6 || bad != 0 {
		t.Errorf("webhook got %d alerts (%d distinct, %d badly signed), want 6 once each", len(ids), len(slices.Compact(slices.Clone(ids))), bad)
	}
	if got, want := statuses(t, store), map[string]int{stopped + "/delivered": 5, keys + "/merged": 2, keys + "/delivered": 1}; !maps.Equal(got, want) {
		t.Errorf("alerts after delivery %v, want %v", got, want)
	}
}

// The function names the emulated functions are given (Lambda sets
// AWS_LAMBDA_FUNCTION_NAME): their metrics' Function dimension.
const (
	classifierName = "lambdatest_streamalert_classifier"
	alertsName     = "lambdatest_streamalert_alerts"
)

// emfLines reads the EMF lines out of an emulator's output (the function's
// standard output among the rest), checks that there are want of them, in
// StreamAlert's namespace for the function, each with a duration.
func emfLines(t *testing.T, output, function string, want int) []metrics.Line {
	t.Helper()
	lines, err := metrics.Lines([]byte(output))
	if err != nil {
		t.Fatalf("%s: %v", function, err)
	}
	if len(lines) != want {
		t.Fatalf("%s wrote %d EMF lines, want %d:\n%s", function, len(lines), want, output)
	}
	for _, l := range lines {
		if d, ok := l.Value(metrics.Duration); l.Namespace != metrics.Namespace || l.Dimensions["Function"] != function || !ok || d <= 0 {
			t.Errorf("%s: EMF line %+v", function, l)
		}
	}
	return lines
}

// sum adds a metric's values over lines.
func sum(lines []metrics.Line, name string) float64 {
	total := 0.0
	for _, l := range lines {
		v, _ := l.Value(name)
		total += v
	}
	return total
}
