package rules

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/streamalert/streamalert/internal/yamlnode"
)

// parseTests reads a rule's inline tests.
func parseTests(n *yaml.Node, r *Rule, bad func(int, string, ...any)) []TestCase {
	if n.Kind != yaml.SequenceNode {
		bad(n.Line, "tests must be a list")
		return nil
	}
	var out []TestCase
	for i, e := range n.Content {
		if e.Kind != yaml.MappingNode {
			bad(e.Line, "tests: each test must be a map with log_type, record and expect")
			continue
		}
		tc := TestCase{Line: e.Line, Name: fmt.Sprintf("test %d", i+1)}
		var haveRecord, haveExpect bool
		for j := 0; j+1 < len(e.Content); j += 2 {
			k, v := e.Content[j], e.Content[j+1]
			var err error
			switch k.Value {
			case "name":
				tc.Name, err = yamlnode.String(v)
			case "log_type", "log":
				tc.LogType, err = yamlnode.String(v)
			case "record", "data":
				haveRecord = true
				tc.Record, err = recordPayload(v)
			case "expect", "expected", "match":
				haveExpect = true
				tc.Expect, err = expectValue(v)
			case "description":
			default:
				err = fmt.Errorf("unknown key (want name, log_type, record, expect)")
			}
			if err != nil {
				bad(v.Line, "tests: %s: %v", k.Value, err)
			}
		}
		if !haveRecord {
			bad(e.Line, "tests: %s: no record", tc.Name)
		}
		if !haveExpect {
			bad(e.Line, "tests: %s: no expect (true/match or false/no match)", tc.Name)
		}
		switch {
		case tc.LogType == "" && len(r.LogTypes) == 1:
			tc.LogType = r.LogTypes[0].Name
		case tc.LogType == "":
			bad(e.Line, "tests: %s: needs a log_type (the rule runs on several)", tc.Name)
		case len(r.LogTypes) > 0 && !r.AppliesTo(tc.LogType):
			bad(e.Line, "tests: %s: the rule does not run on log type %q (it runs on %s)", tc.Name, tc.LogType, strings.Join(r.LogTypeNames(), ", "))
		}
		out = append(out, tc)
	}
	return out
}

func expectValue(v *yaml.Node) (bool, error) {
	if v.Kind == yaml.ScalarNode {
		switch strings.ToLower(strings.TrimSpace(v.Value)) {
		case "true", "match", "matches", "yes":
			return true, nil
		case "false", "no match", "no_match", "nomatch", "no":
			return false, nil
		}
	}
	return false, fmt.Errorf("want true (match) or false (no match), not %q", v.Value)
}

// recordPayload turns a test record into the payload for the classifier: a
// map or list becomes JSON (keys in written order), a string stays as is.
func recordPayload(v *yaml.Node) ([]byte, error) {
	v = yamlnode.Resolve(v)
	if v.Kind == yaml.ScalarNode {
		if v.Tag == "!!null" {
			return nil, fmt.Errorf("record is empty")
		}
		return []byte(v.Value), nil
	}
	return yamlnode.JSON(v)
}
