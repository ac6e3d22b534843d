package lambda_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/historical/scheduler"
	"github.com/streamalert/streamalert/historical/sqlengine"
	"github.com/streamalert/streamalert/internal/athenatest"
	"github.com/streamalert/streamalert/internal/lambdatest"
	"github.com/streamalert/streamalert/metrics"
	"github.com/streamalert/streamalert/realtime/lambdafn"
	"github.com/streamalert/streamalert/realtime/lambdafn/huntsfn"
)

// The hunts of the emulator test: one raising alerts, one fed back to the
// classifier, where a rule alerts on its record.
const (
	huntsConfigHistorical = `athena:
  workgroup: lambdatest_hunts
  database: satest
  price_per_tb: 5
scheduler:
  delay: 1m
hunts:
  pack: false
`
	huntsConfigHunts = `name: lt_denied_burst
description: principals refused many times in an hour
schedule: 1h
severity: medium
key: [arn]
sql: |
  SELECT useridentity.arn AS arn, count(*) AS denied
  FROM cloudtrail_events
  WHERE dt >= {{dt_start}} AND dt <= {{dt_end}}
    AND sa_event_time >= {{start}} AND sa_event_time < {{end}}
    AND errorcode = 'AccessDenied'
  GROUP BY useridentity.arn
---
name: lt_trail_changes
description: trail changes per hour, fed back as a streamquery record
schedule: 1h
severity: low
output: feed
sql: |
  SELECT eventname, count(*) AS n
  FROM cloudtrail_events
  WHERE dt >= {{dt_start}} AND dt <= {{dt_end}}
    AND sa_event_time >= {{start}} AND sa_event_time < {{end}}
    AND eventsource = 'cloudtrail.amazonaws.com'
  GROUP BY eventname
`
	huntsConfigFeedRule = `name: lt_trail_changes_found
title: Trail changes found by a hunt
description: the lt_trail_changes hunt found rows
severity: low
logs: [streamquery:results]
detection:
  selection:
    execution.name: lt_trail_changes
    data.count|gt: 0
  condition: selection
outputs: [webhook:soc]
`
)

