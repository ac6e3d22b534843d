// Package schematest builds log type registries for tests: the built-in
// types plus test definitions from a file.
package schematest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/streamalert/streamalert/schema"
)

// Registry returns the built-in log types plus the definitions in the YAML
// file at path, failing the test on any problem.
func Registry(tb testing.TB, path string) *schema.Registry {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	extra, errs := schema.ParseDefinitions(filepath.Base(path), data)
	if len(errs) > 0 {
		tb.Fatal(errs)
	}
	reg, err := schema.NewRegistry(append(schema.Builtin().All(), extra...))
	if err != nil {
		tb.Fatal(err)
	}
	return reg
}
