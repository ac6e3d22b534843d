package config

import (
	"fmt"
	"regexp"

	"github.com/streamalert/streamalert/internal/yamlnode"
)

// Deploy holds deploy.yaml: settings of the AWS deployment that the rest
// of the config has no place for (function sizes, stream shards, batch
// sizes, retention). Every field has a default, so the file is optional;
// `streamalert deploy generate` reads it.
type Deploy struct {
	// Architecture of the Lambda functions: arm64 or amd64.
	Architecture string                    `yaml:"architecture"`
	Functions    map[string]FunctionDeploy `yaml:"functions"`
	// Sources holds per-source trigger settings, by source name.
	Sources map[string]SourceDeploy `yaml:"sources"`
	// LogRetentionDays of every CloudWatch log group.
	LogRetentionDays int `yaml:"log_retention_days"`
	// Lake lifecycle: objects move to Standard-IA after TransitionIADays
	// and are deleted after ExpireDays (0: never).
	TransitionIADays int `yaml:"transition_ia_days"`
	ExpireDays       int `yaml:"expire_days"`
	// AthenaBytesScannedCutoffGiB is the workgroup's per-query limit.
	AthenaBytesScannedCutoffGiB int `yaml:"athena_bytes_scanned_cutoff_gib"`
	// DispatchSchedule is the EventBridge expression of the alerts tick.
	DispatchSchedule string `yaml:"dispatch_schedule"`
	// AlarmEmail, when set, is subscribed to the alarm topic.
	AlarmEmail string `yaml:"alarm_email"`
	// UnclassifiedAlarmPercent alarms when more than this share of the
	// records of a 15-minute window are unclassified.
	UnclassifiedAlarmPercent int `yaml:"unclassified_alarm_percent"`

	File string `yaml:"-"`
}

// FunctionDeploy sizes one Lambda function.
type FunctionDeploy struct {
	MemoryMB       int `yaml:"memory_mb"`
	TimeoutSeconds int `yaml:"timeout_seconds"`
}

// SourceDeploy is the trigger of one source on AWS.
type SourceDeploy struct {
	// Kinesis: Shards 0 means on-demand capacity. Create false uses an
	// existing stream instead of making one.
	Shards         int   `yaml:"shards"`
	RetentionHours int   `yaml:"retention_hours"`
	Create         *bool `yaml:"create"`
	// Kinesis and SQS event source mappings (S3 sources read their
	// notifications through an SQS queue).
	BatchSize          int `yaml:"batch_size"`
	BatchWindowSeconds int `yaml:"batch_window_seconds"`
	// HTTP: "function_url" (default) or "api_gateway".
	Endpoint string `yaml:"endpoint"`
	// S3: only objects under this key prefix notify.
	KeyPrefix string `yaml:"key_prefix"`

	Line int `yaml:"-"`
}

var scheduleExpr = regexp.MustCompile(`^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$`)

// DefaultDeploy returns the settings used for what deploy.yaml leaves out.
func DefaultDeploy() Deploy {
	return Deploy{
		Architecture: "arm64",
		Functions: map[string]FunctionDeploy{
			"classifier": {MemoryMB: 1024, TimeoutSeconds: 300},
			"alerts":     {MemoryMB: 512, TimeoutSeconds: 120},
			// Athena queries of a catch-up run one after another.
			"hunts": {MemoryMB: 512, TimeoutSeconds: 900},
		},
		Sources:                     map[string]SourceDeploy{},
		LogRetentionDays:            365,
		TransitionIADays:            30,
		ExpireDays:                  365,
		AthenaBytesScannedCutoffGiB: 100,
		DispatchSchedule:            "rate(1 minute)",
		UnclassifiedAlarmPercent:    5,
		File:                        "deploy.yaml",
	}
}

// logRetentionDays are the values CloudWatch Logs accepts.
var logRetentionDays = map[int]bool{1: true, 3: true, 5: true, 7: true, 14: true, 30: true, 60: true, 90: true,
	120: true, 150: true, 180: true, 365: true, 400: true, 545: true, 731: true, 1096: true, 1827: true,
	2192: true, 2557: true, 2922: true, 3288: true, 3653: true}

