package scheduler

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStore_HistoryAndState(t *testing.T) {
	s := OpenStore(filepath.Join(t.TempDir(), "hunts"))
	if runs, err := s.History("h"); err != nil || runs != nil {
		t.Fatalf("a hunt that never ran: %v %v", runs, err)
	}
	t0 := time.Date(2024, 6, 10, 12, 0, 0, 0, time.UTC)
	for _, r := range []Run{
		{Hunt: "h", WindowStart: t0, WindowEnd: t0.Add(time.Hour)},
		{Hunt: "h", WindowStart: t0.Add(time.Hour), WindowEnd: t0.Add(2 * time.Hour), Error: "boom", Attempt: 1},
		{Hunt: "h", WindowStart: t0.Add(5 * time.Hour), WindowEnd: t0.Add(6 * time.Hour), Manual: true},
	} {
		if err := s.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	st, err := s.state("h")
	if err != nil {
		t.Fatal(err)
	}
	// The manual run does not count; the failed window is pending.
	if !st.lastEnd.Equal(t0.Add(time.Hour)) || st.attempts[t0.Add(2*time.Hour).UnixNano()] != 1 {
		t.Errorf("state %+v", st)
	}
	// A damaged line is reported with file:line.
	f, err := os.OpenFile(filepath.Join(s.Dir(), "h.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("{not json\n")
	f.Close()
	if _, err := s.History("h"); err == nil || !strings.Contains(err.Error(), "h.jsonl:4:") {
		t.Errorf("damaged store: %v", err)
	}
}
