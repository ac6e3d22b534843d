package realtime

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/internal/duckdbtest"
	"github.com/streamalert/streamalert/internal/schematest"
	"github.com/streamalert/streamalert/schema"
)

// A crash between the lake commit and the ingest log checkpoint leaves
// files tagged above the checkpoint. Replay must skip exactly the tables
// whose files landed, and rewrite the others.
func TestRunner_ReplayAfterCutCommitWritesEachRowOnce(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	app := openTestRunner(t, data)
	app.Start(ctx)
	flow := "2 123456789012 eni-0a1b2c3d 10.0.1.5 203.0.113.66 44321 443 6 25 120000 1714557600 1714557660 ACCEPT OK\n"
	for i := 0; i < 4; i++ {
		if _, err := app.Runner.Submit("http", time.Now(), []byte(schematest.CloudTrailRecord(i, "StopLogging"))); err != nil {
			t.Fatal(err)
		}
		if _, err := app.Runner.Submit("http", time.Now(), []byte(strings.Replace(flow, "44321", "4432"+string(rune('0'+i)), 1))); err != nil {
			t.Fatal(err)
		}
	}
	app.Runner.Drain()
	// The commit lands, the checkpoint does not ("crash" here).
	water := app.Runner.pause()
	if err := app.Lake.Commit(ctx, water); err != nil {
		t.Fatal(err)
	}
	app.ingest.Close()
	if app.ingest.Checkpointed() >= water {
		t.Fatal("test setup: checkpoint advanced")
	}
	// Of the cut commit, only the cloudtrail file made it: the flow file's
	// rename "did not happen".
	lake := filepath.Join(data, "lake")
	matches, _ := filepath.Glob(filepath.Join(lake, "parquet", "aws_vpc_flow", "*", "*.parquet"))
	if len(matches) != 1 {
		t.Fatalf("flow files: %v", matches)
	}
	os.Remove(matches[0])

	app2 := recoverOnce(t, ctx, data)
	db := duckdbtest.Open(t)
	for _, lt := range []string{"cloudtrail:events", "aws:vpc_flow"} {
		duckdbtest.Exec(t, db, app2.Registry.Get(lt).DuckDBView(lake))
	}
	for table, want := range map[string]int64{"cloudtrail_events": 4, "aws_vpc_flow": 4} {
		got := duckdbtest.Query(t, db, "SELECT count(*), count(DISTINCT sa_record_id) FROM "+table)[0]
		if got[0].(int64) != want || got[1].(int64) != want {
			t.Errorf("%s: %v rows, %v distinct, want %d", table, got[0], got[1], want)
		}
	}
}

// A commit that runs while a worker has processed a batch but not yet
// counted it done must not write that batch's rows under a lower tag: the
// checkpoint would then miss the batch and a replay after a crash would
// write its rows a second time. (It did: the worker released the commit
// gate before marking the batch done; and a batch finished out of order,
// ahead of one still being handed out, had the same effect.)
func TestRunner_CommitWaitsForBatchesItsBuffersHold(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	app := openTestRunner(t, data)
	entered, release := make(chan struct{}), make(chan struct{})
	app.Runner.afterProcess = func(seq uint64) {
		if seq == 1 {
			close(entered)
			<-release
		}
	}
	app.Start(ctx)
	if _, err := app.Runner.Submit("http", time.Now(), []byte(schematest.CloudTrailRecord(1, "StopLogging"))); err != nil {
		t.Fatal(err)
	}
	<-entered // batch 1's row is in the lake's buffers; the batch is not done
	committed := make(chan error, 1)
	go func() { committed <- app.Runner.Commit(ctx) }()
	// Give a commit that does not wait for the batch time to finish; one
	// that waits finishes only after the release.
	select {
	case err := <-committed:
		committed <- err
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if err := <-committed; err != nil {
		t.Fatal(err)
	}
	app.Runner.Drain()
	// "Crash": nothing more is committed or checkpointed.
	app.ingest.Close()

	app2 := recoverOnce(t, ctx, data)
	db := duckdbtest.Open(t)
	duckdbtest.Exec(t, db, app2.Registry.Get("cloudtrail:events").DuckDBView(filepath.Join(data, "lake")))
	if n := duckdbtest.QueryInt(t, db, "SELECT count(*) FROM cloudtrail_events"); n != 1 {
		t.Fatalf("the batch's record is in the lake %d times, want 1", n)
	}
}

// testRunner is the pipeline core as serve assembles it, without alerts:
// a lake in data/lake, the ingest log in data/ingest, the correlation
// state in data/correlation and a runner.
type testRunner struct {
	Registry *schema.Registry
	Pipeline *Pipeline
	Runner   *Runner
	Lake     *firehose.Lake
	ingest   *IngestLog
}

func openTestRunner(t *testing.T, data string) *testRunner { return openTestRunnerWorkers(t, data, 0) }

func openTestRunnerWorkers(t *testing.T, data string, workers int) *testRunner {
	t.Helper()
	cfg, ps := config.Load(config.Example(), "")
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	r, err := config.Resolve(cfg, config.Parts{Rules: true})
	if err != nil {
		t.Fatal(err)
	}
	lake, err := firehose.NewLake(firehose.NewDir(filepath.Join(data, "lake")), firehose.Options{Manual: true, Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	ingest, err := OpenIngestLog(filepath.Join(data, "ingest"), 0)
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string][]*schema.LogType{"http": nil}
	p, err := New(Config{Registry: r.Registry, Sources: sources, Rules: r.Rules, Lake: lake, Log: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	run, err := NewRunner(context.Background(), RunnerConfig{Pipeline: p, Log: ingest, Lake: lake, CommitInterval: time.Hour, Logger: quietLog,
		Workers: workers, StateDir: filepath.Join(data, "correlation")})
	if err != nil {
		t.Fatal(err)
	}
	return &testRunner{Registry: r.Registry, Pipeline: p, Runner: run, Lake: lake, ingest: ingest}
}

func (a *testRunner) Start(ctx context.Context) { a.Runner.Start(ctx) }

// Close stops the runner, commits the lake at the checkpoint and closes
// the lake and the ingest log, as serve does on shutdown.
func (a *testRunner) Close(ctx context.Context) error {
	return errors.Join(a.Runner.Close(ctx), a.Lake.Commit(ctx, a.ingest.Checkpointed()), a.Lake.Close(ctx), a.ingest.Close())
}

// recoverOnce opens the data directory again, as serve does after a crash:
// the ingest log's uncommitted batches are replayed, then it closes.
func recoverOnce(t *testing.T, ctx context.Context, data string) *testRunner {
	t.Helper()
	app := openTestRunner(t, data)
	app.Start(ctx)
	if err := app.Close(ctx); err != nil {
		t.Fatal(err)
	}
	return app
}

var quietLog = slog.New(slog.DiscardHandler)
