// Package yamlnode reads YAML nodes the way the project's loaders need
// them: the places (values of a mapping node with their lines, the line
// and plain text of a YAML library error), plain values (a string, a list
// of strings, a bool, a whole number; aliases followed), map merging for
// Sigma rule collections, and a node as JSON. The config, schema and rules
// loaders share it, so that every file:line they report is found the same
// way and every value is read the same way.
package yamlnode

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// MapValue returns the value of key in mapping m, or nil when m is not a
// mapping or has no such key.
func MapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// KeyLine is the line of key in mapping m, or m's own line when absent.
func KeyLine(m *yaml.Node, key string) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i].Line
		}
	}
	return m.Line
}

// ValueLine is the line of key's value in mapping m, or m's own line.
func ValueLine(m *yaml.Node, key string) int {
	if v := MapValue(m, key); v != nil {
		return v.Line
	}
	return m.Line
}

var lineRe = regexp.MustCompile(`line (\d+)`)

// ErrLine pulls the line number out of a YAML library error, or 0.
func ErrLine(err error) int {
	if m := lineRe.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// ErrLineIn is ErrLine, and for the errors the YAML library reports
// without a line (control characters, invalid UTF-8 in the input) the line
// of the first such byte in data; 0 when there is none.
func ErrLineIn(err error, data []byte) int {
	if n := ErrLine(err); n > 0 {
		return n
	}
	msg := err.Error()
	bad := -1
	switch {
	case strings.Contains(msg, "control characters"):
		bad = bytes.IndexFunc(data, func(r rune) bool {
			return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f
		})
	case strings.Contains(msg, "UTF-8"):
		for i := 0; i < len(data); {
			r, w := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && w == 1 {
				bad = i
				break
			}
			i += w
		}
	}
	if bad < 0 {
		return 0
	}
	return bytes.Count(data[:bad], []byte("\n")) + 1
}

// ErrText is a YAML library error without its "yaml: line N:" prefix, for
// callers that add file:line themselves.
func ErrText(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	if strings.HasPrefix(s, "line ") {
		if i := strings.Index(s, ": "); i >= 0 {
			s = s[i+2:]
		}
	}
	return s
}
