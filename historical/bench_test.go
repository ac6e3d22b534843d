package historical

import (
	"context"

	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/streamalert/streamalert/internal/duckdbtest"
	"github.com/streamalert/streamalert/queries"
	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// benchRows is the size of the back-test benchmark's CloudTrail table;
// STREAMALERT_BENCH_ROWS overrides it.
const benchRows = 10_000_000

// benchLake returns a lake holding n CloudTrail rows, built once and kept
// under os.TempDir() for later runs. The Stratus corpus is written by the
// embedded firehose as a seed file; DuckDB then repeats the seed rows with
// fresh record ids, event times (spread over ten days), event ids and
// source addresses, partitioned by dt like the lake writer's, so that the
// columns and types are the writer's.
func benchLake(b *testing.B, reg *schema.Registry, n int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("streamalert-bench-lake-v1-%d", n))
	done := filepath.Join(dir, "complete")
	if _, err := os.Stat(done); err == nil {
		return dir
	}
	os.RemoveAll(dir)
	start := time.Now()
	seedDir := b.TempDir()
	var payloads []string
	files, _ := filepath.Glob("../rules/testdata/stratus/*.json")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		payloads = append(payloads, string(data))
	}
	seed := classify(b, reg, "cloudtrail:events", payloads)
	writeLake(b, seedDir, seed)

	db := duckdbtest.Open(b)
	seedGlob := filepath.ToSlash(filepath.Join(seedDir, "parquet", "cloudtrail_events", "*", "*.parquet"))
	out := filepath.ToSlash(filepath.Join(dir, "parquet", "cloudtrail_events"))
	if err := os.MkdirAll(filepath.Join(dir, "parquet"), 0o755); err != nil {
		b.Fatal(err)
	}
	copies := (n + len(seed) - 1) / len(seed)
	stmt := fmt.Sprintf(`COPY (
  WITH s AS (SELECT *, row_number() OVER () - 1 AS seed_no FROM read_parquet(%s)),
  rows AS (
    SELECT s.* EXCLUDE (seed_no, dt, sa_record_id, sa_event_time, eventid, sourceipaddress),
           md5(CAST(r.range * 1000 + s.seed_no AS VARCHAR)) AS sa_record_id,
           TIMESTAMPTZ '2024-05-01 00:00:00+00' + to_microseconds(CAST(((r.range * 7919 + s.seed_no * 104729) %% 864000) AS BIGINT) * 1000000) AS sa_event_time,
           CAST(uuid() AS VARCHAR) AS eventid,
           '198.51.' || CAST(r.range %% 256 AS VARCHAR) || '.' || CAST(s.seed_no %% 256 AS VARCHAR) AS sourceipaddress
    FROM s CROSS JOIN range(%d) AS r
    LIMIT %d)
  SELECT *, strftime(sa_event_time, '%%Y-%%m-%%d-%%H') AS dt FROM rows
) TO %s (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (dt), ROW_GROUP_SIZE 1048576)`,
		duckdbtest.Quote(seedGlob), copies, n, duckdbtest.Quote(out))
	if _, err := db.Exec(stmt); err != nil {
		b.Fatalf("generate the benchmark lake: %v", err)
	}
	if err := os.WriteFile(done, []byte(strconv.Itoa(n)), 0o644); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d rows in %s in %v", n, dir, time.Since(start).Round(time.Second))
	return dir
}

// BenchmarkBacktest measures the DuckDB scan rate of compiled rules over a
// lake of ten million CloudTrail rows: an equality rule (declared
// columns), a rule reading a JSON path and a regex rule with a `not`.
func BenchmarkBacktest(b *testing.B) {
	n := benchRows
	if s := os.Getenv("STREAMALERT_BENCH_ROWS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("STREAMALERT_BENCH_ROWS=%q", s)
		}
		n = v
	}
	reg := testRegistry(b)
	dir := benchLake(b, reg, n)
	files, _ := filepath.Glob("../rules/testdata/sigma/aws_cloudtrail/*.yml")
	sigma, errs := rules.LoadFiles(files, reg)
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	threads := 2
	if s := os.Getenv("STREAMALERT_BENCH_THREADS"); s != "" {
		threads, _ = strconv.Atoi(s)
	}
	e, err := Open(context.Background(), dir, reg.All(), Options{Threads: threads})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	rng := queries.TimeRange{From: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 5, 11, 0, 0, 0, 0, time.UTC)}
	for _, name := range []string{"aws_cloudtrail_disable_logging", "aws_ec2_startup_script_change", "aws_cloudtrail_imds_malicious_usage"} {
		r := sigma.Get(name)
		if r == nil {
			b.Fatalf("no rule %s", name)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var res []RuleResult
			cpu0, cpuOK := processCPU()
			for b.Loop() {
				res, err = e.Backtest(context.Background(), []*rules.Rule{r}, rng, BacktestOptions{Samples: -1, OnMatch: func(Match) error { return nil }})
				if err != nil || res[0].Err != nil {
					b.Fatalf("%v %v", err, res[0].Err)
				}
			}
			if res[0].BytesScanned == 0 || res[0].Files == 0 {
				b.Fatalf("the rule read nothing: %+v", res[0])
			}
			perOp := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(float64(n)/perOp, "rows/s")
			if cpu1, ok := processCPU(); ok && cpuOK {
				b.ReportMetric(float64(n)*float64(b.N)/(cpu1-cpu0).Seconds(), "rows/CPU-s")
			}
			b.ReportMetric(float64(res[0].BytesScanned)/1e6, "MB_scanned/op")
			b.ReportMetric(float64(res[0].Matches), "matches/op")
		})
	}
}
