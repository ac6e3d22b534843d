package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/streamalert/streamalert/internal/yamlnode"
)

// LoadBytes loads the rules of one file (one or more YAML documents).
// sigma says the file is in a Sigma rule directory; documents without a
// name key are Sigma rules anywhere.
func (l *Loader) LoadBytes(file string, data []byte, sigma bool) ([]*Rule, []error) {
	var rules []*Rule
	var errs []error
	dec := yamlnode.NewDecoder(bytes.NewReader(data))
	var global *yaml.Node // Sigma "action: global" document
	var prev *yaml.Node   // previous rule document, for "action: repeat"
	docIndex := 0
	base := snakeName(strings.TrimSuffix(strings.TrimSuffix(path.Base(filepath.ToSlash(file)), ".yml"), ".yaml"))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			errs = append(errs, &LoadError{File: file, Line: yamlnode.ErrLineIn(err, data), Msg: "bad YAML: " + yamlnode.ErrText(err)})
			break
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		if root.Kind != yaml.MappingNode {
			errs = append(errs, &LoadError{File: file, Line: root.Line, Msg: "a rule must be a YAML map"})
			continue
		}
		if a := yamlnode.MapValue(root, "action"); a != nil {
			switch a.Value {
			case "global":
				global = yamlnode.WithoutKey(root, "action")
				continue
			case "reset":
				global = nil
				continue
			case "repeat":
				if prev == nil {
					errs = append(errs, &LoadError{File: file, Line: a.Line, Msg: "action: repeat needs a rule document before it"})
					continue
				}
				root = yamlnode.Merge(prev, yamlnode.WithoutKey(root, "action"))
			default:
				errs = append(errs, &LoadError{File: file, Line: a.Line, Msg: fmt.Sprintf("unknown action %q (want global, reset or repeat)", a.Value)})
				continue
			}
		}
		if global != nil {
			root = yamlnode.Merge(global, root)
		}
		prev = root
		if yamlnode.MapValue(root, "filter") != nil && yamlnode.MapValue(root, "detection") == nil {
			errs = append(errs, &LoadError{File: file, Line: yamlnode.KeyLine(root, "filter"), Msg: "Sigma filter documents are not supported yet"})
			continue
		}
		isSigma := sigma || yamlnode.MapValue(root, "name") == nil
		if isSigma && !sigma {
			if k := nativeOnlyKey(root); k != "" {
				errs = append(errs, &LoadError{File: file, Line: root.Line,
					Msg: fmt.Sprintf("the rule has %s but no name; native rules need a name (Sigma rules go under a sigma/ directory)", k)})
				continue
			}
		}
		name := ""
		if isSigma {
			docIndex++
			name = base
			if docIndex > 1 {
				name = fmt.Sprintf("%s_%d", base, docIndex)
			}
		}
		parse := l.parseRule
		if yamlnode.MapValue(root, "correlation") != nil {
			parse = l.parseCorrelation
		}
		r, es := parse(file, root, isSigma, name)
		errs = append(errs, es...)
		if r != nil {
			rules = append(rules, r)
		}
	}
	return rules, errs
}

var nonSnake = regexp.MustCompile(`[^a-z0-9]+`)

// snakeName turns a file name into a rule name: lower case, runs of other
// characters become one underscore.
func snakeName(s string) string {
	return strings.Trim(nonSnake.ReplaceAllString(strings.ToLower(s), "_"), "_")
}

// nativeOnlyKey returns a key of m that only native rules have, or "".
func nativeOnlyKey(m *yaml.Node) string {
	for i := 0; i+1 < len(m.Content); i += 2 {
		switch k := m.Content[i].Value; k {
		case "logs", "datatypes", "outputs", "severity", "merge_by_keys", "merge_window", "dedup_period",
			"threshold", "staged", "staged_until", "context", "runbook", "tests", "enabled":
			return k
		}
	}
	return ""
}
