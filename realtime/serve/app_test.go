package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/internal/duckdbtest"
	"github.com/streamalert/streamalert/internal/schematest"
)

// testConfig writes the example config with the syslog source on a free
// port and returns it loaded.
func testConfig(t testing.TB) *config.Config {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "conf")
	if err := config.Init(dir); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "sources.yaml")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, bytes.Replace(b, []byte("listen: 127.0.0.1:5514"), []byte("listen: 127.0.0.1:0"), 1), 0o600)
	cfg, ps := config.LoadDir(dir)
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	return cfg
}

// cloudTrailRecord makes a distinct CloudTrail record; StopLogging ones
// fire the pack's cloudtrail_logging_stopped rule.
var quietLog = slog.New(slog.DiscardHandler)

func post(t *testing.T, url, token string, body []byte) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServe_HTTPAndSyslogToLakeAlertsAndMetrics(t *testing.T) {
	cfg := testConfig(t)
	cfg.Global.ParquetCompression = "snappy" // checked below: the lake writer takes it
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	app, err := OpenApp(ctx, cfg, data, AppOptions{CommitInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, "127.0.0.1:0", func(a string) { addrc <- a }) }()
	base := "http://" + <-addrc
	src, _ := cfg.Source("http")

	// CloudTrail as a JSON array, VPC flow as text lines, one bad line.
	var trail []string
	for i := 0; i < 50; i++ {
		ev := "DescribeInstances"
		if i%10 == 0 {
			ev = "StopLogging"
		}
		trail = append(trail, schematest.CloudTrailRecord(i, ev))
	}
	code, body := post(t, base+"/v1/ingest/http", src.Token, []byte("["+strings.Join(trail, ",")+"]"))
	if code != http.StatusAccepted || body["accepted"] != float64(50) {
		t.Fatalf("cloudtrail post: %d %v", code, body)
	}
	flow := "2 123456789012 eni-0a1b2c3d 10.0.1.5 203.0.113.66 44321 443 6 25 120000 1714557600 1714557660 ACCEPT OK\n" +
		"2 123456789012 eni-0a1b2c3d 10.0.1.6 10.0.2.9 5353 53 17 2 180 1714557600 1714557660 REJECT OK\n" +
		"this line is no log format at all\n"
	if code, body = post(t, base+"/v1/ingest/http", src.Token, []byte(flow)); code != http.StatusAccepted || body["accepted"] != float64(3) {
		t.Fatalf("flow post: %d %v", code, body)
	}
	// Refusals: wrong token, unknown source, empty body.
	if code, _ := post(t, base+"/v1/ingest/http", "wrong", []byte("x")); code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", code)
	}
	if code, _ := post(t, base+"/v1/ingest/nope", src.Token, []byte("x")); code != http.StatusNotFound {
		t.Errorf("unknown source: %d", code)
	}
	if code, _ := post(t, base+"/v1/ingest/http", src.Token, nil); code != http.StatusBadRequest {
		t.Errorf("empty body: %d", code)
	}

	// Syslog: one UDP datagram, two TCP frames (octet-counted and newline).
	addrs := app.SyslogAddrs()["syslog"]
	u, err := net.Dial("udp", addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(u, "<38>Mar  3 10:16:44 web01 sshd[21901]: Invalid user admin from 198.51.100.23 port 40022")
	u.Close()
	c, err := net.Dial("tcp", addrs[1])
	if err != nil {
		t.Fatal(err)
	}
	m1 := "<38>Mar  3 10:16:45 web01 sshd[21902]: Failed password for root from 198.51.100.23 port 40023 ssh2"
	fmt.Fprintf(c, "%d %s", len(m1), m1)
	fmt.Fprint(c, "<38>Mar  3 10:16:46 web01 sshd[21903]: Accepted password for alice from 203.0.113.5 port 52144 ssh2\n")
	c.Close()

	const want = 50 + 3 + 3
	m := app.Metrics
	waitFor(t, "all records through the pipeline", func() bool { return m.Sum("streamalert_records_in_total") == want })

	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	text.ReadFrom(resp.Body)
	resp.Body.Close()
	for _, s := range []string{`streamalert_records_classified_total{source="http",log_type="cloudtrail:events"} 50`,
		`streamalert_records_unclassified_total{source="http"} 1`, `streamalert_queue_depth`} {
		if !strings.Contains(text.String(), s) {
			t.Errorf("/metrics lacks %s:\n%s", s, text.String())
		}
	}
	if in, cl, un := m.Sum("streamalert_records_in_total"), m.Sum("streamalert_records_classified_total"), m.Sum("streamalert_records_unclassified_total"); in != cl+un || un != 1 {
		t.Errorf("metrics do not add up: in %d, classified %d, unclassified %d", in, cl, un)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}

	// The lake, read with DuckDB through the tables' own views.
	db := duckdbtest.Open(t)
	lake := filepath.Join(data, "lake")
	for _, lt := range []string{"cloudtrail:events", "aws:vpc_flow"} {
		duckdbtest.Exec(t, db, app.Registry.Get(lt).DuckDBView(lake))
	}
	duckdbtest.Exec(t, db, firehose.Unclassified.DuckDBView(lake))
	codecs := duckdbtest.Query(t, db, "SELECT DISTINCT compression FROM parquet_metadata("+duckdbtest.Quote(filepath.Join(lake, "parquet/*/*/*.parquet"))+")")
	if fmt.Sprint(codecs) != "[[SNAPPY]]" {
		t.Errorf("lake files compressed with %v, want SNAPPY (parquet_compression: snappy)", codecs)
	}
	counts := map[string]int64{}
	for _, table := range []string{"cloudtrail_events", "aws_vpc_flow", "unclassified"} {
		rows := duckdbtest.Query(t, db, "SELECT count(*), count(DISTINCT sa_record_id) FROM "+table)
		if rows[0][0] != rows[0][1] {
			t.Errorf("%s: %v rows but %v distinct ids", table, rows[0][0], rows[0][1])
		}
		counts[table] = rows[0][0].(int64)
	}
	if counts["cloudtrail_events"] != 50 || counts["aws_vpc_flow"] != 2 || counts["unclassified"] != 1 {
		t.Errorf("lake counts %v", counts)
	}
	rows := duckdbtest.Query(t, db, "SELECT reason FROM unclassified")
	if r, _ := rows[0][0].(string); !strings.Contains(r, ":") {
		t.Errorf("unclassified reason %q is not a reason", r)
	}
	var sshRows int64
	for _, lt := range app.Registry.All() {
		if strings.HasPrefix(lt.Name, "linux:") || strings.HasPrefix(lt.Name, "syslog:") {
			if _, err := os.Stat(filepath.Join(lake, "parquet", lt.Table())); err == nil {
				duckdbtest.Exec(t, db, lt.DuckDBView(lake))
				sshRows += duckdbtest.Query(t, db, "SELECT count(*) FROM "+lt.Table())[0][0].(int64)
			}
		}
	}
	if sshRows != 3 {
		t.Errorf("syslog messages in the lake: %d, want 3", sshRows)
	}

	// The alerts: every StopLogging record made exactly one alert.
	st, err := alerts.OpenBolt(alerts.DefaultStorePath(data))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.List(context.Background(), alerts.Filter{Rule: "cloudtrail_logging_stopped"})
	if err != nil {
		t.Fatal(err)
	}
	records := map[string]bool{}
	for _, a := range got {
		if a.RecordID != "" && a.Merge == nil {
			records[a.RecordID] = true
		}
	}
	if len(records) != 5 {
		t.Errorf("cloudtrail_logging_stopped alerts cover %d records, want 5", len(records))
	}
}