// Deploy reads deploy.yaml (optional) over the defaults and checks it
// against the sources: every problem names deploy.yaml and its line.
func (c *Config) Deploy() (Deploy, Problems) {
	d := DefaultDeploy()
	var ps Problems
	if c.FS == nil {
		return d, nil
	}
	n := readYAML(c.FS, d.File, &ps, false)
	if n == nil {
		return d, ps
	}
	root := n.Content[0]
	defaults := d.Functions
	d.Functions = nil
	if err := decodeStrict(root, &d); err != nil {
		ps.add(d.File, nodeErrLine(err, root), "%s", plainDecodeErr(err))
		return DefaultDeploy(), ps
	}
	for name, f := range defaults {
		got, ok := d.Functions[name]
		if !ok {
			got = f
		}
		if got.MemoryMB == 0 {
			got.MemoryMB = f.MemoryMB
		}
		if got.TimeoutSeconds == 0 {
			got.TimeoutSeconds = f.TimeoutSeconds
		}
		if d.Functions == nil {
			d.Functions = map[string]FunctionDeploy{}
		}
		d.Functions[name] = got
	}
	if d.Sources == nil {
		d.Sources = map[string]SourceDeploy{}
	}
	// line is the line of the last key of a path, or of the nearest
	// parent present.
	line := func(keys ...string) int {
		node, l := root, root.Line
		for _, k := range keys {
			kl := yamlnode.KeyLine(node, k)
			if node = mapValue(node, k); node == nil {
				return l
			}
			l = kl
		}
		return l
	}
	if d.Architecture != "arm64" && d.Architecture != "amd64" {
		ps.add(d.File, line("architecture"), "architecture %q must be arm64 or amd64", d.Architecture)
	}
	for name, f := range d.Functions {
		if _, ok := defaults[name]; !ok {
			ps.add(d.File, line("functions", name), "functions: %q is not a function (classifier, alerts, hunts)", name)
		}
		if f.MemoryMB < 128 || f.MemoryMB > 10240 {
			ps.add(d.File, line("functions", name), "functions.%s.memory_mb %d must be between 128 and 10240", name, f.MemoryMB)
		}
		if f.TimeoutSeconds < 1 || f.TimeoutSeconds > 900 {
			ps.add(d.File, line("functions", name), "functions.%s.timeout_seconds %d must be between 1 and 900", name, f.TimeoutSeconds)
		}
	}
	if !logRetentionDays[d.LogRetentionDays] {
		ps.add(d.File, line("log_retention_days"), "log_retention_days %d is not a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, …, 3653)", d.LogRetentionDays)
	}
	if d.TransitionIADays < 30 && d.TransitionIADays != 0 {
		ps.add(d.File, line("transition_ia_days"), "transition_ia_days %d must be 0 (never) or at least 30 (S3's minimum for Standard-IA)", d.TransitionIADays)
	}
	if d.ExpireDays < 0 || d.ExpireDays != 0 && d.ExpireDays <= d.TransitionIADays {
		ps.add(d.File, line("expire_days"), "expire_days %d must be 0 (never) or more than transition_ia_days", d.ExpireDays)
	}
	if d.AthenaBytesScannedCutoffGiB < 1 {
		ps.add(d.File, line("athena_bytes_scanned_cutoff_gib"), "athena_bytes_scanned_cutoff_gib must be at least 1")
	}
	if !scheduleExpr.MatchString(d.DispatchSchedule) {
		ps.add(d.File, line("dispatch_schedule"), "dispatch_schedule %q must be rate(N minutes) or cron(…)", d.DispatchSchedule)
	}
	if d.UnclassifiedAlarmPercent < 1 || d.UnclassifiedAlarmPercent > 100 {
		ps.add(d.File, line("unclassified_alarm_percent"), "unclassified_alarm_percent %d must be between 1 and 100", d.UnclassifiedAlarmPercent)
	}
	for name, s := range d.Sources {
		l := line("sources", name)
		s.Line = l
		d.Sources[name] = s
		src, ok := c.Source(name)
		if !ok {
			ps.add(d.File, l, "sources: %q is not a source of sources.yaml", name)
			continue
		}
		ps = append(ps, checkSourceDeploy(d.File, func(field string) int { return line("sources", name, field) }, src, s)...)
	}
	ps.Sort()
	return d, ps
}

// checkSourceDeploy checks a source's settings against its kind; line
// gives the line of a setting.
func checkSourceDeploy(file string, line func(field string) int, src Source, s SourceDeploy) Problems {
	var ps Problems
	field := ""
	bad := func(format string, args ...any) {
		ps.add(file, line(field), "sources.%s: %s", src.Name, fmt.Sprintf(format, args...))
	}
	switch src.Kind {
	case "kinesis":
		if field = "shards"; s.Shards < 0 || s.Shards > 500 {
			bad("shards %d must be 0 (on-demand) to 500", s.Shards)
		}
		if field = "retention_hours"; s.RetentionHours != 0 && (s.RetentionHours < 24 || s.RetentionHours > 8760) {
			bad("retention_hours %d must be between 24 and 8760", s.RetentionHours)
		}
		if field = "batch_size"; s.BatchSize < 0 || s.BatchSize > 10000 {
			bad("batch_size %d must be between 1 and 10000 for Kinesis", s.BatchSize)
		}
	case "sqs", "s3":
		if field = "batch_size"; s.BatchSize < 0 || s.BatchSize > 10000 {
			bad("batch_size %d must be between 1 and 10000 for SQS", s.BatchSize)
		}
		if s.BatchSize > 10 && s.BatchWindowSeconds == 0 {
			bad("batch_size above 10 needs batch_window_seconds of at least 1 (an SQS rule)")
		}
	case "http":
		if field = "endpoint"; s.Endpoint != "" && s.Endpoint != "function_url" && s.Endpoint != "api_gateway" {
			bad("endpoint %q must be function_url or api_gateway", s.Endpoint)
		}
	case "sns":
	default:
		field = ""
		bad("a %s source has no AWS trigger; remove it from deploy.yaml", src.Kind)
	}
	if field = "batch_window_seconds"; s.BatchWindowSeconds < 0 || s.BatchWindowSeconds > 300 {
		bad("batch_window_seconds %d must be between 0 and 300", s.BatchWindowSeconds)
	}
	return ps
}
