package rules

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/streamalert/streamalert/internal/duration"
	"github.com/streamalert/streamalert/internal/yamlnode"
	"github.com/streamalert/streamalert/schema"
)

var validName = regexp.MustCompile(`^[a-z0-9_]+$`)

// ruleKeys are the keys a native rule may have (Sigma's own keys included).
var ruleKeys = map[string]bool{
	"name": true, "title": true, "description": true, "severity": true, "logs": true,
	"logsource": true, "datatypes": true, "detection": true, "outputs": true,
	"merge_by_keys": true, "merge_window": true, "dedup_period": true, "threshold": true,
	"staged": true, "staged_until": true, "context": true, "tags": true, "references": true,
	"runbook": true, "enabled": true, "tests": true, "schedule": true, "schedule_overlap": true,
	// Sigma
	"id": true, "status": true, "level": true, "author": true, "date": true, "modified": true,
	"falsepositives": true, "fields": true, "related": true, "license": true, "taxonomy": true,
	"scope": true,
}

// parseRule reads one rule document. For Sigma rules name is the name
// derived from the file.
func (l *Loader) parseRule(file string, root *yaml.Node, isSigma bool, name string) (*Rule, []error) {
	r := &Rule{Format: Native, File: file, Line: root.Line, Enabled: true}
	if isSigma {
		r.Format = Sigma
		r.Name = name
	}
	var errs []error
	bad := func(line int, format string, args ...any) {
		errs = append(errs, &LoadError{File: file, Line: line, Rule: r.Name, Msg: fmt.Sprintf(format, args...)})
	}
	if !isSigma {
		n := yamlnode.MapValue(root, "name")
		r.Name = n.Value
		if n.Kind != yaml.ScalarNode || !validName.MatchString(n.Value) {
			r.Name = ""
			bad(n.Line, "rule name %q must be snake_case: lower-case letters, digits and _", n.Value)
		}
	} else if !validName.MatchString(r.Name) {
		bad(root.Line, "cannot derive a rule name from the file name %q; rename the file to snake_case", path.Base(file))
	}

	var detection, logsource, tests *yaml.Node
	var mergeLine int
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		key := k.Value
		if seen[key] {
			bad(k.Line, "key %q appears twice", key)
			continue
		}
		seen[key] = true
		if !ruleKeys[key] {
			if !isSigma {
				bad(k.Line, "unknown key %q", key)
			}
			continue
		}
		handled, err := metadataKey(r, key, v, isSigma)
		if !handled {
			switch key {
			case "logs":
				r.Logs, err = yamlnode.Strings(v)
			case "logsource":
				logsource = v
			case "datatypes":
				r.Datatypes, err = yamlnode.Strings(v)
			case "detection":
				detection = v
			case "merge_by_keys":
				r.MergeByKeys, err = yamlnode.Strings(v)
				mergeLine = v.Line
			case "merge_window":
				r.MergeWindow, err = durationValue(v)
			case "dedup_period":
				r.DedupPeriod, err = durationValue(v)
			case "threshold":
				r.Threshold, err = yamlnode.Int(v)
				if err == nil && r.Threshold < 0 {
					err = fmt.Errorf("threshold must not be negative")
				}
			case "staged":
				r.Staged, err = yamlnode.Bool(v)
			case "staged_until":
				r.StagedUntil, err = timeValue(v)
			case "tests":
				tests = v
			case "schedule":
				r.Schedule, err = yamlnode.String(v)
				r.ScheduleLine = v.Line
				if err == nil && strings.TrimSpace(r.Schedule) == "" {
					err = fmt.Errorf("schedule must not be empty")
				}
			case "schedule_overlap":
				r.ScheduleOverlap, err = durationValue(v)
			}
		}
		if err != nil {
			bad(v.Line, "%s: %v", key, err)
		}
	}
	if r.Severity == "" {
		r.Severity = levelSeverity(r.Level)
		if r.Severity == "" {
			r.Severity = "medium"
		}
	}
	if isSigma && !seen["enabled"] && (r.Status == "deprecated" || r.Status == "unsupported") {
		r.Enabled = false
	}
	if r.ScheduleOverlap > 0 && r.Schedule == "" {
		bad(yamlnode.ValueLine(root, "schedule_overlap"), "schedule_overlap needs a schedule")
	}
	if len(r.MergeByKeys) > 0 && r.MergeWindow <= 0 {
		bad(mergeLine, "merge_by_keys needs a merge_window")
	}
	if r.MergeWindow > 0 && len(r.MergeByKeys) == 0 {
		bad(yamlnode.ValueLine(root, "merge_window"), "merge_window needs merge_by_keys")
	}

	// Where the rule applies.
	var fieldMap map[string]string
	if logsource != nil {
		ls, err := parseLogSource(logsource)
		if err != nil {
			bad(yamlnode.KeyLine(root, "logsource"), "logsource: %v", err)
		} else {
			r.LogSource = ls
		}
	}
	switch {
	case len(r.Logs) > 0 && r.LogSource != nil && !isSigma:
		bad(yamlnode.ValueLine(root, "logs"), "give either logs or logsource, not both")
	case len(r.Logs) > 0:
		r.LogTypes = l.resolveLogs(r.Logs, func(msg string) { bad(yamlnode.ValueLine(root, "logs"), "%s", msg) })
	case r.LogSource != nil:
		table := l.LogSources
		if table == nil {
			table = DefaultLogSources
		}
		names, fm, err := mapLogSource(table, *r.LogSource, l.LogTypes)
		if err != nil {
			bad(yamlnode.KeyLine(root, "logsource"), "%v", err)
		}
		for _, n := range names {
			r.LogTypes = append(r.LogTypes, l.LogTypes.Get(n))
		}
		fieldMap = fm
	case len(r.Datatypes) == 0:
		if logsource == nil {
			bad(root.Line, "the rule needs logs, logsource or datatypes to say which records it applies to")
		}
	}
	if len(r.Datatypes) > 0 {
		r.LogTypes = l.resolveDatatypes(r.Datatypes, r.LogTypes, len(r.Logs) > 0 || r.LogSource != nil,
			func(msg string) { bad(yamlnode.ValueLine(root, "datatypes"), "%s", msg) })
	}
	sort.Slice(r.LogTypes, func(i, j int) bool { return r.LogTypes[i].Name < r.LogTypes[j].Name })

	// Detection.
	if detection == nil {
		bad(root.Line, "the rule has no detection")
	} else {
		d, x, derrs := parseDetection(detection, fieldMap)
		for _, e := range derrs {
			line := detection.Line
			var ie *itemError
			if errors.As(e, &ie) {
				line = ie.line
			}
			bad(line, "detection: %s", errMsg(e))
		}
		r.Detection, r.Expr = d, x
	}
	if r.Expr != nil {
		for _, lf := range Leaves(r.Expr) {
			if lf.Field == "" {
				continue
			}
			if t, ok := normalizedPath(lf.Path); ok && !isNormalizedType(t) {
				bad(lf.Line, "detection: %s: %q is not a normalized type (known: %s)", lf.Field, t, strings.Join(schema.NormalizedTypes, ", "))
			}
			if lt := comparedTimestamp(lf, r.LogTypes); lt != nil {
				bad(lf.Line, "detection: %s|%s: %s is a timestamp in %s (its text is RFC 3339, not a number), so a numeric comparison never matches; compare its text with startswith, or the time range of a back-test",
					lf.Field, lf.Op, lf.Field, lt.Name)
			}
		}
	}

	if tests != nil {
		r.Tests = parseTests(tests, r, bad)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return r, nil
}

