package config

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestHistorical_Athena(t *testing.T) {
	cfg := &Config{FS: fstestFS(HistoricalFile, "athena:\n  workgroup: wg\n  output_location: s3://r/\n  timeout: 10m\nscheduler:\n  delay: 5m\n")}
	h, ps := cfg.Historical()
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	if !h.Athena.Configured() || h.Athena.Timeout != 10*time.Minute || h.Scheduler.Delay != 5*time.Minute || !h.Hunts.Pack {
		t.Errorf("%+v", h)
	}
	cfg = &Config{FS: fstestFS(HistoricalFile, "athena:\n  workgroup: wg\n  timeout: -5m\n")}
	if _, ps := cfg.Historical(); len(ps) != 1 || ps[0].Line != 3 || !strings.Contains(ps[0].Msg, "athena.timeout") {
		t.Errorf("problems %v", ps)
	}
}

func fstestFS(name, text string) fstest.MapFS {
	return fstest.MapFS{name: {Data: []byte(text)}}
}
