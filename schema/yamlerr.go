package schema

import (
	"regexp"
	"strconv"
	"strings"
)

var yamlLineRe = regexp.MustCompile(`line (\d+)`)

// yamlErrLine pulls the line number out of a yaml.v3 error message, or 0.
func yamlErrLine(err error) int {
	if m := yamlLineRe.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// yamlErrMsg strips the "yaml: line N:" prefix, since callers add file:line.
func yamlErrMsg(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	if i := strings.Index(s, ": "); i >= 0 && strings.HasPrefix(s, "line ") {
		s = s[i+2:]
	}
	return s
}