// huntsConfig is the fixtures' config with the hunts above.
func huntsConfig(t *testing.T) []byte {
	t.Helper()
	conf := fstest.MapFS{}
	err := fs.WalkDir(lambdatest.ConfigFS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(lambdatest.ConfigFS(), p)
		conf[p] = &fstest.MapFile{Data: b, Mode: 0o644}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	conf["historical.yaml"] = &fstest.MapFile{Data: []byte(huntsConfigHistorical)}
	conf["hunts/lambdatest.yaml"] = &fstest.MapFile{Data: []byte(huntsConfigHunts)}
	conf["rules/feed.yaml"] = &fstest.MapFile{Data: []byte(huntsConfigFeedRule)}
	return lambdatest.TarGz(t, conf)
}

// fakeAthena answers every query with one row per window (the key is the
// same, so each window raises one alert whose id names the window) and
// fails the first fail queries, as Athena fails a query with a reason.
type fakeAthena struct {
	mu   sync.Mutex
	fail int
	sqls []string
}

func (f *fakeAthena) execute(_ context.Context, sql string) (*sqlengine.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sqls = append(f.sqls, sql)
	if f.fail > 0 {
		f.fail--
		return nil, fmt.Errorf("HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split s3://satest-lake/parquet/cloudtrail_events/dt=2024-06-10-11/part-0.parquet")
	}
	if strings.Contains(sql, "AccessDenied") {
		return &sqlengine.Result{Columns: []string{"arn", "denied"}, Rows: [][]any{{"arn:aws:iam::123456789012:user/mallory", int64(40)}},
			Stats: sqlengine.Stats{BytesScanned: 3 << 20}}, nil
	}
	return &sqlengine.Result{Columns: []string{"eventname", "n"}, Rows: [][]any{{"StopLogging", int64(1)}}, Stats: sqlengine.Stats{BytesScanned: 1 << 20}}, nil
}

// TestEmulator_Hunts runs the packaged hunts function under the emulator
// against the local Athena and dynalite, invoked as EventBridge Scheduler
// invokes it (the hunt's name and the scheduled time). A window whose
// query fails makes the invocation fail; its retry (the same scheduled
// time) runs that window, a further retry runs nothing, and the next
// schedule runs every window since, none skipped, none twice. A feed hunt's
// rows reach Firehose as a streamquery:results record that a rule alerts on.
func TestEmulator_Hunts(t *testing.T) {
	lambdatest.RIE(t)
	ddb := lambdatest.StartDynalite(t)
	store := lambdatest.AlertTable(t, ddb, lambdatest.AlertsTable)
	fh := lambdatest.Firehose(t)
	objects := lambdatest.S3Objects(t)
	objects[lambdatest.ConfigBucket][lambdatest.ConfigKey] = huntsConfig(t)
	s3 := lambdatest.FakeS3(t, objects)
	ath := athenatest.NewServer()
	t.Cleanup(ath.Close)
	ath.WorkGroups = map[string]athenatest.WorkGroup{"lambdatest_hunts": {OutputLocation: "s3://satest-results/results/", Enforce: true}}
	fake := &fakeAthena{fail: 1}
	ath.Execute = fake.execute
	bins := packageFunctions(t)
	env := append(lambdatest.AWSEnv(map[string]string{"S3": s3.URL, "FIREHOSE": fh.URL, "DYNAMODB": ddb, "ATHENA": ath.URL}),
		lambdafn.EnvConfigS3+"=s3://"+lambdatest.ConfigBucket+"/"+lambdatest.ConfigKey,
		lambdafn.EnvS3PathStyle+"=true", lambdafn.EnvFunctionName+"=lambdatest_streamalert_hunts")
	fn := lambdatest.StartRIE(t, bins["hunts"], env...)

	invoke := func(event string, wantOK bool, want ...string) huntsfn.Result {
		t.Helper()
		body, ok := fn.Invoke(t, []byte(event))
		if ok != wantOK {
			t.Fatalf("%s: function error %v, want %v: %s", event, !ok, !wantOK, body)
		}
		if !ok {
			return huntsfn.Result{}
		}
		var res huntsfn.Result
		if err := json.Unmarshal(body, &res); err != nil {
			t.Fatalf("%s: %s: %v", event, body, err)
		}
		var got []string
		for _, r := range res.Runs {
			got = append(got, r.Hunt+" "+r.WindowStart.Format("15:04")+"-"+r.WindowEnd.Format("15:04"))
			if r.Error != "" || r.Engine != "athena" || r.QueryID == "" || r.BytesScanned == 0 || r.CostUSD <= 0 {
				t.Errorf("%s: run %+v", event, r)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s ran %v, want %v", event, got, want)
		}
		return res
	}
	const denied = `{"source":"streamalert.schedule","hunt":"lt_denied_burst","time":"%s"}`
	first := fmt.Sprintf(denied, "2024-06-10T12:02:00Z")
	// The query fails: the invocation fails, so that the scheduler retries.
	body, ok := fn.Invoke(t, []byte(first))
	if ok || !strings.Contains(string(body), "HIVE_CANNOT_OPEN_SPLIT") || !strings.Contains(string(body), "tried again") {
		t.Fatalf("failing window: function error %v: %s", !ok, body)
	}
	invoke(first, true, "lt_denied_burst 11:00-12:00") // the retry runs it
	invoke(first, true)                                // a duplicate delivery runs nothing
	later := fmt.Sprintf(denied, "2024-06-10T15:01:30Z")
	invoke(later, true, "lt_denied_burst 12:00-13:00", "lt_denied_burst 13:00-14:00", "lt_denied_burst 14:00-15:00")
	invoke(later, true)
	// A tick without a hunt runs every hunt due: the feed hunt's latest
	// window (its first run).
	invoke(`{"time":"2024-06-10T15:01:30Z"}`, true, "lt_trail_changes 14:00-15:00")
	fn.Stop()
	// One EMF line per invocation, the failing one included.
	emf := emfLines(t, fn.Proc.Output(), "lambdatest_streamalert_hunts", 6)
	if runs, fails, alerted, scanned := sum(emf, huntsfn.MetricRuns), sum(emf, huntsfn.MetricFailures), sum(emf, metrics.Alerts), sum(emf, huntsfn.MetricBytesScanned); runs != 6 || fails != 1 || alerted != 4 || scanned != 4*(3<<20)+1<<20 {
		t.Errorf("hunts metrics: %v runs, %v failures, %v alerts, %v bytes scanned; want 6, 1, 4, %d", runs, fails, alerted, scanned, 4*(3<<20)+1<<20)
	}

	fake.mu.Lock()
	sqls := slices.Clone(fake.sqls)
	fake.mu.Unlock()
	if len(sqls) != 6 {
		t.Errorf("%d queries ran, want 6 (a failure, its retry, three windows, the feed hunt)", len(sqls))
	}
	for _, sql := range sqls {
		if !strings.Contains(sql, "dt >= '2024-06-10-") || !strings.Contains(sql, "dt <= '2024-06-10-") {
			t.Errorf("a query without its dt partition bound:\n%s", sql)
		}
	}
	all, err := store.List(context.Background(), alerts.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]int{}
	for _, a := range all {
		rules[a.Rule]++
	}
	if want := map[string]int{"lt_denied_burst": 4, "lt_trail_changes_found": 1}; !maps.Equal(rules, want) {
		t.Errorf("alerts by rule %v, want %v (one per window, the feed's rule once)", rules, want)
	}
	// The feed's record, and every new alert in the lake's alerts table.
	if got, want := lambdatest.Records(fh), map[string]int{"streamquery_results": 1, "alerts": 5}; !maps.Equal(got, want) {
		t.Errorf("records per table %v, want %v", got, want)
	}
	// The run records in the alert table: each window once, the failure
	// first.
	runs, err := scheduler.NewDynamoStore(lambdatest.DynamoClient(ddb), lambdatest.AlertsTable).Runs(context.Background(), "lt_denied_burst")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range runs {
		w := r.WindowStart.Format("15:04") + "-" + r.WindowEnd.Format("15:04")
		if r.Error != "" {
			w += " failed"
		}
		got = append(got, w)
	}
	if want := []string{"11:00-12:00 failed", "11:00-12:00", "12:00-13:00", "13:00-14:00", "14:00-15:00"}; !slices.Equal(got, want) {
		t.Errorf("recorded runs %v, want %v", got, want)
	}
}

// TestHuntsLambda_LinksAthenaNotDuckDB: the hunts function links the
// Athena engine and the scheduler, and neither DuckDB nor cgo.
func TestHuntsLambda_LinksAthenaNotDuckDB(t *testing.T) {
	cmd := exec.Command(lambdatest.GoCommand(t), "list", "-deps", "-tags", "lambda.norpc", "./cmd/lambda/hunts")
	cmd.Dir = moduleRoot(t)
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	const mod = "github.com/streamalert/streamalert/"
	for _, want := range []string{mod + "historical/athena", mod + "historical/scheduler", mod + "realtime/lambdafn/huntsfn"} {
		if !slices.Contains(deps, want) {
			t.Errorf("the hunts function does not link %s: is the pattern right?", want)
		}
	}
	for _, d := range deps {
		if strings.Contains(d, "duckdb") || strings.Contains(d, "apache/arrow") || d == "runtime/cgo" || d == mod+"historical" {
			t.Errorf("the hunts function depends on %s", d)
		}
	}
}
