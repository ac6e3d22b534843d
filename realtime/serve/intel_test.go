package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/intel"
	"github.com/streamalert/streamalert/internal/schematest"
)

// stixBundle lists 192.0.2.0/24 (never expiring) and 198.18.0.9 (valid
// until 2030-01-01) as command and control addresses.
const stixBundle = `{
  "type": "bundle",
  "id": "bundle--0b4d3c86-64a4-4c8e-9a39-2f3f2b7c1d01",
  "objects": [
    {
      "type": "indicator", "spec_version": "2.1",
      "id": "indicator--1c1e2f6a-3b1d-4c55-8f0e-6b7a4b2f9a11",
      "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
      "name": "C2 network", "pattern_type": "stix",
      "pattern": "[ipv4-addr:value = '192.0.2.0/24']",
      "valid_from": "2026-01-01T00:00:00Z"
    },
    {
      "type": "indicator", "spec_version": "2.1",
      "id": "indicator--5a7e8d2c-9f4b-4e1a-b6c3-0d2e1f3a4b22",
      "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
      "name": "short-lived C2", "pattern_type": "stix",
      "pattern": "[ipv4-addr:value = '198.18.0.9']",
      "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2030-01-01T00:00:00Z"
    }
  ]
}`

// trailFrom makes CloudTrail record i with sourceIPAddress ip.
func trailFrom(i int, ip string) string {
	rec := schematest.CloudTrailRecord(i, "DescribeInstances")
	return strings.Replace(rec, fmt.Sprintf(`"sourceIPAddress":"198.51.100.%d"`, i%250+1), `"sourceIPAddress":"`+ip+`"`, 1)
}

// TestServe_IOCsFromTheConfigAlert runs serve with a STIX bundle in iocs/
// and an allow-list in intel.yaml: a listed address alerts through the
// pack's intel_ioc_ip_address rule, an address of an excluded network
// never does, and an IOC stops matching once it has expired.
func TestServe_IOCsFromTheConfigAlert(t *testing.T) {
	cfg := testConfig(t)
	if err := os.WriteFile(filepath.Join(cfg.Dir, "iocs", "c2-bundle.json"), []byte(stixBundle), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg.Dir, "intel.yaml"), []byte("excluded_iocs: [192.0.2.192/26]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	app, err := OpenApp(ctx, cfg, data, AppOptions{CommitInterval: 200 * time.Millisecond, Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	if app.Intel.Store.Get("c2-bundle") == nil {
		t.Fatalf("iocs/c2-bundle.json is not loaded: %s", app.Intel)
	}
	// Expiry is judged by the store's clock: before 2030, then after.
	var clock atomic.Int64
	clock.Store(time.Date(2029, 6, 1, 0, 0, 0, 0, time.UTC).Unix())
	app.Intel.Store.Now = func() time.Time { return time.Unix(clock.Load(), 0) }

	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, "127.0.0.1:0", func(a string) { addrc <- a }) }()
	base := "http://" + <-addrc
	src, _ := cfg.Source("http")
	send := func(recs ...string) {
		t.Helper()
		code, body := post(t, base+"/v1/ingest/http", src.Token, []byte("["+strings.Join(recs, ",")+"]"))
		if code != http.StatusAccepted || body["accepted"] != float64(len(recs)) {
			t.Fatalf("cloudtrail post: %d %v", code, body)
		}
	}
	m := app.Metrics
	send(trailFrom(1, "192.0.2.77"), // listed (in 192.0.2.0/24)
		trailFrom(2, "192.0.2.200"), // listed, but in the excluded 192.0.2.192/26
		trailFrom(3, "198.18.0.9"),  // listed until 2030
		trailFrom(4, "10.0.4.12"))   // not listed
	waitFor(t, "the first batch through the pipeline", func() bool { return m.Sum("streamalert_records_in_total") == 4 })
	clock.Store(time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC).Unix())
	send(trailFrom(5, "198.18.0.9"), // expired
		trailFrom(6, "192.0.2.77"), // still listed
		trailFrom(7, "192.0.2.201"))
	waitFor(t, "the second batch through the pipeline", func() bool { return m.Sum("streamalert_records_in_total") == 7 })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}

	st, err := alerts.OpenBolt(alerts.DefaultStorePath(data))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.List(context.Background(), alerts.Filter{Rule: "intel_ioc_ip_address"})
	if err != nil {
		t.Fatal(err)
	}
	alerted := map[string]bool{} // eventID of each alerting record
	for _, a := range got {
		id, _ := a.Record["eventID"].(string)
		alerted[id] = true
		js, _ := json.Marshal(a)
		ip, _ := a.Record["sourceIPAddress"].(string)
		if !strings.Contains(string(js), `"`+ip+`"`) || !strings.Contains(string(js), "c2-bundle") {
			t.Errorf("alert JSON lacks the matched value %s or its set c2-bundle: %s", ip, js)
		}
	}
	for i := 1; i <= 7; i++ {
		want := i == 1 || i == 3 || i == 6
		if id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i); alerted[id] != want {
			t.Errorf("record %d: alerted %v, want %v", i, alerted[id], want)
		}
	}

	// The snapshot of the sets went to the lake for SQL.
	files, _ := filepath.Glob(filepath.Join(data, "lake", "parquet", intel.IOCTable.Table(), "*", "*.parquet"))
	if len(files) == 0 {
		t.Errorf("no %s snapshot in the lake", intel.IOCTable.Table())
	}
}
