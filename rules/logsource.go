package rules

import (
	"bytes"
	_ "embed"
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/streamalert/streamalert/internal/yamlnode"
)

// LogSourceMapping maps a Sigma logsource to log types. Every non-empty
// key of the mapping must equal the rule's value (case-insensitively); keys
// the mapping leaves empty may be anything. When several mappings fit, the
// ones with the most keys win, and their log types are combined.
type LogSourceMapping struct {
	Category string
	Product  string
	Service  string
	LogTypes []string
	// Fields renames Sigma field names to this project's field paths for
	// these log types (for sources whose Sigma rules use a different naming
	// than the raw records).
	Fields map[string]string
}

func (m LogSourceMapping) keys() int {
	n := 0
	for _, s := range []string{m.Category, m.Product, m.Service} {
		if s != "" {
			n++
		}
	}
	return n
}

func (m LogSourceMapping) fits(s LogSource) bool {
	ok := func(want, got string) bool { return want == "" || strings.EqualFold(want, got) }
	return m.keys() > 0 && ok(m.Category, s.Category) && ok(m.Product, s.Product) && ok(m.Service, s.Service)
}

// DefaultLogSources is the built-in logsource table, read from the
// embedded logsources.yaml (documented there and in docs/rules.md). Log
// types a registry does not have are skipped, so the table may name more
// than exist.
var DefaultLogSources = mustLogSources(logSourcesYAML)

//go:embed logsources.yaml
var logSourcesYAML []byte

// mustLogSources reads the embedded table; a test checks it loads, so a
// failure here is a broken build, not bad input.
func mustLogSources(data []byte) []LogSourceMapping {
	table, err := ParseLogSources(data)
	if err != nil {
		panic("rules: embedded logsources.yaml: " + err.Error())
	}
	return table
}

// ParseLogSources reads a logsource table: a YAML list of rows with
// category, product, service, log_types and fields (Sigma field name to
// field path).
func ParseLogSources(data []byte) ([]LogSourceMapping, error) {
	var rows []struct {
		Category string            `yaml:"category"`
		Product  string            `yaml:"product"`
		Service  string            `yaml:"service"`
		LogTypes []string          `yaml:"log_types"`
		Fields   map[string]string `yaml:"fields"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&rows); err != nil {
		return nil, fmt.Errorf("logsource table: %w", err)
	}
	out := make([]LogSourceMapping, 0, len(rows))
	for i, r := range rows {
		m := LogSourceMapping{Category: r.Category, Product: r.Product, Service: r.Service, LogTypes: r.LogTypes, Fields: r.Fields}
		if m.keys() == 0 || len(m.LogTypes) == 0 {
			return nil, fmt.Errorf("logsource table: row %d needs a category, product or service and log_types", i+1)
		}
		out = append(out, m)
	}
	return out, nil
}

// mapLogSource returns the log types (present in reg) and the field map
// for a logsource.
func mapLogSource(table []LogSourceMapping, s LogSource, reg LogTypes) ([]string, map[string]string, error) {
	best := 0
	var fits []LogSourceMapping
	for _, m := range table {
		if !m.fits(s) {
			continue
		}
		switch k := m.keys(); {
		case k > best:
			best, fits = k, []LogSourceMapping{m}
		case k == best:
			fits = append(fits, m)
		}
	}
	if len(fits) == 0 {
		return nil, nil, fmt.Errorf("no log type is mapped to logsource %s", s)
	}
	seen := map[string]bool{}
	var names, missing []string
	fields := map[string]string{}
	for _, m := range fits {
		for _, n := range m.LogTypes {
			if seen[n] {
				continue
			}
			seen[n] = true
			if reg.Get(n) == nil {
				missing = append(missing, n)
				continue
			}
			names = append(names, n)
		}
		for k, v := range m.Fields {
			fields[k] = v
		}
	}
	if len(names) == 0 {
		return nil, nil, fmt.Errorf("logsource %s maps to %s, which is not a known log type", s, strings.Join(missing, ", "))
	}
	sort.Strings(names)
	return names, fields, nil
}

// parseLogSource reads a rule's logsource map.
func parseLogSource(n *yaml.Node) (*LogSource, error) {
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("must be a map of category, product and service")
	}
	ls := &LogSource{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		s, err := yamlnode.String(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", k, err)
		}
		switch k {
		case "category":
			ls.Category = s
		case "product":
			ls.Product = s
		case "service":
			ls.Service = s
		case "definition":
			ls.Definition = s
		}
	}
	if ls.Category == "" && ls.Product == "" && ls.Service == "" {
		return nil, fmt.Errorf("needs a category, product or service")
	}
	return ls, nil
}
