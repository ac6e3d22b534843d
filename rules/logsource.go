package rules

import (
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

// DefaultLogSources is the built-in logsource table. Log types a registry
// does not have are skipped, so the table may name more than exist.
var DefaultLogSources = []LogSourceMapping{
	{Product: "aws", Service: "cloudtrail", LogTypes: []string{"cloudtrail:events"}},
	{Product: "aws", Service: "guardduty", LogTypes: []string{"aws:guardduty"}},
	{Product: "okta", LogTypes: []string{"okta:system"}},
	{Product: "onelogin", LogTypes: []string{"onelogin:events"}},
	{Product: "duo", LogTypes: []string{"duo:authentication", "duo:administrator"}},
	{Product: "linux", Service: "auditd", LogTypes: []string{"auditd:log"}},
	{Product: "linux", Service: "auth", LogTypes: []string{"linux:auth"}},
	{Product: "linux", Service: "sshd", LogTypes: []string{"linux:auth"}},
	{Product: "linux", Service: "sudo", LogTypes: []string{"linux:auth"}},
	{Product: "linux", Service: "syslog", LogTypes: []string{"linux:syslog"}},
	{Category: "webserver", LogTypes: []string{"apache:access", "nginx:access"}},
	{Service: "apache", LogTypes: []string{"apache:access"}},
	{Service: "nginx", LogTypes: []string{"nginx:access"}},
	{Product: "apache", LogTypes: []string{"apache:access"}},
	{Product: "nginx", LogTypes: []string{"nginx:access"}},
	{Product: "gcp", Service: "gcp.audit", LogTypes: []string{"gcp:audit"},
		Fields: map[string]string{
			"gcp.audit.method_name":   "protoPayload.methodName",
			"gcp.audit.service_name":  "protoPayload.serviceName",
			"gcp.audit.resource_name": "protoPayload.resourceName",
		}},
	{Product: "gcp", Service: "google_workspace.admin", LogTypes: []string{"gsuite:reports"}},
	{Product: "gcp", Service: "google_workspace.login", LogTypes: []string{"gsuite:reports"}},
	{Product: "github", Service: "audit", LogTypes: []string{"github:audit"}},
	{Product: "m365", Service: "audit", LogTypes: []string{"m365:audit"}},
	{Product: "m365", Service: "exchange", LogTypes: []string{"m365:audit"}},
	{Product: "m365", Service: "threat_management", LogTypes: []string{"m365:audit"}},
	{Product: "m365", Service: "threat_detection", LogTypes: []string{"m365:audit"}},
	{Product: "azure", Service: "activitylogs", LogTypes: []string{"azure:activity"}},
	{Product: "azure", Service: "auditlogs", LogTypes: []string{"azure:audit"}},
	{Product: "azure", Service: "signinlogs", LogTypes: []string{"azure:signin"}},
	{Product: "kubernetes", Service: "audit", LogTypes: []string{"kubernetes:audit"}},
	{Product: "zeek", Service: "conn", LogTypes: []string{"zeek:conn"}},
	{Product: "zeek", Service: "dns", LogTypes: []string{"zeek:dns"}},
	{Product: "zeek", Service: "http", LogTypes: []string{"zeek:http"}},
	{Product: "zeek", Service: "ssl", LogTypes: []string{"zeek:ssl"}},
	{Category: "dns", LogTypes: []string{"zeek:dns", "packetbeat:dns"}},
	{Category: "firewall", LogTypes: []string{"pan:traffic"}},
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
