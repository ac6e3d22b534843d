package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuiltin_DefinitionsLoad guards Builtin's panic: every embedded
// definition parses and builds its parser.
func TestBuiltin_DefinitionsLoad(t *testing.T) {
	types, errs := loadBuiltin()
	for _, err := range errs {
		t.Errorf("built-in definition: %v", err)
	}
	if len(errs) > 0 {
		return
	}
	reg := Builtin()
	if got := len(reg.All()); got != len(types) {
		t.Errorf("Builtin has %d types, loaded %d", got, len(types))
	}
	ct := reg.Get("cloudtrail:events")
	if ct == nil {
		t.Fatal("no cloudtrail:events")
	}
	if ct.File != "builtin:cloudtrail.yaml" {
		t.Errorf("cloudtrail:events comes from %s", ct.File)
	}
	checkOrder(t, reg.All())
}

func checkOrder(t *testing.T, types []*LogType) {
	t.Helper()
	for i := 1; i < len(types); i++ {
		a, b := types[i-1], types[i]
		if a.Priority > b.Priority || a.Priority == b.Priority && a.Name >= b.Name {
			t.Errorf("%s (%d) listed before %s (%d)", a.Name, a.Priority, b.Name, b.Priority)
		}
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadRegistry_UserDefinitions(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"override.yaml": "name: cloudtrail:events\npriority: 1\nparser: {type: json}\nfields:\n  - {name: eventName, required: true}\n",
		"team/app.yml":  "name: app:audit\nparser: {type: json}\nfields:\n  - {name: who}\n",
		"team/dup.yaml": "name: app:audit\nparser: {type: json}\nfields:\n  - {name: who}\n",
		"broken.yaml":   "name: bad:type\nparser: {type: json}\nfields:\n  - {name: when, type: timestamp, formats: [epoch]}\n",
		"notes.txt":     "not a definition",
	})
	reg, errs := LoadRegistry(dir)
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	joined := strings.Join(msgs, "\n")
	if len(errs) != 2 ||
		!strings.Contains(joined, filepath.Join(dir, "broken.yaml")+":4: bad:type: field when: time format \"epoch\"") ||
		!strings.Contains(joined, filepath.Join(dir, "team/dup.yaml")+":1: log type app:audit already defined at "+filepath.Join(dir, "team/app.yml")+":1") {
		t.Errorf("errors:\n%s", joined)
	}
	ct := reg.Get("cloudtrail:events")
	if ct == nil || ct.Priority != 1 || len(ct.Fields) != 1 {
		t.Errorf("cloudtrail:events was not replaced by the user's: %+v", ct)
	}
	if got := reg.Overridden(); len(got) != 1 || got[0] != "cloudtrail:events" {
		t.Errorf("Overridden() = %v", got)
	}
	if reg.Get("app:audit") == nil || reg.Get("bad:type") != nil {
		t.Errorf("app:audit should load, bad:type should not")
	}
	if len(reg.All()) != len(Builtin().All())+1 {
		t.Errorf("%d types, want the built-ins and app:audit", len(reg.All()))
	}
	checkOrder(t, reg.All())
	if Builtin().Get("cloudtrail:events").Priority == 1 {
		t.Errorf("the override leaked into Builtin()")
	}
}

func TestLoadRegistry_NoUserDir(t *testing.T) {
	for _, dir := range []string{"", filepath.Join(t.TempDir(), "absent")} {
		reg, errs := LoadRegistry(dir)
		if len(errs) != 0 || len(reg.All()) != len(Builtin().All()) {
			t.Errorf("LoadRegistry(%q): %d types, errors %v", dir, len(reg.All()), errs)
		}
	}
}

func TestNewRegistry_Duplicate(t *testing.T) {
	a := &LogType{Name: "x:y", File: "a.yaml", Line: 1}
	b := &LogType{Name: "x:y", File: "b.yaml", Line: 3}
	if _, err := NewRegistry([]*LogType{a, b}); err == nil || !strings.Contains(err.Error(), "a.yaml:1 and b.yaml:3") {
		t.Errorf("error %v", err)
	}
}

func TestRegistry_Select(t *testing.T) {
	reg := testRegistry(t)
	names := func(ts []*LogType) string {
		var out []string
		for _, t := range ts {
			out = append(out, t.Name)
		}
		return strings.Join(out, " ")
	}
	cases := []struct {
		patterns []string
		want     string
		err      string
	}{
		{[]string{"test:high"}, "test:high", ""},
		{[]string{"test:low", "test:high", "test:low"}, "test:high test:low", ""},
		{[]string{"cloudtrail"}, "cloudtrail:events", ""},
		{[]string{"test:*", "cloudwatch"}, "test:typed test:strict test:high test:low test:envelope test:embedded test:text cloudwatch:events", ""},
		{[]string{"test:nope", "cloud", "cloudtrail"}, "", `no log type matches "test:nope", "cloud"`},
		{nil, names(reg.All()), ""},
	}
	for _, c := range cases {
		got, err := reg.Select(c.patterns)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Select(%q): error %v, want %q", c.patterns, err, c.err)
			}
			continue
		}
		if err != nil || names(got) != c.want {
			t.Errorf("Select(%q) = %q, %v; want %q", c.patterns, names(got), err, c.want)
		}
	}
}
