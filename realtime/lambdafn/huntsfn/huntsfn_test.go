package huntsfn_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsathena "github.com/aws/aws-sdk-go-v2/service/athena"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/historical/scheduler"
	"github.com/streamalert/streamalert/historical/sqlengine"
	"github.com/streamalert/streamalert/internal/athenatest"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/internal/lambdatest"
	"github.com/streamalert/streamalert/realtime/lambdafn/huntsfn"
)

const hunt = `name: denied
description: refused calls per principal
schedule: 1h
key: [arn]
sql: |
  SELECT useridentity.arn AS arn, count(*) AS n
  FROM cloudtrail_events
  WHERE dt >= {{dt_start}} AND dt <= {{dt_end}}
    AND sa_event_time >= {{start}} AND sa_event_time < {{end}}
    AND errorcode = 'AccessDenied'
  GROUP BY useridentity.arn
`

// setup builds the function over a config with historical (its
// historical.yaml), the local Athena, a file run store and a bolt alert
// store.
func setup(t *testing.T, historical string, env map[string]string, now time.Time) (*huntsfn.Function, *athenatest.Server, error) {
	t.Helper()
	conf := fstest.MapFS{
		"global.yaml":     {Data: []byte("prefix: t\nregion: us-east-1\nrules:\n  pack: false\n")},
		"hunts/h.yaml":    {Data: []byte(hunt)},
		"historical.yaml": {Data: []byte(historical)},
		"sources.yaml":    {Data: []byte("{}\n")},
		"outputs.yaml":    {Data: []byte("{}\n")},
	}
	cfg, ps := config.Load(conf, "conf")
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	srv := athenatest.NewServer()
	t.Cleanup(srv.Close)
	srv.WorkGroups = map[string]athenatest.WorkGroup{"wg": {OutputLocation: "s3://results/", Enforce: true}}
	srv.Execute = func(context.Context, string) (*sqlengine.Result, error) {
		return &sqlengine.Result{Columns: []string{"arn", "n"}, Rows: [][]any{{"arn:aws:iam::1:user/eve", int64(3)}}}, nil
	}
	client := awsathena.NewFromConfig(lambdatest.AWSConfig(), func(o *awsathena.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	dir := t.TempDir()
	store, err := alerts.OpenBolt(filepath.Join(dir, "alerts.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	f, err := huntsfn.New(huntsfn.Options{Config: cfg, Athena: client, Runs: scheduler.OpenStore(filepath.Join(dir, "runs")),
		Alerts: store, Env: func(k string) string { return env[k] }, Now: func() time.Time { return now }})
	return f, srv, err
}

func TestNew_NeedsAWorkgroup(t *testing.T) {
	now := time.Date(2024, 6, 10, 12, 30, 0, 0, time.UTC)
	if _, _, err := setup(t, "hunts:\n  pack: false\n", nil, now); err == nil || !strings.Contains(err.Error(), huntsfn.EnvAthenaWorkGroup) {
		t.Errorf("no workgroup: %v", err)
	}
	f, _, err := setup(t, "hunts:\n  pack: false\n", map[string]string{huntsfn.EnvAthenaWorkGroup: "wg"}, now)
	if err != nil {
		t.Fatalf("workgroup from the environment: %v", err)
	}
	if got := strings.Join(f.Hunts(), ","); got != "denied" {
		t.Errorf("hunts %s, want denied (the pack is off)", got)
	}
}

// TestHandle_Events: the scheduled time sets the windows (a time after
// now is now); bad events and unknown hunts are errors before anything
// runs.
func TestHandle_Events(t *testing.T) {
	now := time.Date(2024, 6, 10, 12, 30, 0, 0, time.UTC)
	f, srv, err := setup(t, "athena:\n  workgroup: wg\nhunts:\n  pack: false\nscheduler:\n  delay: 0s\n", nil, now)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct{ event, err string }{
		{`{"hunt":"nope"}`, "no hunt nope"},
		{`{"hunt":"denied","time":"yesterday"}`, `event time "yesterday"`},
		{`[1]`, "decode event"},
	} {
		if _, err := f.Handle(ctx, json.RawMessage(c.event)); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: %v, want %q", c.event, err, c.err)
		}
	}
	if n := srv.Calls("StartQueryExecution"); n != 0 {
		t.Fatalf("%d queries started by bad events", n)
	}
	res, err := f.Handle(ctx, json.RawMessage(`{"hunt":"denied","time":"2024-06-10T11:00:00Z"}`))
	if err != nil || len(res.Runs) != 1 || res.Runs[0].WindowEnd.Format("15:04") != "11:00" || res.Runs[0].Alerts != 1 {
		t.Fatalf("scheduled at 11:00: %+v %v", res, err)
	}
	// A scheduled time in the future is taken as now: the 11:00-12:00 window.
	res, err = f.Handle(ctx, json.RawMessage(`{"time":"2030-01-01T00:00:00Z"}`))
	if err != nil || len(res.Runs) != 1 || res.Runs[0].WindowEnd.Format("15:04") != "12:00" || !res.Time.Equal(now) {
		t.Fatalf("scheduled in the future: %+v %v", res, err)
	}
	if res, err := f.Handle(ctx, nil); err != nil || len(res.Runs) != 0 {
		t.Errorf("empty event, nothing due: %+v %v", res, err)
	}
}
