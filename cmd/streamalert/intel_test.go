package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sweepCloudTrail = `{"Records": [
{"eventVersion": "1.08", "eventTime": "2026-01-02T01:00:00Z", "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.66", "eventID": "s1", "eventType": "AwsConsoleSignIn", "userIdentity": {"type": "IAMUser", "userName": "alice"}},
{"eventVersion": "1.08", "eventTime": "2026-01-02T01:05:00Z", "eventSource": "s3.amazonaws.com", "eventName": "GetObject", "awsRegion": "us-east-1", "sourceIPAddress": "192.0.2.200", "eventID": "s2", "eventType": "AwsApiCall", "userIdentity": {"type": "IAMUser", "userName": "bob"}},
{"eventVersion": "1.08", "eventTime": "2026-01-02T01:06:00Z", "eventSource": "s3.amazonaws.com", "eventName": "GetObject", "awsRegion": "us-east-1", "sourceIPAddress": "10.1.2.3", "eventID": "s3", "eventType": "AwsApiCall", "userIdentity": {"type": "IAMUser", "userName": "carol"}}
]}`

// TestIntel_FetchListTestSweep runs the intel commands on a config with a
// feed served locally, a CSV in iocs/ and an allow-list.
func TestIntel_FetchListTestSweep(t *testing.T) {
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"1"`)
		if r.Header.Get("If-None-Match") == `"1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write([]byte("type,value,source,expires\nip,192.0.2.0/24,scanners,\n"))
	}))
	defer feed.Close()
	dir := filepath.Join(t.TempDir(), "conf")
	data := filepath.Join(t.TempDir(), "data")
	if _, errs, code := run(t, "init", dir); code != 0 {
		t.Fatal(errs)
	}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("intel.yaml", "feeds:\n  - name: scanners\n    url: "+feed.URL+"/scanners.csv\nexcluded_iocs: [192.0.2.128/25]\n")
	ctFile := filepath.Join(t.TempDir(), "ct.json")
	if err := os.WriteFile(ctFile, []byte(sweepCloudTrail), 0o644); err != nil {
		t.Fatal(err)
	}
	cli := func(args ...string) (string, string, int) {
		return run(t, append([]string{"--config", dir}, args...)...)
	}

	out, errs, code := cli("intel", "fetch", "--data", data)
	if code != 0 || !strings.Contains(out, "scanners: updated, 1 IOCs") {
		t.Fatalf("fetch: %d %s %s", code, out, errs)
	}
	if out, _, _ = cli("intel", "fetch", "--data", data); !strings.Contains(out, "scanners: not modified") {
		t.Errorf("second fetch: %s", out)
	}
	out, errs, code = cli("intel", "list", "--data", data, "--format", "json")
	if code != 0 {
		t.Fatal(errs)
	}
	var sets []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var s map[string]any
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("list line %q: %v", line, err)
		}
		sets = append(sets, s)
	}
	if len(sets) != 3 || sets[2]["name"] != "scanners" || sets[1]["name"] != "sample-feed" {
		t.Errorf("list: %s", out)
	}
	for _, c := range []struct {
		value string
		code  int
		want  string
	}{
		{"192.0.2.7", 0, "in set scanners as 192.0.2.0/24"},
		{"192.0.2.200", 1, "allow-listed by 192.0.2.128/25"},
		{"WWW.Sample-Intel.Example.", 0, "in set sample-feed as sample-intel.example"},
		{"8.8.8.8", 1, "in no active set"},
	} {
		out, errs, code := cli("intel", "test", c.value, "--data", data)
		if code != c.code || !strings.Contains(out, c.want) {
			t.Errorf("test %s: %d %q %s; want %d and %q", c.value, code, out, errs, c.code, c.want)
		}
	}

	if _, errs, code := cli("ingest", "--data", data, ctFile); code != 0 {
		t.Fatalf("ingest: %s", errs)
	}
	out, errs, code = cli("intel", "sweep", "--since", "3650d", "--data", data)
	if code != 0 {
		t.Fatalf("sweep: %s", errs)
	}
	var hits []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var h map[string]any
		if err := json.Unmarshal([]byte(line), &h); err != nil {
			t.Fatalf("sweep line %q: %v", line, err)
		}
		hits = append(hits, h)
	}
	// 203.0.113.66 is in the sample feed and the example's demo list;
	// 192.0.2.200 is in the feed's network but allow-listed.
	if len(hits) != 2 || hits[0]["value"] != "203.0.113.66" || hits[0]["log_type"] != "cloudtrail:events" || hits[0]["record_id"] == "" || hits[0]["event_time"] != "2026-01-02T01:00:00Z" {
		t.Errorf("sweep hits: %s", out)
	}
	// ingest loads the config's intel, so the record alerted while
	// streaming: the sweep's hits carry the same alert id and are replays.
	if !strings.Contains(errs, "alerts: 0 new, 2 already raised") {
		t.Errorf("sweep alerts: %s", errs)
	}
	_, errs, _ = cli("intel", "sweep", "--since", "3650d", "--data", data)
	if !strings.Contains(errs, "alerts: 0 new, 2 already raised") {
		t.Errorf("a second sweep alerted again: %s", errs)
	}
	out, _, _ = cli("alerts", "list", "--data", data, "--format", "json")
	if strings.Count(out, `"rule":"intel_ioc_ip_address"`) != 1 || !strings.Contains(out, `"ioc":"203.0.113.66"`) || strings.Contains(out, `"sweep":true`) {
		t.Errorf("alerts (want the one streaming alert, not a sweep's): %s", out)
	}
	if out, _, code := cli("intel", "sweep", "--sql", "--engine", "athena", "--since", "1d"); code != 0 || !strings.Contains(out, "CROSS JOIN UNNEST") {
		t.Errorf("sweep --sql: %d %.300s", code, out)
	}
}
