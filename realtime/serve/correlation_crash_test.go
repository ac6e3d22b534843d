package serve

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/internal/schematest"
)

// TestCorrelationCrashChild is the server process of
// TestServe_KillDashNineMidSequence; it runs only when that test starts
// it. It commits only when asked (admin API) and at shutdown.
func TestCorrelationCrashChild(t *testing.T) {
	serveAsChild(t, "SA_CORR", AppOptions{CommitInterval: time.Hour, NoOutputs: true})
}

func startCorrelationChild(t *testing.T, conf, data string) (*exec.Cmd, string) {
	return startServeChild(t, "TestCorrelationCrashChild", "SA_CORR", conf, data)
}

// metricValue reads one line of /metrics; -1 when it is absent.
func metricValue(t *testing.T, base, key string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, key+" "); ok {
			var f float64
			fmt.Sscan(v, &f)
			return f
		}
	}
	return -1
}

// kill -9 in the middle of a sequence (its first steps committed with the
// correlation state, its last step only in the ingest log), restart: the
// sequence completes, once. kill -9 again after the alert, before any
// commit: the replay raises the same alert, which is not stored twice.
func TestServe_KillDashNineMidSequence(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	cfg := testConfig(t)
	data := t.TempDir()
	src, _ := cfg.Source("http")
	ingest := func(base string, lines ...string) {
		t.Helper()
		if code, out := post(t, base+"/v1/ingest/http", src.Token, []byte(strings.Join(lines, "\n"))); code != http.StatusAccepted {
			t.Fatalf("ingest: %d %v", code, out)
		}
	}
	kill := func(c *exec.Cmd) {
		c.Process.Signal(syscall.SIGKILL)
		c.Wait()
	}
	const rule = "cloudtrail_iam_persistence_sequence"
	alertsKey := `streamalert_correlation_alerts_total{rule="` + rule + `"}`
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	x, y := "arn:aws:iam::111122223333:user/x", "arn:aws:iam::111122223333:user/y"

	child, base := startCorrelationChild(t, cfg.Dir, data)
	ingest(base, schematest.IAMCall(1, x, "CreateUser", t0), schematest.IAMCall(2, x, "AttachUserPolicy", t0.Add(time.Minute)))
	if _, err := DialAdmin(data).Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	ingest(base, schematest.IAMCall(3, x, "CreateAccessKey", t0.Add(2*time.Minute)))
	kill(child)

	child, base = startCorrelationChild(t, cfg.Dir, data)
	if v := metricValue(t, base, alertsKey); v != 0 {
		t.Fatalf("after the restart, before the frontier passed: %s = %g, want 0", alertsKey, v)
	}
	// A later event of the rule moves its frontier past the sequence.
	ingest(base, schematest.IAMCall(4, y, "CreateUser", t0.Add(20*time.Minute)))
	waitFor(t, "the sequence's alert", func() bool { return metricValue(t, base, alertsKey) == 1 })
	kill(child)

	child, base = startCorrelationChild(t, cfg.Dir, data)
	if v := metricValue(t, base, alertsKey); v != 1 {
		t.Errorf("after the second restart: %s = %g, want 1", alertsKey, v)
	}
	child.Process.Signal(syscall.SIGTERM)
	if err := child.Wait(); err != nil {
		t.Fatalf("restarted server: %v", err)
	}

	st, err := alerts.OpenBolt(alerts.DefaultStorePath(data))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	list, err := st.List(context.Background(), alerts.Filter{Rule: rule})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("%d alerts of %s, want 1", len(list), rule)
	}
	a := list[0]
	ids, _ := a.Record["record_ids"].([]any)
	if g, _ := a.Record["group"].(map[string]any); g["userIdentity.arn"] != x || len(ids) != 3 {
		t.Errorf("alert record %v: want group %s and 3 records", a.Record, x)
	}
	if !a.EventTime.Equal(t0.Add(2 * time.Minute)) {
		t.Errorf("alert event time %s, want the last step's", a.EventTime)
	}
}
