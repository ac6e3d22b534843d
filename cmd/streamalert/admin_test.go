package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/realtime/serve"
)

// TestAlertCommands_WhileServeRuns runs the real `serve` command, posts a
// CloudTrail StopLogging event, and then uses the alert commands while
// serve holds the alert store: they go through its admin API. After serve
// stops, its admin file is gone and the same commands read the store
// directly and see the same alert. A store held without an admin file
// gives the plain "in use" error.
func TestAlertCommands_WhileServeRuns(t *testing.T) {
	dir := t.TempDir()
	conf, data := filepath.Join(dir, "conf"), filepath.Join(dir, "data")
	if _, errs, code := run(t, "init", conf); code != 0 {
		t.Fatalf("init: %s", errs)
	}
	srcPath := filepath.Join(conf, "sources.yaml")
	src, _ := os.ReadFile(srcPath)
	os.WriteFile(srcPath, bytes.Replace(src, []byte("listen: 127.0.0.1:5514"), []byte("listen: 127.0.0.1:0"), 1), 0o600)
	token := regexp.MustCompile(`token: (sa_[0-9a-f]+)`).FindSubmatch(src)
	if token == nil {
		t.Fatal("no HTTP token in sources.yaml")
	}
	const staged = "staged_stop_logging"
	os.WriteFile(filepath.Join(conf, "rules", "staged.yaml"), []byte(`name: staged_stop_logging
title: CloudTrail stopped (staged copy)
severity: high
logs: [cloudtrail:events]
detection:
  selection:
    eventName: StopLogging
  condition: selection
outputs: [file:alerts]
staged: true
`), 0o600)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root := newRoot()
	root.SetOut(&bytes.Buffer{})
	root.SetErr(&bytes.Buffer{})
	root.SetArgs([]string{"--log-format", "text", "--config", conf, "serve", "--listen", "127.0.0.1:0", "--data", data})
	served := make(chan error, 1)
	go func() { served <- root.ExecuteContext(ctx) }()

	var info serve.AdminInfo
	waitUntil(t, "serve's admin file", func() bool {
		var err error
		info, err = serve.ReadAdminInfo(data)
		return err == nil
	})
	if st, err := os.Stat(serve.AdminFile(data)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("admin file mode: %v %v", st, err)
	}
	event := `{"eventVersion":"1.08","eventTime":"2026-05-01T10:00:00Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/mallory","accountId":"111122223333","userName":"mallory"},"requestParameters":{"name":"main-trail"},"eventID":"00000000-0000-4000-8000-000000000001","eventType":"AwsApiCall","recipientAccountId":"111122223333"}`
	req, _ := http.NewRequest("POST", info.URL+"/v1/ingest/http", strings.NewReader(event))
	req.Header.Set("Authorization", "Bearer "+string(token[1]))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("ingest: %v %v", resp, err)
	}
	resp.Body.Close()

	// The admin API refuses anyone without the token.
	resp, err = http.Get(info.URL + "/v1/admin/alerts")
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("admin API without token: %v %v", resp, err)
	}
	resp.Body.Close()

	const rule = "cloudtrail_logging_stopped"
	listAlerts := func() []alerts.Alert {
		out, errs, code := run(t, "--config", conf, "alerts", "list", "--data", data, "--rule", rule, "--format", "json")
		if code != 0 {
			t.Fatalf("alerts list: %s", errs)
		}
		var as []alerts.Alert
		for line := range strings.Lines(out) {
			var a alerts.Alert
			if err := json.Unmarshal([]byte(line), &a); err != nil {
				t.Fatalf("alerts list line %q: %v", line, err)
			}
			as = append(as, a)
		}
		return as
	}
	var got []alerts.Alert
	waitUntil(t, "the alert, listed through serve", func() bool {
		got = listAlerts()
		return len(got) == 1
	})
	id := got[0].ID

	out, errs, code := run(t, "--config", conf, "alerts", "show", id[:10], "--data", data)
	if code != 0 || !strings.Contains(out, `"id": "`+id+`"`) || !strings.Contains(out, "mallory") {
		t.Fatalf("alerts show through serve: %d %s %s", code, out, errs)
	}
	if _, errs, code := run(t, "--config", conf, "alerts", "show", "ffffffffffff", "--data", data); code == 0 || !strings.Contains(errs, "no alert") {
		t.Fatalf("alerts show of an unknown id: %d %s", code, errs)
	}
	// ingest into the data directory serve holds goes through serve, for
	// any configured source; --url takes HTTP sources and says what to
	// type for the others.
	trudy := filepath.Join(dir, "trudy.json")
	os.WriteFile(trudy, []byte(strings.NewReplacer("mallory", "trudy", "-000000000001", "-000000000002", "StopLogging", "DeleteTrail").Replace(event)+"\n"), 0o600)
	if _, errs, code := run(t, "--config", conf, "ingest", "--data", data, trudy); code == 0 || !strings.Contains(errs, "--source files") {
		t.Fatalf("ingest without --source while serve runs: %d %s", code, errs)
	}
	if _, errs, code := run(t, "--config", conf, "ingest", "--url", info.URL, "--source", "files", trudy); code == 0 || !strings.Contains(errs, "use --source http") {
		t.Fatalf("ingest --url with a file source: %d %s", code, errs)
	}
	if out, errs, code := run(t, "--config", conf, "ingest", "--data", data, "--source", "files", trudy); code != 0 || !strings.Contains(out, "1 records accepted") {
		t.Fatalf("ingest --source files through serve: %d %s %s", code, out, errs)
	}
	waitUntil(t, "the alert of the file ingested through serve", func() bool {
		for _, a := range listAlerts() {
			if strings.Contains(a.KeyText()+fmt.Sprint(a.Record), "trudy") {
				return true
			}
		}
		return false
	})
	statusOf := func(name string) string {
		out, errs, code := run(t, "--config", conf, "rules", "list", "--data", data)
		if code != 0 || errs != "" {
			t.Fatalf("rules list: %d %s", code, errs)
		}
		for line := range strings.Lines(out) {
			if f := strings.Fields(line); len(f) > 0 && f[0] == name {
				return line
			}
		}
		t.Fatalf("rules list has no %s:\n%s", name, out)
		return ""
	}
	waitUntil(t, "the staged rule's alert", func() bool {
		out, _, _ := run(t, "--config", conf, "alerts", "list", "--data", data, "--rule", staged, "--status", "staged", "--format", "json")
		return strings.Count(out, "\n") == 1
	})
	if line := statusOf(staged); !strings.Contains(line, "staged since ") {
		t.Fatalf("rules list before promotion: %s", line)
	}
	if out, errs, code := run(t, "--config", conf, "rules", "staged", "--data", data); code != 0 || !strings.Contains(out, staged) {
		t.Fatalf("rules staged through serve: %s %s", out, errs)
	}
	if out, errs, code := run(t, "--config", conf, "rules", "promote", staged, "--release", "--data", data); code != 0 || !strings.Contains(out, "promoted "+staged) || !strings.Contains(out, "1 staged alerts released") {
		t.Fatalf("rules promote through serve: %s %s", out, errs)
	}
	if line := statusOf(staged); !strings.Contains(line, "promoted ") || !strings.Contains(line, "(manual)") {
		t.Fatalf("rules list after promotion: %s", line)
	}
	if out, errs, code := run(t, "--config", conf, "alerts", "retry", "--data", data); code != 0 || !strings.Contains(out, "made pending again") {
		t.Fatalf("alerts retry through serve: %s %s", out, errs)
	}

	cancel()
	if err := <-served; err != nil && err != context.Canceled {
		t.Fatalf("serve: %v", err)
	}
	if _, err := os.Stat(serve.AdminFile(data)); !os.IsNotExist(err) {
		t.Fatalf("admin file left after serve stopped: %v", err)
	}
	if after := listAlerts(); len(after) != 2 || after[0].ID != id && after[1].ID != id {
		t.Fatalf("alerts list from the store after serve: %+v", after)
	}
	if line := statusOf(staged); !strings.Contains(line, "(manual)") {
		t.Fatalf("rules list from the store after serve: %s", line)
	}

	// Held by another process that left no admin file: the plain error.
	st, err := alerts.OpenBolt(alerts.DefaultStorePath(data))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, errs, code := run(t, "--config", conf, "alerts", "list", "--data", data)
		if code == 0 || !strings.Contains(errs, "in use by another process") {
			t.Errorf("alerts list on a held store without serve: %d %s", code, errs)
		}
	}()
	<-done
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
