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

// aliasBomb is YAML lines, each indented by indent, whose last key stands
// for ten million scalars; its a5 (line first+5) passes a million.
func aliasBomb(indent string) string {
	var b strings.Builder
	b.WriteString(indent + "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 6; i++ {
		p := "*a" + string(rune('0'+i-1))
		b.WriteString(indent + "a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [" + strings.Repeat(p+", ", 9) + p + "]\n")
	}
	return b.String()
}

// TestValidate_AliasBombsEverywhere puts a YAML alias bomb in each kind of
// config file validate reads (global.yaml, a schema, a rule's test record,
// a hunt) and wants each refused at its file and line, quickly.
func TestValidate_AliasBombsEverywhere(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "conf")
	if err := config.Init(dir); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	g, _ := os.ReadFile(filepath.Join(dir, "global.yaml"))
	glines := strings.Count(string(g), "\n")
	write("global.yaml", string(g)+"bomb:\n"+aliasBomb("  "))
	write("schemas/bomb.yaml", "name: bomb:events\nparser: json\nfields:\n  x: string\nbomb:\n"+aliasBomb("  "))
	write("rules/bomb.yaml", "name: bomb_rule\nlogs: [cloudtrail:events]\ndetection:\n  sel:\n    eventName: StopLogging\n  condition: sel\n"+
		"tests:\n  - expect: true\n    record:\n"+aliasBomb("      "))
	write("hunts/bomb.yaml", "name: bomb_hunt\nschedule: 1h\nsql: SELECT 1\nbomb:\n"+aliasBomb("  "))

	cfg, ps := config.LoadDir(dir)
	got := config.Validate(cfg, ps, Check)
	want := map[string]int{"global.yaml": glines + 7, "schemas/bomb.yaml": 11, "rules/bomb.yaml": 15, "hunts/bomb.yaml": 10}
	for _, p := range got {
		for file, line := range want { // schema problems carry the directory
			if strings.HasSuffix(p.File, file) && p.Line == line && strings.Contains(p.Msg, "alias bomb") {
				delete(want, file)
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("no alias bomb reported at %v; problems:\n%v", want, got.Err())
	}
}
