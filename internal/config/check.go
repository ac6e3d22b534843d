package config

import (
	"io/fs"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/streamalert/streamalert/internal/yamlnode"
)

// CheckLogTypes reports every log type pattern in sources.yaml that names
// no known log type. known reports whether a pattern (a full name such as
// cloudtrail:events, or a source prefix such as osquery) matches any.
func (c *Config) CheckLogTypes(known func(pattern string) bool) Problems {
	var ps Problems
	for _, s := range c.Sources {
		for _, t := range s.LogTypes {
			if !known(t) {
				ps.add(s.File, s.TypesLine, "source %s: unknown log type %q (see `streamalert schemas list`)", s.Name, t)
			}
		}
	}
	return ps
}

// CheckRuleOutputs reports every output a native rule file sends to that
// outputs.yaml does not configure. Syntax errors in rule files are left to
// the rule loader, which reports them.
func (c *Config) CheckRuleOutputs() Problems {
	var ps Problems
	if c.outputsUnread {
		return nil
	}
	for _, o := range c.Global.Alerts.DefaultOutputs {
		if _, ok := c.Output(o); !ok {
			ps.add("global.yaml", 0, "alerts.default_outputs names %q, which outputs.yaml does not configure", o)
		}
	}
	for _, file := range c.Files("rules", ".yaml", ".yml") {
		data, err := fs.ReadFile(c.FS, file)
		if err != nil {
			continue
		}
		dec := yamlnode.NewDecoder(strings.NewReader(string(data)))
		for {
			var doc yaml.Node
			if dec.Decode(&doc) != nil {
				break
			}
			if len(doc.Content) == 0 {
				continue
			}
			root := doc.Content[0]
			name := ""
			if n := mapValue(root, "name"); n != nil {
				name = n.Value
			}
			outs := mapValue(root, "outputs")
			if outs == nil || outs.Kind != yaml.SequenceNode {
				continue
			}
			for _, o := range outs.Content {
				if _, ok := c.Output(o.Value); !ok {
					ps.add(file, o.Line, "rule %s sends to output %q, which outputs.yaml does not configure", name, o.Value)
				}
			}
		}
	}
	return ps
}
