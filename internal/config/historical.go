package config

import (
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/streamalert/streamalert/internal/duration"
	"github.com/streamalert/streamalert/internal/yamlnode"
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

// HuntSettings choose and adjust hunts. They are checked where hunts are
// loaded (internal/config/hunts): the config package links no SQL.
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
		d, err := duration.Parse(a.TimeoutText)
		if err != nil || d <= 0 {
			ps.add(HistoricalFile, yamlnode.ValueLine(at, "timeout"), "athena.timeout %q: want a duration such as 30m", a.TimeoutText)
		}
		a.Timeout = d
	}
	s := &h.Scheduler
	if s.DelayText != "" {
		d, err := duration.Parse(s.DelayText)
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
