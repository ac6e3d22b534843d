package rules

import (
	"embed"
	"io/fs"
)

//go:embed pack
var packFS embed.FS

// Pack loads the rule pack embedded from rules/pack/. Its rules' files are
// named pack/<file>.
func Pack(reg LogTypes) (*Set, []error) {
	return LoadFS(packRoot(), "pack", reg)
}

// PackTestEvents loads the pack's test-event files (rules/pack/tests/).
func PackTestEvents() ([]TestEvent, []error) {
	sub, err := fs.Sub(packRoot(), "tests")
	if err != nil {
		return nil, []error{err}
	}
	if _, err := fs.Stat(sub, "."); err != nil {
		return nil, nil
	}
	return LoadTestEvents(sub, "pack/tests")
}

func packRoot() fs.FS {
	sub, err := fs.Sub(packFS, "pack")
	if err != nil {
		panic("rules: embedded pack: " + err.Error()) // cannot happen: "pack" is a valid path
	}
	return sub
}
