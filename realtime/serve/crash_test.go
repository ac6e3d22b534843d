package serve

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/internal/duckdbtest"
	"github.com/streamalert/streamalert/internal/schematest"
)

// TestCrashChild is the server process of TestServe_KillDashNineLosesNothing;
// it runs only when that test starts it.
func TestCrashChild(t *testing.T) {
	serveAsChild(t, "SA_CRASH", AppOptions{CommitInterval: 30 * time.Millisecond})
}

// serveAsChild runs serve in a crash test's child process, on the config
// and data directory the parent passed in PREFIX_CONF and PREFIX_DATA,
// writing its address to PREFIX_ADDR; without them (a plain go test run)
// it skips.
func serveAsChild(t *testing.T, prefix string, opts AppOptions) {
	confDir, data, addrFile := os.Getenv(prefix+"_CONF"), os.Getenv(prefix+"_DATA"), os.Getenv(prefix+"_ADDR")
	if confDir == "" {
		t.Skip("only run as the child of a crash test")
	}
	cfg, ps := config.LoadDir(confDir)
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	app, err := OpenApp(ctx, cfg, data, opts)
	if err != nil {
		t.Fatal(err)
	}
	err = app.Serve(ctx, "127.0.0.1:0", func(addr string) {
		os.WriteFile(addrFile+".tmp", []byte(addr), 0o600)
		os.Rename(addrFile+".tmp", addrFile)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func startChild(t *testing.T, conf, data string) (*exec.Cmd, string) {
	return startServeChild(t, "TestCrashChild", "SA_CRASH", conf, data)
}

// startServeChild re-runs the test binary as the child test named (see
// serveAsChild) and returns it with the base URL it serves on.
func startServeChild(t *testing.T, test, prefix, conf, data string) (*exec.Cmd, string) {
	t.Helper()
	addrFile := filepath.Join(t.TempDir(), "addr")
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), prefix+"_CONF="+conf, prefix+"_DATA="+data, prefix+"_ADDR="+addrFile)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var addr []byte
	waitFor(t, "the server to listen", func() bool {
		b, err := os.ReadFile(addrFile)
		addr = b
		return err == nil && len(b) > 0
	})
	return cmd, "http://" + string(addr)
}

func TestServe_KillDashNineLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	cfg := testConfig(t)
	data := t.TempDir()
	src, _ := cfg.Source("http")
	child, base := startChild(t, cfg.Dir, data)

	// Post batches of 20 distinct records until well after the kill;
	// remember which batches were acknowledged.
	var mu sync.Mutex
	acked := map[int]bool{}
	var wg sync.WaitGroup
	stopPosting := make(chan struct{})
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			client := &http.Client{Timeout: 2 * time.Second}
			for b := w; ; b += 3 {
				select {
				case <-stopPosting:
					return
				default:
				}
				var recs []string
				for i := 0; i < 20; i++ {
					ev := "DescribeInstances"
					if i == 0 {
						ev = "StopLogging"
					}
					recs = append(recs, schematest.CloudTrailRecord(b*20+i, ev))
				}
				req, _ := http.NewRequest("POST", base+"/v1/ingest/http", strings.NewReader(strings.Join(recs, "\n")))
				req.Header.Set("Authorization", "Bearer "+src.Token)
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusAccepted {
					mu.Lock()
					acked[b] = true
					mu.Unlock()
				}
			}
		}(w)
	}
	waitFor(t, "some batches acknowledged", func() bool { mu.Lock(); defer mu.Unlock(); return len(acked) >= 60 })
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	close(stopPosting)
	wg.Wait()

	// Restart on the same data directory: the ingest log is replayed.
	child, _ = startChild(t, cfg.Dir, data)
	child.Process.Signal(syscall.SIGTERM)
	if err := child.Wait(); err != nil {
		t.Fatalf("restarted server: %v", err)
	}

	db := duckdbtest.Open(t)
	resolved, err := config.Resolve(cfg, config.Parts{})
	if err != nil {
		t.Fatal(err)
	}
	duckdbtest.Exec(t, db, resolved.Registry.Get("cloudtrail:events").DuckDBView(filepath.Join(data, "lake")))
	seen := map[string]int{}
	for _, row := range duckdbtest.Query(t, db, "SELECT eventid, count(*) FROM cloudtrail_events GROUP BY eventid") {
		seen[row[0].(string)] = int(row[1].(int64))
	}
	stopped := 0
	for b := range acked {
		for i := 0; i < 20; i++ {
			id := fmt.Sprintf("00000000-0000-4000-8000-%012d", b*20+i)
			if seen[id] != 1 {
				t.Errorf("acknowledged record %s is in the lake %d times", id, seen[id])
			}
		}
		stopped++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("record %s is in the lake %d times", id, n)
		}
	}
	st, err := alerts.OpenBolt(alerts.DefaultStorePath(data))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	list, _ := st.List(context.Background(), alerts.Filter{Rule: "cloudtrail_logging_stopped"})
	perRecord := map[string]int{}
	for _, a := range list {
		if a.Merge == nil {
			perRecord[a.RecordID]++
		}
	}
	for rec, n := range perRecord {
		if n != 1 {
			t.Errorf("record %s has %d alerts", rec, n)
		}
	}
	if len(perRecord) < stopped {
		t.Errorf("%d StopLogging records acknowledged, alerts for %d", stopped, len(perRecord))
	}
	t.Logf("acknowledged %d batches (%d records); lake holds %d distinct records", len(acked), len(acked)*20, len(seen))
}