func levelSeverity(level string) string {
	switch strings.ToLower(level) {
	case "informational", "info":
		return "info"
	case "low", "medium", "high", "critical":
		return strings.ToLower(level)
	}
	return ""
}

// durationValue reads a duration (package internal/duration: 90s, 15m,
// 48h, 7d, 2w, 1h30m).
func durationValue(n *yaml.Node) (time.Duration, error) {
	if n.Kind != yaml.ScalarNode {
		return 0, fmt.Errorf("must be a duration such as 90s, 15m, 48h, 7d or 2w")
	}
	return duration.Parse(n.Value)
}

func timeValue(n *yaml.Node) (time.Time, error) {
	if n.Kind != yaml.ScalarNode {
		return time.Time{}, fmt.Errorf("must be a date or an RFC 3339 time")
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, n.Value); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (2006-01-02) or an RFC 3339 time", n.Value)
}

// metadataKey reads a key that detection rules and correlation rules share
// (names, descriptions, severity, outputs, Sigma metadata …) and reports
// whether key is one of them.
func metadataKey(r *Rule, key string, v *yaml.Node, isSigma bool) (bool, error) {
	var err error
	switch key {
	case "name":
		if isSigma {
			r.SigmaName, err = yamlnode.String(v)
		}
	case "title":
		r.Title, err = yamlnode.String(v)
	case "description":
		r.Description, err = yamlnode.String(v)
	case "severity":
		r.Severity, err = yamlnode.String(v)
		if err == nil && !containsString(Severities, strings.ToLower(r.Severity)) {
			err = fmt.Errorf("severity %q must be one of %s", r.Severity, strings.Join(Severities, ", "))
		}
		r.Severity = strings.ToLower(r.Severity)
	case "level":
		r.Level, err = yamlnode.String(v)
		if err == nil && levelSeverity(r.Level) == "" {
			err = fmt.Errorf("level %q must be one of informational, low, medium, high, critical", r.Level)
		}
	case "outputs":
		r.Outputs, err = yamlnode.Strings(v)
		for _, o := range r.Outputs {
			svc, desc, ok := strings.Cut(o, ":")
			if err == nil && (!ok || svc == "" || desc == "" || strings.ContainsAny(o, " \t")) {
				err = fmt.Errorf("output %q must look like service:descriptor", o)
			}
		}
	case "context":
		if v.Kind != yaml.MappingNode {
			err = fmt.Errorf("context must be a map")
		} else {
			err = v.Decode(&r.Context)
		}
	case "tags":
		r.Tags, err = yamlnode.Strings(v)
	case "references":
		r.References, err = yamlnode.Strings(v)
	case "runbook":
		r.Runbook, err = yamlnode.String(v)
	case "enabled":
		r.Enabled, err = yamlnode.Bool(v)
	case "id":
		r.ID, err = yamlnode.String(v)
	case "status":
		r.Status, err = yamlnode.String(v)
	case "author":
		r.Author, err = yamlnode.String(v)
	case "date":
		r.Date, err = yamlnode.String(v)
	case "modified":
		r.Modified, err = yamlnode.String(v)
	case "falsepositives":
		r.FalsePositives, err = yamlnode.Strings(v)
	default:
		return false, nil
	}
	return true, err
}
