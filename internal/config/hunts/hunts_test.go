package hunts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamalert/streamalert/internal/config"
)

// TestCheck_ReportsHuntProblemsThroughValidate: a hunt without SQL is a
// problem at its file and line when Validate runs the hunts check, and
// none without it (the config package itself does not load hunts).
func TestCheck_ReportsHuntProblemsThroughValidate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "conf")
	if err := config.Init(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hunts", "bad.yaml"), []byte("name: bad_hunt\ndescription: no sql here\nschedule: 1h\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, ps := config.LoadDir(dir)
	if got := config.Validate(cfg, ps); len(got) != 0 {
		t.Fatalf("without the hunts check: %v", got.Err())
	}
	got := config.Validate(cfg, ps, Check)
	if len(got) != 1 || got[0].File != "hunts/bad.yaml" || got[0].Line != 1 || !strings.Contains(got[0].Msg, "sql") {
		t.Fatalf("with the hunts check: %v, want one problem at hunts/bad.yaml:1 about sql", got)
	}
}
