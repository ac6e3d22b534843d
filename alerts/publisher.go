package alerts

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"text/template"
	"time"
)

// Publisher turns an alert into the payload one output sends: a JSON-able
// map that starts as Payload(alert) and is then transformed declaratively.
//
// Publishers are configured per output, in the output's settings in
// outputs.yaml, not per rule: the shape of a payload belongs to where it
// goes (a Slack channel wants a summary, an S3 archive the full record),
// and rules stay plain detections. The settings, applied in this order:
//
//	template.FIELD: Go text/template rendered over the full payload; the
//	                text is stored at FIELD (dotted for nested), e.g.
//	                template.summary: "{{.rule}} by {{.record.userIdentity.arn}}"
//	fields:         comma-separated dotted paths to keep; all else is dropped
//	drop:           comma-separated dotted paths to remove
//	rename:         comma-separated from=to pairs of dotted paths
//
// Templates get the functions json, upper, lower, join, truncate and get
// ({{get . "a.b.c"}}: a value by dotted path); a missing value renders as "".
type Publisher struct {
	templates []fieldTemplate
	fields    []string
	drop      []string
	rename    [][2]string
}

type fieldTemplate struct {
	field string
	t     *template.Template
}

// PublisherSettings are the output settings a Publisher reads.
var PublisherSettings = []string{"fields", "drop", "rename", "template.FIELD"}

func isPublisherSetting(key string) bool {
	return key == "fields" || key == "drop" || key == "rename" || strings.HasPrefix(key, "template.")
}

var templateFuncs = template.FuncMap{
	"json":  func(v any) string { return canonical(v) },
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
	"join": func(v any, sep string) string {
		switch x := v.(type) {
		case []string:
			return strings.Join(x, sep)
		case []any:
			parts := make([]string, len(x))
			for i, e := range x {
				parts[i] = fmt.Sprint(e)
			}
			return strings.Join(parts, sep)
		}
		return fmt.Sprint(v)
	},
	"truncate": func(n int, s string) string { return truncate(s, n) },
	"get": func(m map[string]any, path string) any {
		v, _ := lookupPath(m, path)
		return v
	},
}

// NewPublisher reads the publisher settings of an output. Templates are
// parsed here, so a broken one fails at load time.
func NewPublisher(settings map[string]string) (*Publisher, error) {
	p := &Publisher{}
	for _, k := range sortedKeys(settings) {
		v := settings[k]
		switch {
		case strings.HasPrefix(k, "template."):
			field := strings.TrimPrefix(k, "template.")
			if field == "" {
				return nil, fmt.Errorf("publisher setting %s: no field after template.", k)
			}
			t, err := template.New(k).Option("missingkey=zero").Funcs(templateFuncs).Parse(v)
			if err != nil {
				return nil, fmt.Errorf("publisher setting %s: %w", k, err)
			}
			p.templates = append(p.templates, fieldTemplate{field, t})
		case k == "fields":
			p.fields = splitList(v)
		case k == "drop":
			p.drop = splitList(v)
		case k == "rename":
			for _, pair := range splitList(v) {
				from, to, ok := strings.Cut(pair, "=")
				from, to = strings.TrimSpace(from), strings.TrimSpace(to)
				if !ok || from == "" || to == "" {
					return nil, fmt.Errorf("publisher setting rename: %q is not from=to", pair)
				}
				p.rename = append(p.rename, [2]string{from, to})
			}
		}
	}
	return p, nil
}

func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// Publish builds the payload of an alert for this publisher's output.
func (p *Publisher) Publish(a *Alert) (map[string]any, error) {
	out := Payload(a)
	if p == nil {
		return out, nil
	}
	full := out
	if len(p.templates) > 0 {
		out = maps.Clone(out)
	}
	for _, ft := range p.templates {
		var b strings.Builder
		if err := ft.t.Execute(&b, full); err != nil {
			return nil, fmt.Errorf("publisher %s: %w", ft.t.Name(), err)
		}
		out = setPath(out, ft.field, strings.ReplaceAll(b.String(), "<no value>", ""))
	}
	if len(p.fields) > 0 {
		kept := map[string]any{}
		for _, f := range p.fields {
			if v, ok := lookupPath(out, f); ok {
				kept = setPath(kept, f, v)
			}
		}
		out = kept
	}
	for _, f := range p.drop {
		out = deletePath(out, f)
	}
	for _, r := range p.rename {
		if v, ok := lookupPath(out, r[0]); ok {
			out = setPath(deletePath(out, r[0]), r[1], v)
		}
	}
	return out, nil
}

