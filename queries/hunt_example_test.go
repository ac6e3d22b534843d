package queries_test

import (
	"testing"
	"time"

	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/queries"
)

func TestExampleHunts(t *testing.T) {
	hs, errs := queries.LoadHunts(config.Example(), "hunts")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(hs) < 2 {
		t.Fatalf("%d example hunts, want 2", len(hs))
	}
	for _, h := range hs {
		if h.Description == "" {
			t.Errorf("%s: no description", h.Name)
		}
		start, end := h.Window(time.Now())
		for _, d := range []queries.Dialect{queries.DuckDB, queries.Athena} {
			if _, err := h.Render(d, start, end, nil); err != nil {
				t.Errorf("%s: %v", h.Name, err)
			}
		}
	}
}
