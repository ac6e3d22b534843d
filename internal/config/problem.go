package config

import (
	"errors"
	"fmt"
	"github.com/streamalert/streamalert/internal/yamlnode"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Problem is one thing wrong with a configuration, with its place.
type Problem struct {
	File string // relative to the config directory
	Line int    // 0 when the problem has no line
	Msg  string
}

func (p Problem) String() string {
	if p.File == "" {
		return p.Msg
	}
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Msg)
}

// Problems is every problem found while loading and checking a config.
type Problems []Problem

func (ps *Problems) add(file string, line int, format string, args ...any) {
	*ps = append(*ps, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// addErr records an error from another package. Errors that already start
// with "file:line:" keep their place.
func (ps *Problems) addErr(file string, err error) {
	var located interface{ Location() (string, int) }
	if errors.As(err, &located) {
		f, l := located.Location()
		*ps = append(*ps, Problem{File: f, Line: l, Msg: stripPlace(err.Error(), f, l)})
		return
	}
	if m := placeRe.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[2])
		*ps = append(*ps, Problem{File: m[1], Line: n, Msg: m[3]})
		return
	}
	*ps = append(*ps, Problem{File: file, Msg: err.Error()})
}

// ProblemsOf turns errors from another package into problems, keeping the
// file:line an error names and else placing it at file.
func ProblemsOf(file string, errs []error) Problems {
	var ps Problems
	for _, err := range errs {
		ps.addErr(file, err)
	}
	return ps
}

var placeRe = regexp.MustCompile(`^([^\s:]+\.(?:ya?ml|json)):(\d+): (.*)$`)

// stripPlace drops the "file:line: " (or, without a line, "file: ") an
// error's text starts with, since the problem prints its place itself.
func stripPlace(msg, file string, line int) string {
	if line == 0 {
		return strings.TrimPrefix(msg, file+": ")
	}
	return strings.TrimPrefix(msg, fmt.Sprintf("%s:%d: ", file, line))
}

// Sort orders problems by file and line.
func (ps Problems) Sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].File != ps[j].File {
			return ps[i].File < ps[j].File
		}
		return ps[i].Line < ps[j].Line
	})
}

// Err returns nil when there are no problems, else an error listing them.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return errors.New(strings.Join(lines, "\n"))
}

// yamlMsg turns a YAML library error into a plain sentence without its place.
func yamlMsg(err error) string { return "bad YAML: " + yamlnode.ErrText(err) }

var yamlLine = yamlnode.ErrLine
