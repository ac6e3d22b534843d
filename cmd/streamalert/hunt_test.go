package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/historical"
	"github.com/streamalert/streamalert/historical/sqlengine"
	"github.com/streamalert/streamalert/internal/athenatest"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/internal/sqlgrammar"
)

func TestHuntList_ShowsThePackAndTheConfigsHunts(t *testing.T) {
	out, errs, code := run(t, "hunt", "list")
	if code != 0 {
		t.Fatal(errs)
	}
	for _, want := range []string{"okta_login_countries", "cloudtrail_access_key_new_ip", "pack/hunts/network.yaml", "ssh_password_guessing", "18 hunts"} {
		if !strings.Contains(out, want) {
			t.Errorf("hunt list lacks %q:\n%s", want, out)
		}
	}
	out, _, _ = run(t, "hunt", "list", "--format", "json")
	if n := strings.Count(strings.TrimSpace(out), "\n") + 1; n < 15 {
		t.Errorf("%d hunts listed, want at least 15", n)
	}
}

// authLog writes SSH guessing from 198.51.100.7 (12 failures, then a
// login) in the half hour before now, and returns the file and the window.
func authLog(t *testing.T) (string, time.Time, time.Time) {
	now := time.Now().UTC().Truncate(time.Minute)
	var lines []string
	for i := range 12 {
		at := now.Add(-time.Duration(40-i) * time.Minute)
		lines = append(lines, fmt.Sprintf("%s web1 sshd[7]: Failed password for root from 198.51.100.7 port %d ssh2", at.Format(time.RFC3339), 40000+i))
	}
	lines = append(lines, fmt.Sprintf("%s web1 sshd[7]: Accepted password for root from 198.51.100.7 port 41000 ssh2", now.Add(-10*time.Minute).Format(time.RFC3339)))
	f := filepath.Join(t.TempDir(), "auth.log")
	if err := os.WriteFile(f, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return f, now.Add(-time.Hour), now
}

func TestHuntRun_DuckDBThenHistory(t *testing.T) {
	log, from, to := authLog(t)
	data := t.TempDir()
	if _, errs, code := run(t, "ingest", "--data", data, "--log-type", "linux:auth", log); code != 0 {
		t.Fatalf("ingest: %s", errs)
	}
	window := []string{"--from", from.Format(time.RFC3339), "--to", to.Format(time.RFC3339)}
	out, errs, code := run(t, append([]string{"hunt", "run", "ssh_guessing_then_success", "--data", data, "--format", "json"}, window...)...)
	if code != 0 {
		t.Fatal(errs)
	}
	var row map[string]any
	if err := json.Unmarshal([]byte(out), &row); err != nil || row["src_ip"] != "198.51.100.7" || row["failures"] != float64(12) {
		t.Fatalf("rows %s (%v)", out, err)
	}
	if !strings.Contains(errs, "on duckdb: 1 rows") {
		t.Errorf("summary: %s", errs)
	}
	// The dry run prints the statement with the window's partitions.
	out, _, code = run(t, append([]string{"hunt", "run", "ssh_guessing_then_success", "--dry-run", "--engine", "athena"}, window...)...)
	dtFrom := from.Add(-time.Hour).Format("2006-01-02-15")
	if code != 0 || !strings.Contains(out, "dt >= '"+dtFrom+"'") || !strings.Contains(out, "linux_auth: dt="+dtFrom) || !strings.Contains(out, "TIMESTAMP '") {
		t.Errorf("dry run:\n%s", out)
	}
	out, errs, code = run(t, "hunt", "history", "ssh_guessing_then_success", "--data", data, "--format", "json")
	if code != 0 {
		t.Fatal(errs)
	}
	var rec struct {
		Engine       string `json:"engine"`
		Rows         int    `json:"rows"`
		BytesScanned int64  `json:"bytes_scanned"`
		Manual       bool   `json:"manual"`
	}
	if err := json.Unmarshal([]byte(out), &rec); err != nil || rec.Engine != "duckdb" || rec.Rows != 1 || !rec.Manual || rec.BytesScanned == 0 {
		t.Errorf("history %s (%v)", out, err)
	}
}

// TestHuntRun_Athena runs a hunt and an ad-hoc query through the Athena
// engine of the CLI (the real SDK, configured by historical.yaml and the
// environment) against the local Athena server, which answers with
// DuckDB over the lake after the Trino grammar check.
func TestHuntRun_Athena(t *testing.T) {
	log, from, to := authLog(t)
	data := t.TempDir()
	if _, errs, code := run(t, "ingest", "--data", data, "--log-type", "linux:auth", log); code != 0 {
		t.Fatalf("ingest: %s", errs)
	}
	conf := filepath.Join(t.TempDir(), "conf")
	if err := config.Init(conf); err != nil {
		t.Fatal(err)
	}
	hist := "athena:\n  workgroup: streamalert\n  output_location: s3://results/athena/\n  database: streamalert\n  price_per_tb: 5\n"
	if err := os.WriteFile(filepath.Join(conf, config.HistoricalFile), []byte(hist), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, ps := config.LoadDir(conf)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	r, err := config.Resolve(cfg, config.Parts{})
	if err != nil {
		t.Fatal(err)
	}
	reg := r.Registry
	lake, _ := cfg.Global.LocalLake(data)
	duck, err := historical.Open(context.Background(), lake, reg.All(), historical.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()
	srv := athenatest.NewServer()
	defer srv.Close()
	srv.WorkGroups = map[string]athenatest.WorkGroup{"streamalert": {}}
	srv.Grammar = sqlgrammar.Statement(t, sqlgrammar.Trino)
	srv.Execute = duck.Execute
	t.Setenv("AWS_ENDPOINT_URL_ATHENA", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	out, errs, code := run(t, "--config", conf, "hunt", "run", "ssh_guessing_then_success", "--engine", "athena", "--data", data, "--format", "csv",
		"--from", from.Format(time.RFC3339), "--to", to.Format(time.RFC3339))
	if code != 0 {
		t.Fatal(errs)
	}
	if !strings.Contains(out, "198.51.100.7,12,1,") || !strings.Contains(errs, "on athena: 1 rows") {
		t.Errorf("athena hunt run:\n%s\n%s", out, errs)
	}
	q := srv.Queries()
	if len(q) != 1 || !strings.Contains(q[0], "TIMESTAMP '") || !strings.Contains(q[0], "dt >= '") {
		t.Errorf("the server got %q", q)
	}
	out, errs, code = run(t, "--config", conf, "hunt", "history", "ssh_guessing_then_success", "--data", data, "--format", "json")
	if code != 0 || !strings.Contains(out, `"engine":"athena"`) || !strings.Contains(out, `"query_id":"00000000-`) {
		t.Errorf("history %s %s", out, errs)
	}
	out, errs, code = run(t, "--config", conf, "query", "--engine", "athena", "--data", data, "--format", "csv",
		"SELECT count(*) AS n FROM linux_auth WHERE dt >= '2000-01-01-00'")
	if code != 0 || strings.TrimSpace(out) != "n\n13" || !strings.Contains(errs, "on athena") {
		t.Errorf("query on athena: %q %s", out, errs)
	}
	// A failed query reports Athena's reason.
	_, errs, code = run(t, "--config", conf, "query", "--engine", "athena", "--data", data, "SELECT * FROM linux_auth WHERE x ILIKE 'a'")
	if code == 0 || !strings.Contains(errs, "FAILED: line 1:") {
		t.Errorf("failed query: %s", errs)
	}
}

// TestBacktest_Athena: backtest --engine athena sends each rule's Athena
// statement (which must pass the Trino grammar check) and reports its
// matches. The server answers with one match: Athena's Trino functions do
// not run on DuckDB, so the rows are the test's.
func TestBacktest_Athena(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "conf")
	if err := config.Init(conf); err != nil {
		t.Fatal(err)
	}
	hist := "athena:\n  workgroup: streamalert\n  output_location: s3://results/athena/\n"
	if err := os.WriteFile(filepath.Join(conf, config.HistoricalFile), []byte(hist), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := athenatest.NewServer()
	defer srv.Close()
	srv.WorkGroups = map[string]athenatest.WorkGroup{"streamalert": {}}
	srv.Grammar = sqlgrammar.Statement(t, sqlgrammar.Trino)
	at := time.Date(2024, 5, 2, 10, 0, 0, 0, time.UTC)
	srv.Execute = func(_ context.Context, sql string) (*sqlengine.Result, error) {
		return &sqlengine.Result{Columns: []string{"rule", "log_type", "sa_record_id", "sa_event_time", "dt"},
			Rows:  [][]any{{"cloudtrail_logging_stopped", "cloudtrail:events", "rec-1", at, "2024-05-02-10"}},
			Stats: sqlengine.Stats{BytesScanned: 3 << 20}}, nil
	}
	t.Setenv("AWS_ENDPOINT_URL_ATHENA", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	out, errs, code := run(t, "--config", conf, "backtest", "cloudtrail_logging_stopped", "--engine", "athena", "--since", "", "--from", "2024-05-01", "--to", "2024-05-08", "--format", "json")
	if code != 0 {
		t.Fatal(errs)
	}
	if !strings.Contains(out, `"record_id":"rec-1"`) || errs != "" {
		t.Errorf("out %s\nerrs %s", out, errs)
	}
	q := srv.Queries()
	if len(q) != 1 || !strings.Contains(q[0], `t."dt" >= '2024-04-30-23'`) || !strings.Contains(q[0], "lower(replace(") {
		t.Errorf("queries sent: %q", q)
	}
	out, errs, code = run(t, "--config", conf, "backtest", "cloudtrail_logging_stopped", "--engine", "athena", "--since", "", "--from", "2024-05-01", "--to", "2024-05-08")
	if code != 0 || !strings.Contains(out, "2024-05-02:1") {
		t.Errorf("table: %s %s", out, errs)
	}
}
