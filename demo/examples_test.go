package demo

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/streamalert/streamalert/schema"
)

// TestExamples_AreTheGeneratedFiles keeps examples/ (the files the README's
// commands use) equal to what Examples writes; -update rewrites them.
func TestExamples_AreTheGeneratedFiles(t *testing.T) {
	exs, err := Examples()
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range exs {
		path := filepath.Join("..", "examples", ex.Name)
		if *update {
			if err := os.WriteFile(path, ex.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./demo -run Examples -update writes it)", err)
		}
		if !bytes.Equal(got, ex.Data) {
			t.Errorf("%s differs from the generator's (go test ./demo -run Examples -update if the change is meant)", path)
		}
	}
}

// TestExamples_ClassifyAsTheirType: every record of each example file,
// loaded as the README loads it (source files of the example config),
// classifies as its log type, none unclassified.
func TestExamples_ClassifyAsTheirType(t *testing.T) {
	cfg, reg, _ := testConfig(t)
	src, ok := cfg.Source("files")
	if !ok {
		t.Fatal("the example config has no source files")
	}
	types, err := reg.Select(src.LogTypes)
	if err != nil {
		t.Fatal(err)
	}
	exs, err := Examples()
	if err != nil {
		t.Fatal(err)
	}
	cls := schema.NewClassifier(reg)
	for _, ex := range exs {
		classified, other := 0, 0
		err := cls.Classify(ex.Data, schema.Input{Source: "files", Types: types, IngestTime: ExampleDay.Add(25 * time.Hour)},
			func(r *schema.Record) {
				if r.LogType.Name == ex.LogType {
					classified++
				} else {
					other++
				}
			}, func(u *schema.Unclassified) {
				t.Errorf("%s: unclassified: %s", ex.Name, u.Reason)
			})
		if err != nil {
			t.Fatal(err)
		}
		if classified != ex.Records || other != 0 || classified == 0 {
			t.Errorf("%s: %d records as %s and %d as other types, want %d", ex.Name, classified, ex.LogType, other, ex.Records)
		}
	}
}