// TestServe_KillDashNineResendWithIdempotencyKeys: clients post batches
// with an Idempotency-Key each while the server is killed with SIGKILL;
// after the restart they resend every batch whose answer they did not see
// (and, as if their 202 was lost, every third one they did see) with the
// same key until it is acknowledged. Every batch must then be in the lake
// exactly once.
func TestServe_KillDashNineResendWithIdempotencyKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	cfg := testConfig(t)
	data := t.TempDir()
	src, _ := cfg.Source("http")
	child, base := startChild(t, cfg.Dir, data)
	body := func(b int) string {
		var recs []string
		for i := 0; i < 10; i++ {
			recs = append(recs, schematest.CloudTrailRecord(b*10+i, "DescribeInstances"))
		}
		return strings.Join(recs, "\n")
	}
	send := func(client *http.Client, base string, b int) (int, error) {
		req, _ := http.NewRequest("POST", base+"/v1/ingest/http", strings.NewReader(body(b)))
		req.Header.Set("Authorization", "Bearer "+src.Token)
		req.Header.Set("Idempotency-Key", fmt.Sprintf("batch-%06d", b))
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	var mu sync.Mutex
	attempted, acked := map[int]bool{}, map[int]bool{}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < 3; w++ {
		wg.Go(func() {
			client := &http.Client{Timeout: 2 * time.Second}
			for b := w; ; b += 3 {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				attempted[b] = true
				mu.Unlock()
				code, err := send(client, base, b)
				if err != nil {
					return
				}
				if code == http.StatusAccepted {
					mu.Lock()
					acked[b] = true
					mu.Unlock()
				}
			}
		})
	}
	waitFor(t, "some batches acknowledged", func() bool { mu.Lock(); defer mu.Unlock(); return len(acked) >= 60 })
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	close(stop)
	wg.Wait()

	child, base = startChild(t, cfg.Dir, data)
	client := &http.Client{Timeout: 10 * time.Second}
	resent := 0
	for b := range attempted {
		if acked[b] && b%3 != 0 {
			continue
		}
		resent++
		for try := 0; ; try++ {
			code, err := send(client, base, b)
			if err == nil && code == http.StatusAccepted {
				break
			}
			if try == 50 {
				t.Fatalf("batch %d: %d %v", b, code, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	child.Process.Signal(syscall.SIGTERM)
	if err := child.Wait(); err != nil {
		t.Fatalf("restarted server: %v", err)
	}

	db := duckdbtest.Open(t)
	resolved, err := config.Resolve(cfg, config.Parts{})
	if err != nil {
		t.Fatal(err)
	}
	duckdbtest.Exec(t, db, resolved.Registry.Get("cloudtrail:events").DuckDBView(filepath.Join(data, "lake")))
	seen := map[string]int{}
	for _, row := range duckdbtest.Query(t, db, "SELECT eventid, count(*) FROM cloudtrail_events GROUP BY eventid") {
		seen[row[0].(string)] = int(row[1].(int64))
	}
	for b := range attempted {
		for i := 0; i < 10; i++ {
			if id := fmt.Sprintf("00000000-0000-4000-8000-%012d", b*10+i); seen[id] != 1 {
				t.Errorf("batch %d: record %s is in the lake %d times", b, id, seen[id])
			}
		}
	}
	if len(seen) != 10*len(attempted) {
		t.Errorf("the lake holds %d records, the batches %d", len(seen), 10*len(attempted))
	}
	t.Logf("%d batches attempted, %d acknowledged before the kill, %d resent after it; the lake holds each once", len(attempted), len(acked), resent)
}
