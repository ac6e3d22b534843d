package hunts

import (
	"fmt"
	"io/fs"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/internal/yamlnode"
	"github.com/streamalert/streamalert/queries"
)

// Resolve returns the hunts that run: the shipped pack (unless
// historical.yaml's hunts.pack is false) and the config's hunts/, less
// those disabled, with schedules overridden by historical.yaml; sorted by
// name. Overridden params are checked here and applied per run
// (Historical.Hunts.Params). Every problem names file:line.
func Resolve(c *config.Config) ([]*queries.Hunt, config.Historical, config.Problems) {
	hist, ps := c.Historical()
	var pack []*queries.Hunt
	if hist.Hunts.Pack {
		var errs []error
		pack, errs = queries.HuntPack()
		ps = append(ps, config.ProblemsOf("hunts", errs)...)
	}
	if c.FS != nil {
		own, errs := queries.LoadHunts(c.FS, "hunts")
		ps = append(ps, config.ProblemsOf("hunts", errs)...)
		var merged []*queries.Hunt
		merged, errs = queries.MergeHunts(pack, own)
		ps = append(ps, config.ProblemsOf("hunts", errs)...)
		pack = merged
	}
	all := pack
	byName := map[string]*queries.Hunt{}
	for _, h := range all {
		byName[h.Name] = h
	}
	lines := settingsLines(c)
	problem := func(section, key, format string, args ...any) {
		ps = append(ps, config.Problem{File: config.HistoricalFile, Line: lines(section, key), Msg: fmt.Sprintf(format, args...)})
	}
	unknown := func(section, name string) bool {
		if byName[name] == nil {
			problem(section, name, "hunts.%s: no hunt %s (see `streamalert hunt list`)", section, name)
			return true
		}
		return false
	}
	disabled := map[string]bool{}
	for _, name := range hist.Hunts.Disabled {
		if !unknown("disabled", name) {
			disabled[name] = true
		}
	}
	for _, name := range sorted(hist.Hunts.Schedules) {
		if unknown("schedules", name) {
			continue
		}
		sch, err := queries.ParseSchedule(hist.Hunts.Schedules[name])
		if err != nil {
			problem("schedules", name, "hunts.schedules.%s: %v", name, err)
			continue
		}
		h := *byName[name] // a copy: the pack's hunts are shared
		h.Schedule = sch
		byName[name] = &h
	}
	probe := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, name := range sorted(hist.Hunts.Params) {
		if unknown("params", name) {
			continue
		}
		if _, err := byName[name].Render(queries.DuckDB, probe, probe.Add(time.Hour), hist.Hunts.Params[name]); err != nil {
			problem("params", name, "hunts.params.%s: %v", name, err)
		}
	}
	var out []*queries.Hunt
	for _, h := range all {
		if !disabled[h.Name] {
			out = append(out, byName[h.Name])
		}
	}
	return out, hist, ps
}

// settingsLines finds the line of a hunt named under hunts.<section> in
// historical.yaml (0 when the file or key is absent).
func settingsLines(c *config.Config) func(section, key string) int {
	var doc *yaml.Node
	if c.FS != nil {
		var n yaml.Node
		if data, err := fs.ReadFile(c.FS, config.HistoricalFile); err == nil && yamlnode.Unmarshal(data, &n) == nil && len(n.Content) > 0 {
			doc = yamlnode.MapValue(n.Content[0], "hunts")
		}
	}
	return func(section, key string) int {
		if doc == nil {
			return 0
		}
		s := yamlnode.MapValue(doc, section)
		if s == nil {
			return doc.Line
		}
		if s.Kind == yaml.SequenceNode {
			for _, e := range s.Content {
				if e.Value == key {
					return e.Line
				}
			}
			return s.Line
		}
		if l := yamlnode.KeyLine(s, key); l > 0 {
			return l
		}
		return s.Line
	}
}

func sorted[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