// setPath returns m with v at a dotted path, copying the maps on the path
// so values shared with the alert are never changed.
func setPath(m map[string]any, path string, v any) map[string]any {
	head, rest, nested := strings.Cut(path, ".")
	out := maps.Clone(m)
	if out == nil {
		out = map[string]any{}
	}
	if !nested {
		out[head] = v
		return out
	}
	sub, _ := out[head].(map[string]any)
	out[head] = setPath(sub, rest, v)
	return out
}

// deletePath returns m without the value at a dotted path, copying as setPath.
func deletePath(m map[string]any, path string) map[string]any {
	head, rest, nested := strings.Cut(path, ".")
	if _, ok := m[head]; !ok {
		return m
	}
	out := maps.Clone(m)
	if !nested {
		delete(out, head)
		return out
	}
	if sub, ok := out[head].(map[string]any); ok {
		out[head] = deletePath(sub, rest)
	}
	return out
}

// Payload is the default payload of an alert: every field a receiver may
// want, with times as RFC 3339 text, plus a one-line summary.
func Payload(a *Alert) map[string]any {
	p := map[string]any{
		"id":         a.ID,
		"rule":       a.Rule,
		"title":      alertTitle(a),
		"severity":   a.Severity,
		"log_type":   a.LogType,
		"source":     a.Source,
		"event_time": a.EventTime.UTC().Format(time.RFC3339Nano),
		"created":    a.Created.UTC().Format(time.RFC3339Nano),
		"summary":    summary(a),
		"record":     a.Record,
	}
	setIf := func(k string, v any, ok bool) {
		if ok {
			p[k] = v
		}
	}
	setIf("description", a.Description, a.Description != "")
	setIf("runbook", a.Runbook, a.Runbook != "")
	setIf("tags", a.Tags, len(a.Tags) > 0)
	setIf("record_id", a.RecordID, a.RecordID != "")
	setIf("staged", a.Staged, a.Staged)
	setIf("key_values", a.KeyValues, len(a.KeyValues) > 0)
	setIf("context", a.Context, len(a.Context) > 0)
	setIf("matched", a.Matched, len(a.Matched) > 0)
	if m := a.Merge; m != nil {
		p["merge"] = map[string]any{
			"count":       m.Count,
			"first":       m.First.UTC().Format(time.RFC3339Nano),
			"last":        m.Last.UTC().Format(time.RFC3339Nano),
			"merged_by":   m.MergedBy,
			"common_keys": m.CommonKeys,
			"value_diffs": m.ValueDiffs,
		}
	}
	return p
}

func alertTitle(a *Alert) string {
	if a.Title != "" {
		return a.Title
	}
	return a.Rule
}

// summary is one line about an alert: what, where, and for a merged alert
// how many and over which span.
func summary(a *Alert) string {
	var b strings.Builder
	b.WriteString(alertTitle(a))
	if a.Severity != "" {
		fmt.Fprintf(&b, " [%s]", a.Severity)
	}
	if len(a.KeyValues) > 0 {
		keys := slices.Clone(a.MergeKeys)
		if len(keys) == 0 {
			keys = sortedKeys(a.KeyValues)
		}
		sort.Strings(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			if v, ok := a.KeyValues[k]; ok {
				parts = append(parts, k+"="+plain(v))
			}
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	if m := a.Merge; m != nil {
		fmt.Fprintf(&b, ": %d alerts from %s to %s", m.Count, m.First.UTC().Format(time.RFC3339), m.Last.UTC().Format(time.RFC3339))
	} else if a.LogType != "" {
		fmt.Fprintf(&b, ": %s record", a.LogType)
		if a.Source != "" {
			fmt.Fprintf(&b, " from %s", a.Source)
		}
	}
	return b.String()
}

// plain renders a value for people: strings bare, the rest as JSON.
func plain(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return canonical(v)
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 3 {
		return s[:max(n, 0)]
	}
	cut := n - 3
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
