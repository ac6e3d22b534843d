package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/historical"
	"github.com/streamalert/streamalert/internal/duckdbtest"
	"github.com/streamalert/streamalert/schema"
)

// TestSchemasDDL_DuckDBPrintsTheViewTheEngineRuns: for an empty lake and
// for one with CloudTrail files, `schemas ddl --dialect duckdb` prints
// exactly the statement the engine executes over that lake, and that
// statement, run on its own, reads the lake's rows.
func TestSchemasDDL_DuckDBPrintsTheViewTheEngineRuns(t *testing.T) {
	reg := schema.Builtin()
	lt := reg.Get("cloudtrail:events")
	full := t.TempDir()
	payload, err := os.ReadFile("../../schema/testdata/samples/cloudtrail_events/s3_log_file.json")
	if err != nil {
		t.Fatal(err)
	}
	w, err := firehose.NewLake(firehose.NewDir(full), firehose.Options{})
	if err != nil {
		t.Fatal(err)
	}
	in := schema.Input{Source: "test", Types: []*schema.LogType{lt}, IngestTime: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	records := 0
	err = schema.NewClassifier(reg).Classify(payload, in,
		func(r *schema.Record) {
			records++
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
		},
		func(u *schema.Unclassified) { t.Fatalf("sample did not classify: %s", u.Reason) })
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if records == 0 {
		t.Fatal("the sample made no record")
	}
	for _, c := range []struct {
		name string
		lake string
		rows int
	}{
		{"empty lake", filepath.Join(t.TempDir(), "lake"), 0},
		{"lake with files", full, records},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errs, code := run(t, "schemas", "ddl", "--dialect", "duckdb", "--lake", c.lake, "cloudtrail:events")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			e, err := historical.Open(context.Background(), c.lake, reg.All(), historical.Options{Threads: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			ran, ok := e.View(lt.Table())
			if !ok || out != ran+"\n" {
				t.Fatalf("printed:\n%s\nthe engine ran:\n%s", out, ran)
			}
			db := duckdbtest.Open(t)
			duckdbtest.Exec(t, db, strings.TrimSpace(out))
			got := duckdbtest.Query(t, db, "SELECT count(*) FROM cloudtrail_events")
			if fmt.Sprint(got) != fmt.Sprintf("[[%d]]", c.rows) {
				t.Errorf("the printed view reads %v rows, want %d", got, c.rows)
			}
		})
	}
}
