package config

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/streamalert/streamalert/internal/yamlnode"
	"github.com/streamalert/streamalert/queries"
)

// HistoricalFile is the optional file that configures the query engines
// and the hunt scheduler.
//
//	athena:
//	  workgroup: streamalert             # required to run on Athena
//	  output_location: s3://bucket/athena-results/
//	  database: streamalert              # the Glue database of the lake
//	  price_per_tb: 5                    # dollars per TB scanned (default 5)
//	  timeout: 30m
//	scheduler:
//	  delay: 5m                          # wait after a window's end for late records
//	  max_catch_up: 24                   # windows run per hunt after downtime
//	  max_attempts: 3                    # tries of a failing window
//	hunts:
//	  pack: true                         # the shipped hunt pack (default true)
//	  disabled: [dns_new_domain]
//	  schedules: {vpc_port_scan: 15m}    # a hunt's schedule, overridden
//	  params: {vpc_port_scan: {min_ports: 100}}
const HistoricalFile = "historical.yaml"

// Historical holds historical.yaml.
type Historical struct {
	Athena    Athena            `yaml:"athena"`
	Scheduler SchedulerSettings `yaml:"scheduler"`
	Hunts     HuntSettings      `yaml:"hunts"`
}

// Athena is where queries run on AWS.
type Athena struct {
	WorkGroup      string  `yaml:"workgroup"`
	OutputLocation string  `yaml:"output_location"`
	Database       string  `yaml:"database"`
	Catalog        string  `yaml:"catalog"`
	PricePerTB     float64 `yaml:"price_per_tb"`
	TimeoutText    string  `yaml:"timeout"`
	// Timeout is TimeoutText read; 0 leaves the engine's default.
	Timeout time.Duration `yaml:"-"`
}

// Configured reports whether Athena can run queries (a workgroup is set).
func (a Athena) Configured() bool { return a.WorkGroup != "" }

// SchedulerSettings tune the hunt scheduler.
type SchedulerSettings struct {
	DelayText   string        `yaml:"delay"`
	Delay       time.Duration `yaml:"-"`
	MaxCatchUp  int           `yaml:"max_catch_up"`
	MaxAttempts int           `yaml:"max_attempts"`
}

// HuntSettings choose and adjust hunts.
type HuntSettings struct {
	Pack      bool                         `yaml:"pack"`
	Disabled  []string                     `yaml:"disabled"`
	Schedules map[string]string            `yaml:"schedules"`
	Params    map[string]map[string]string `yaml:"params"`
}

var workgroupName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// Historical reads historical.yaml (absent: the defaults).
func (c *Config) Historical() (Historical, Problems) {
	h := Historical{Hunts: HuntSettings{Pack: true}}
	var ps Problems
	if c.FS == nil {
		return h, ps
	}
	n := readYAML(c.FS, HistoricalFile, &ps, false)
	if n == nil {
		return h, ps
	}
	doc := n.Content[0]
	if err := decodeStrict(doc, &h); err != nil {
		ps.add(HistoricalFile, nodeErrLine(err, doc), "%s", plainDecodeErr(err))
		return h, ps
	}
	section := func(name string) *yaml.Node {
		if v := yamlnode.MapValue(doc, name); v != nil {
			return v
		}
		return &yaml.Node{}
	}
	at, sc := section("athena"), section("scheduler")
	a := &h.Athena
	switch {
	case a.WorkGroup != "" && !workgroupName.MatchString(a.WorkGroup):
		ps.add(HistoricalFile, yamlnode.ValueLine(at, "workgroup"), "athena.workgroup %q: want 1-128 letters, digits, '.', '_' or '-'", a.WorkGroup)
	case a.WorkGroup == "" && (a.OutputLocation != "" || a.Database != ""):
		ps.add(HistoricalFile, at.Line, "athena: a workgroup is required to run queries on Athena")
	}
	if a.OutputLocation != "" && (!strings.HasPrefix(a.OutputLocation, "s3://") || len(a.OutputLocation) <= len("s3://")) {
		ps.add(HistoricalFile, yamlnode.ValueLine(at, "output_location"), "athena.output_location %q must be an s3:// URL", a.OutputLocation)
	}
	if a.PricePerTB < 0 {
		ps.add(HistoricalFile, yamlnode.ValueLine(at, "price_per_tb"), "athena.price_per_tb %v must not be negative", a.PricePerTB)
	}
	if a.TimeoutText != "" {
		d, err := queries.ParseDuration(a.TimeoutText)
		if err != nil || d <= 0 {
			ps.add(HistoricalFile, yamlnode.ValueLine(at, "timeout"), "athena.timeout %q: want a duration such as 30m", a.TimeoutText)
		}
		a.Timeout = d
	}
	s := &h.Scheduler
	if s.DelayText != "" {
		d, err := queries.ParseDuration(s.DelayText)
		if err != nil {
			ps.add(HistoricalFile, yamlnode.ValueLine(sc, "delay"), "scheduler.delay %q: want a duration such as 5m", s.DelayText)
		}
		s.Delay = d
	}
	if s.MaxCatchUp < 0 {
		ps.add(HistoricalFile, yamlnode.ValueLine(sc, "max_catch_up"), "scheduler.max_catch_up %d must not be negative", s.MaxCatchUp)
	}
	if s.MaxAttempts < 0 {
		ps.add(HistoricalFile, yamlnode.ValueLine(sc, "max_attempts"), "scheduler.max_attempts %d must not be negative", s.MaxAttempts)
	}
	return h, ps
}

