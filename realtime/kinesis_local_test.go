package realtime

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/internal/lambdatest"
)

// localKinesis starts kinesalite and creates the fixtures' stream with
// the given number of shards.
func localKinesis(t *testing.T, shards int32) *kinesis.Client {
	t.Helper()
	endpoint := lambdatest.StartKinesalite(t)
	client := kinesis.NewFromConfig(lambdatest.AWSConfig(), func(o *kinesis.Options) { o.BaseEndpoint = aws.String(endpoint) })
	ctx := context.Background()
	if _, err := client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(lambdatest.Stream), ShardCount: aws.Int32(shards)}); err != nil {
		t.Fatal(err)
	}
	w := kinesis.NewStreamExistsWaiter(client, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	})
	if err := w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(lambdatest.Stream)}, time.Minute); err != nil {
		t.Fatal(err)
	}
	return client
}

// putRecords puts records with varied partition keys (so they spread over
// the shards) and returns the last sequence number put to each shard.
func putRecords(t *testing.T, client *kinesis.Client, data [][]byte) map[string]string {
	t.Helper()
	in := &kinesis.PutRecordsInput{StreamName: aws.String(lambdatest.Stream)}
	for i, d := range data {
		in.Records = append(in.Records, types.PutRecordsRequestEntry{Data: d, PartitionKey: aws.String(fmt.Sprintf("key-%d", i))})
	}
	out, err := client.PutRecords(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(out.FailedRecordCount) != 0 {
		t.Fatalf("%d records not put", aws.ToInt32(out.FailedRecordCount))
	}
	last := map[string]string{}
	for _, r := range out.Records {
		last[aws.ToString(r.ShardId)] = aws.ToString(r.SequenceNumber)
	}
	return last
}

// streamData makes n CloudTrail records, every third a StopLogging that
// the fixtures' rule alerts on, then one KPL aggregate of three more and a
// poison record: n+3 classified records and one unclassified.
func streamData(from, n int) (data [][]byte, stops int) {
	for i := from; i < from+n; i++ {
		ev := "ListBuckets"
		if i%3 == 0 {
			ev, stops = "StopLogging", stops+1
		}
		data = append(data, []byte(cloudTrailRecord(i, ev)))
	}
	agg := [][]byte{[]byte(cloudTrailRecord(from+n, "DescribeTrails")), []byte(cloudTrailRecord(from+n+1, "DescribeTrails")), []byte(cloudTrailRecord(from+n+2, "DescribeTrails"))}
	data = append(data, Aggregate("agg", agg), []byte(fmt.Sprintf("poison record %d", from)))
	return data, stops
}

// serveTestConfig is the fixtures' config with a local lake.
func serveTestConfig(t *testing.T, lake string) *config.Config {
	t.Helper()
	files := fstest.MapFS{}
	err := fs.WalkDir(lambdatest.ConfigFS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(lambdatest.ConfigFS(), p)
		files[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	files["global.yaml"] = &fstest.MapFile{Data: []byte("prefix: satest\nlake: file://" + filepath.ToSlash(lake) + "\nrules:\n  pack: false\n")}
	cfg, ps := config.Load(files, "serve-test")
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	return cfg
}

// TestKinesisSource_ServeReadsStreamAndResumes: records put into a local
// Kinesis reach serve's pipeline — lake, rules, alert store — and after a
// restart only the records put since are read.
func TestKinesisSource_ServeReadsStreamAndResumes(t *testing.T) {
	client := localKinesis(t, 2)
	data := t.TempDir()
	cfg := serveTestConfig(t, filepath.Join(data, "lake"))
	const source = "cloudtrail-stream"
	in := func(a *App) int64 { return a.Metrics.Value(`streamalert_records_in_total{source="` + source + `"}`) }

	run := func(records [][]byte, want int64) *App {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		app, err := OpenApp(ctx, cfg, data, AppOptions{NoOutputs: true, CommitInterval: 100 * time.Millisecond, Logger: quietLog})
		if err != nil {
			t.Fatal(err)
		}
		app.Start(ctx)
		last := putRecords(t, client, records)
		wait, err := ServeKinesis(ctx, cfg, app.Runner, data, client, quietLog)
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the stream's records in the pipeline", func() bool { return in(app) >= want })
		for shard, seq := range last { // everything put is checkpointed
			file := KinesisCheckpointFile(data, source)
			waitFor(t, "the checkpoint of "+shard, func() bool {
				p := &KinesisPoller{Stream: lambdatest.Stream, Checkpoints: file}
				if p.Load() != nil {
					return false
				}
				got, _ := p.Checkpoint(shard)
				return got == seq
			})
		}
		cancel()
		wait()
		if err := app.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		return app
	}

	first, stops := streamData(0, 30)
	app := run(first, 34)
	if got := in(app); got != 34 {
		t.Errorf("records in %d, want 34", got)
	}
	if got := app.Metrics.Value(`streamalert_records_unclassified_total{source="` + source + `"}`); got != 1 {
		t.Errorf("unclassified %d, want the poison record", got)
	}
	countAlerts := func() int {
		store, err := alerts.OpenBolt(alerts.DefaultStorePath(data))
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		as, err := store.List(context.Background(), alerts.Filter{Rule: "lambdatest_trail_stopped"})
		if err != nil {
			t.Fatal(err)
		}
		return len(as)
	}
	if got := countAlerts(); got != stops {
		t.Errorf("%d alerts, want one per StopLogging record (%d)", got, stops)
	}
	lakeFiles := 0
	filepath.WalkDir(filepath.Join(data, "lake"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".parquet") && strings.Contains(p, "cloudtrail_events") {
			lakeFiles++
		}
		return nil
	})
	if lakeFiles == 0 {
		t.Error("no cloudtrail_events Parquet file in the lake")
	}

	second, more := streamData(100, 6)
	app = run(second, 10)
	if got := in(app); got != 10 {
		t.Errorf("after a restart %d records in, want only the 10 put since", got)
	}
	if got := countAlerts(); got != stops+more {
		t.Errorf("%d alerts after the restart, want %d", got, stops+more)
	}
}

// TestKinesisPoller_FeedsClassifierFunction: a poller standing in for the
// event source mapping invokes the classifier function with Kinesis
// events; a record Firehose refuses for a while is retried from, and in
// the end every record is delivered and every alert stored.
func TestKinesisPoller_FeedsClassifierFunction(t *testing.T) {
	client := localKinesis(t, 2)
	ddb := lambdatest.StartDynalite(t)
	env := newClassifierEnv(t, ddb, "", nil, ClassifierOptions{})
	refusals := 3
	env.fh.Fail = func(stream string, call, index int, data []byte) (string, string) {
		if refusals > 0 && strings.Contains(string(data), "8000-000000000007") {
			refusals--
			return "ServiceUnavailableException", "Slow down."
		}
		return "", ""
	}
	records, stops := streamData(0, 20)
	last := putRecords(t, client, records)
	p := &KinesisPoller{API: client, Stream: lambdatest.Stream, Checkpoints: filepath.Join(t.TempDir(), "ck.json"),
		Handler: LambdaKinesisHandler(env.fn.HandleKinesis, lambdatest.StreamARN, lambdatest.Region),
		Idle:    10 * time.Millisecond, Refresh: 50 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, Log: quietLog}
	runPoller(t, p, func() bool {
		for shard, seq := range last {
			if got, _ := p.Checkpoint(shard); got != seq {
				return false
			}
		}
		return true
	})
	if refusals != 0 {
		t.Errorf("%d refusals left: the failing record was not retried", refusals)
	}
	delivered := map[string]bool{}
	for _, rec := range env.fh.Records(lambdatest.StreamOf("cloudtrail_events")) {
		for i := range 23 {
			if strings.Contains(string(rec), fmt.Sprintf("8000-%012d", i)) {
				delivered[fmt.Sprint(i)] = true
			}
		}
	}
	if len(delivered) != 23 {
		t.Errorf("%d of 23 CloudTrail records delivered: %v", len(delivered), delivered)
	}
	if got := statuses(t, env.store)["lambdatest_trail_stopped/pending"]; got != stops {
		t.Errorf("%d alerts, want %d", got, stops)
	}
}
