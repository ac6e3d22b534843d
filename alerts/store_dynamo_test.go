package alerts

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/streamalert/streamalert/internal/testproc"
)

var (
	dynaliteOnce sync.Once
	dynaliteURL  string
	dynaliteErr  error
	dynaliteCmd  *exec.Cmd
	tableSeq     int
)

// TestMain stops the dynalite the tests started and fails the run if any
// process of its group outlived it.
func TestMain(m *testing.M) {
	code := m.Run()
	if dynaliteCmd != nil && dynaliteCmd.Process != nil {
		testproc.Kill(dynaliteCmd)
		dynaliteCmd.Wait()
	}
	if left := testproc.Orphans(); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "helper processes outlived the tests: %v\n", left)
		code = 1
	}
	os.Exit(code)
}

// startDynalite runs npm's dynalite (an in-memory DynamoDB) once for the
// test binary. Without it (`npm install -g dynalite`) the DynamoDB tests
// are skipped, saying so.
func startDynalite(t testing.TB) string {
	dynaliteOnce.Do(func() {
		bin, err := exec.LookPath("dynalite")
		if err != nil {
			dynaliteErr = fmt.Errorf("dynalite not installed (npm install -g dynalite): %w", err)
			return
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			dynaliteErr = err
			return
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		dynaliteCmd = exec.Command(bin, "--port", fmt.Sprint(port), "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
		testproc.Own(dynaliteCmd)
		if err := dynaliteCmd.Start(); err != nil {
			dynaliteErr = err
			return
		}
		testproc.Started(dynaliteCmd)
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		for range 100 {
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				dynaliteURL = "http://" + addr
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		dynaliteErr = fmt.Errorf("dynalite did not listen on %s", addr)
	})
	if dynaliteErr != nil {
		if os.Getenv("CI") == "true" || os.Getenv("STREAMALERT_REQUIRE_DYNALITE") != "" {
			t.Fatal(dynaliteErr)
		}
		t.Skip(dynaliteErr)
	}
	return dynaliteURL
}

// openTestDynamo makes a fresh table in dynalite.
func openTestDynamo(t testing.TB) *DynamoStore {
	url := startDynalite(t)
	cfg, _ := testAWS(context.Background(), "")
	client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(url) })
	tableSeq++
	table := fmt.Sprintf("alerts_%d", tableSeq)
	if err := CreateDynamoTable(context.Background(), client, table); err != nil {
		t.Fatal(err)
	}
	return NewDynamoStore(client, table)
}

// TestDynamoStore_MergeAndDeliver runs the processor and the dispatcher
// over DynamoDB, as the alerts Lambda does.
func TestDynamoStore_MergeAndDeliver(t *testing.T) {
	ctx := context.Background()
	store := openTestDynamo(t)
	clock := newFakeClock(t0)
	out := newRecorder("rec:out")
	p := newTestProcessor(t, store, clock, nil)
	d := newTestDispatcher(t, store, clock, out)
	rule := RuleInfo{Name: "m", MergeByKeys: []string{"u"}, MergeWindow: time.Hour, Outputs: []string{"rec:out"}}
	var ms []Match
	for i := range 20 {
		ms = append(ms, match(rule, recID(i), t0.Add(time.Duration(i)*time.Minute), map[string]any{"u": fmt.Sprint("user", i%2), "n": i}))
	}
	if r := mustProcess(t, p, ms...); r.Merging != 20 {
		t.Fatalf("process %+v", r)
	}
	clock.Advance(2 * time.Hour)
	if r := mustTick(t, p); r.Merged != 2 {
		t.Fatalf("tick %+v", r)
	}
	if r, err := d.DispatchDue(ctx); err != nil || r.Delivered != 2 {
		t.Fatalf("dispatch %+v %v", r, err)
	}
	if r := mustProcess(t, newTestProcessor(t, store, clock, nil), ms...); r.Replayed != 20 {
		t.Errorf("replay %+v", r)
	}
	if len(out.delivered()) != 2 {
		t.Errorf("delivered %v", out.delivered())
	}
}