// Hunts returns the hunts that run: the shipped pack (unless
// hunts.pack is false) and the config's hunts/, less those disabled, with
// schedules overridden by historical.yaml; sorted by name. Overridden
// params are checked here and applied per run (Historical.Hunts.Params).
func (c *Config) Hunts() ([]*queries.Hunt, Historical, Problems) {
	hist, ps := c.Historical()
	var pack []*queries.Hunt
	if hist.Hunts.Pack {
		var errs []error
		pack, errs = queries.HuntPack()
		for _, err := range errs {
			ps.addErr("hunts", fmt.Errorf("the shipped hunt pack: %w", err))
		}
	}
	var own []*queries.Hunt
	if c.FS != nil {
		var errs []error
		own, errs = queries.LoadHunts(c.FS, "hunts")
		for _, err := range errs {
			ps.addErr("hunts", err)
		}
	}
	all, errs := queries.MergeHunts(pack, own)
	for _, err := range errs {
		ps.addErr("hunts", err)
	}
	byName := map[string]*queries.Hunt{}
	for _, h := range all {
		byName[h.Name] = h
	}
	var doc *yaml.Node
	if n := readYAML(c.FS, HistoricalFile, new(Problems), false); n != nil {
		doc = yamlnode.MapValue(n.Content[0], "hunts")
	}
	lineOf := func(section, key string) int {
		if doc == nil {
			return 0
		}
		s := yamlnode.MapValue(doc, section)
		if s == nil {
			return 0
		}
		if key == "" {
			return s.Line
		}
		if s.Kind == yaml.SequenceNode {
			for _, e := range s.Content {
				if e.Value == key {
					return e.Line
				}
			}
			return s.Line
		}
		return yamlnode.KeyLine(s, key)
	}
	unknown := func(section, name string) bool {
		if byName[name] == nil {
			ps.add(HistoricalFile, lineOf(section, name), "hunts.%s: no hunt %s (see `streamalert hunt list`)", section, name)
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
	for _, name := range sortedKeys(hist.Hunts.Schedules) {
		if unknown("schedules", name) {
			continue
		}
		sch, err := queries.ParseSchedule(hist.Hunts.Schedules[name])
		if err != nil {
			ps.add(HistoricalFile, lineOf("schedules", name), "hunts.schedules.%s: %v", name, err)
			continue
		}
		// A copy: the pack's hunts are shared.
		h := *byName[name]
		h.Schedule = sch
		byName[name] = &h
	}
	probe := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, name := range paramHunts(hist.Hunts.Params) {
		if unknown("params", name) {
			continue
		}
		if _, err := byName[name].Render(queries.DuckDB, probe, probe.Add(time.Hour), hist.Hunts.Params[name]); err != nil {
			ps.add(HistoricalFile, lineOf("params", name), "hunts.params.%s: %v", name, err)
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

// paramHunts lists the hunts with overridden params, sorted.
func paramHunts(m map[string]map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
