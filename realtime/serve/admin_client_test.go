package serve

import (
	"context"
	"errors"
	"testing"

	"github.com/streamalert/streamalert/alerts"
)

// TestAdminClient_ReachesRunningServe: while serve runs, DialAdmin finds
// it through the data directory and the client reads its store; a missing
// alert is alerts.ErrNotFound. Once serve stops, there is nothing to dial.
func TestAdminClient_ReachesRunningServe(t *testing.T) {
	cfg := testConfig(t)
	data := t.TempDir()
	if DialAdmin(data) != nil {
		t.Fatal("dialled a serve before one ran")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	app, err := OpenApp(ctx, cfg, data, AppOptions{NoOutputs: true, Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Store.Insert(ctx, []*alerts.Alert{{ID: "a1", Rule: "some_rule", Outputs: []string{"file:alerts"}, Status: alerts.StatusFailed}}); err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, "127.0.0.1:0", func(a string) { addrc <- a }) }()
	<-addrc
	c := DialAdmin(data)
	if c == nil {
		t.Fatal("no admin client while serve runs")
	}
	list, err := c.List(ctx, alerts.Filter{Rule: "some_rule"})
	if err != nil || len(list) != 1 || list[0].ID != "a1" {
		t.Fatalf("List: %v, %v", list, err)
	}
	if _, err := c.Find(ctx, "no-such-alert"); !errors.Is(err, alerts.ErrNotFound) {
		t.Errorf("Find of a missing alert: %v, want ErrNotFound", err)
	}
	if n, err := c.Retry(ctx, []string{"a1"}); err != nil || n != 1 {
		t.Errorf("Retry: %d, %v", n, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if DialAdmin(data) != nil {
		t.Error("dialled a serve that stopped")
	}
}
