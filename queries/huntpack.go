package queries

import (
	"embed"
	"fmt"
	"sort"
)

//go:embed hunts
var huntFS embed.FS

// HuntPack loads the hunts shipped in the binary (queries/hunts/); their
// files are named "pack/hunts/…", apart from a config's hunts/. A problem
// is a bug of the pack, reported like any other.
func HuntPack() ([]*Hunt, []error) {
	hs, errs := LoadHunts(huntFS, "hunts")
	for _, h := range hs {
		h.File = "pack/" + h.File
	}
	return hs, errs
}

// MergeHunts joins the pack and the config's hunts; a config hunt may not
// reuse a pack hunt's name (each problem names both files). The result is
// sorted by name.
func MergeHunts(pack, config []*Hunt) ([]*Hunt, []error) {
	var errs []error
	byName := map[string]*Hunt{}
	for _, h := range pack {
		byName[h.Name] = h
	}
	out := append([]*Hunt(nil), pack...)
	for _, h := range config {
		if prev := byName[h.Name]; prev != nil {
			errs = append(errs, fmt.Errorf("%s:%d: hunt %s is already defined at %s:%d (the shipped pack); choose another name", h.File, h.Line, h.Name, prev.File, prev.Line))
			continue
		}
		byName[h.Name] = h
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, errs
}
