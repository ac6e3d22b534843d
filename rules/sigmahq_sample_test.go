package rules

import (
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/streamalert/streamalert/schema"
)

// TestSigmaHQSample_LoadRate loads a sample of SigmaHQ rules from the
// directories issue 17 names (testdata/sigmahq, unmodified, with their
// licence) and measures how many load, and of those how many name only
// fields a mapped log type declares (so that they can match, not merely
// run). The sample is small; the figures are those of the sample.
func TestSigmaHQSample_LoadRate(t *testing.T) {
	var files []string
	err := filepath.WalkDir("testdata/sigmahq", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yml") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	reg := schema.Builtin()
	loaded, known := 0, 0
	var refused, unknown []string
	for _, f := range files {
		set, errs := LoadFiles([]string{f}, reg)
		if len(errs) > 0 || set.Len() == 0 {
			refused = append(refused, f+": "+errMsg(errs[0]))
			continue
		}
		loaded++
		r := set.Rules()[0]
		if missing := unknownFields(r); len(missing) > 0 {
			unknown = append(unknown, f+": "+strings.Join(missing, ", "))
			continue
		}
		known++
	}
	t.Logf("SigmaHQ sample: %d files, %d load (%.0f%%), %d of them name only declared fields", len(files), loaded, 100*float64(loaded)/float64(len(files)), known)
	for _, r := range refused {
		t.Logf("refused: %s", r)
	}
	for _, u := range unknown {
		t.Logf("loads, but names fields no mapped type declares: %s", u)
	}
	if len(files) < 20 {
		t.Fatalf("only %d sample files", len(files))
	}
	if float64(loaded) < 0.95*float64(len(files)) {
		t.Errorf("%d of %d sample rules load, want at least 95%%", loaded, len(files))
	}
}

// unknownFields lists the fields of r's leaves that lead nowhere declared
// in any of its log types (the extras or below a scalar).
func unknownFields(r *Rule) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range Leaves(r.Expr) {
		if l.IsKeyword() || seen[l.Field] {
			continue
		}
		seen[l.Field] = true
		ok := false
		for _, lt := range r.LogTypes {
			switch ResolveField(lt, l.Path).Where {
			case InDeclared, InJSON, InNormalized:
				ok = true
			}
		}
		if !ok {
			out = append(out, l.Field)
		}
	}
	return out
}
