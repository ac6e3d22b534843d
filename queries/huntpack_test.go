package queries

import (
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/internal/sqlgrammar"
)

func TestHuntPack_Loads(t *testing.T) {
	hs, errs := HuntPack()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(hs) < 15 {
		t.Fatalf("%d hunts in the pack, want at least 15", len(hs))
	}
	for _, h := range hs {
		if h.Description == "" || h.Severity == "" || len(h.Key) == 0 {
			t.Errorf("%s (%s:%d): description, severity and key are required in the pack", h.Name, h.File, h.Line)
		}
	}
	_, errs = MergeHunts(hs, []*Hunt{{Name: hs[0].Name, File: "hunts/mine.yaml", Line: 3}})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "hunts/mine.yaml:3: hunt "+hs[0].Name+" is already defined at pack/hunts/") {
		t.Errorf("a config hunt reusing a pack name: %v", errs)
	}
}

// TestHuntPack_TrinoGrammar: the Athena text of every pack and example
// hunt parses as Trino.
func TestHuntPack_TrinoGrammar(t *testing.T) {
	hs, errs := HuntPack()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	end := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var names, stmts []string
	for _, h := range hs {
		start, _ := h.Schedule.Window(end)
		sql, err := h.Render(Athena, start, end, nil)
		if err != nil {
			t.Fatal(err)
		}
		names, stmts = append(names, h.Name), append(stmts, sql)
	}
	for i, errs := range sqlgrammar.Check(t, sqlgrammar.Trino, stmts) {
		if len(errs) > 0 {
			t.Errorf("%s: Athena text does not parse as Trino: %+v\n%s", names[i], errs, stmts[i])
		}
	}
}
