package serve

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/internal/lambdatest"
)

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
	client := lambdatest.Kinesis(t, 2)
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
		last := lambdatest.PutRecords(t, client, records)
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

	first, stops := lambdatest.KinesisData(0, 30)
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

	second, more := lambdatest.KinesisData(100, 6)
	app = run(second, 10)
	if got := in(app); got != 10 {
		t.Errorf("after a restart %d records in, want only the 10 put since", got)
	}
	if got := countAlerts(); got != stops+more {
		t.Errorf("%d alerts after the restart, want %d", got, stops+more)
	}
}

// TestKinesisSource_NoDuplicatesWhenCheckpointLags: a kill -9 after the
// records are in the ingest log and before the shard positions are saved
// (the poller saves them after each read batch) leaves the checkpoint file
// behind the ingest log. Here the file is removed outright between runs:
// the next run must still take only the records put since, because each
// stored batch carries its shard and sequence number (a cursor the ingest
// log keeps across its checkpoints) and the handler skips what is stored.
func TestKinesisSource_NoDuplicatesWhenCheckpointLags(t *testing.T) {
	client := lambdatest.Kinesis(t, 2)
	data := t.TempDir()
	cfg := serveTestConfig(t, filepath.Join(data, "lake"))
	const source = "cloudtrail-stream"
	in := func(a *App) int64 { return a.Metrics.Value(`streamalert_records_in_total{source="` + source + `"}`) }
	run := func(records [][]byte, want int64) int64 {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		app, err := OpenApp(ctx, cfg, data, AppOptions{NoOutputs: true, CommitInterval: 100 * time.Millisecond, Logger: quietLog})
		if err != nil {
			t.Fatal(err)
		}
		app.Start(ctx)
		lambdatest.PutRecords(t, client, records)
		wait, err := ServeKinesis(ctx, cfg, app.Runner, data, client, quietLog)
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the stream's records in the pipeline", func() bool { return in(app) >= want })
		time.Sleep(300 * time.Millisecond) // a re-read, if any, has time to show
		cancel()
		wait()
		if err := app.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		return in(app)
	}
	first, _ := lambdatest.KinesisData(0, 30)
	if got := run(first, 34); got != 34 {
		t.Fatalf("first run: %d records in, want 34", got)
	}
	if err := os.Remove(KinesisCheckpointFile(data, source)); err != nil {
		t.Fatal(err)
	}
	second, _ := lambdatest.KinesisData(100, 6)
	if got := run(second, 10); got != 10 {
		t.Errorf("after losing the shard positions: %d records in, want only the 10 put since", got)
	}
}
