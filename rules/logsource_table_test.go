package rules

import (
	"flag"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/streamalert/streamalert/schema"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the logsource table in docs/rules.md from rules/logsources.yaml")

const (
	tableStart = "<!-- logsource table: generated from rules/logsources.yaml (go test ./rules -run LogSourceTable -update-docs) -->"
	tableEnd   = "<!-- end of logsource table -->"
)

// renderLogSourceTable writes the table as markdown; log types that are
// not built in are marked.
func renderLogSourceTable(table []LogSourceMapping) string {
	var b strings.Builder
	b.WriteString("| category | product | service | log types | Sigma fields renamed |\n|---|---|---|---|---|\n")
	reg := schema.Builtin()
	for _, m := range table {
		var types []string
		for _, n := range m.LogTypes {
			s := "`" + n + "`"
			if reg.Get(n) == nil {
				s += " (not built in)"
			}
			types = append(types, s)
		}
		var renames []string
		for k, v := range m.Fields {
			renames = append(renames, "`"+k+"` → `"+v+"`")
		}
		sort.Strings(renames)
		b.WriteString("| " + m.Category + " | " + m.Product + " | " + m.Service + " | " + strings.Join(types, ", ") + " | " + strings.Join(renames, ", ") + " |\n")
	}
	return b.String()
}

// TestLogSourceTable_Documented keeps docs/rules.md's logsource table the
// rendering of the embedded table.
func TestLogSourceTable_Documented(t *testing.T) {
	doc, err := os.ReadFile("../docs/rules.md")
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok1 := strings.Cut(string(doc), tableStart+"\n")
	_, after, ok2 := strings.Cut(rest, tableEnd)
	if !ok1 || !ok2 {
		t.Fatalf("docs/rules.md has no %q … %q block", tableStart, tableEnd)
	}
	want := renderLogSourceTable(DefaultLogSources)
	if *updateDocs {
		if err := os.WriteFile("../docs/rules.md", []byte(before+tableStart+"\n"+want+tableEnd+after), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got := rest[:len(rest)-len(after)-len(tableEnd)]; got != want {
		t.Errorf("docs/rules.md's logsource table is not that of rules/logsources.yaml (run with -update-docs):\n%s", want)
	}
}

// TestParseLogSources_Errors: a bad table is refused with a reason.
func TestParseLogSources_Errors(t *testing.T) {
	for _, bad := range []string{
		"- {log_types: [a:b]}",
		"- {product: x}",
		"- {product: x, log_types: [a:b], typo: 1}",
		"product: x",
	} {
		if _, err := ParseLogSources([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
