package queries

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/streamalert/streamalert/internal/duration"
	"github.com/streamalert/streamalert/internal/yamlnode"
)

// Hunt is a scheduled SQL query over the lake, one YAML document in the
// config's hunts/ directory:
//
//	name: ssh_password_guessing
//	description: Addresses with many failed SSH logins, and whether one got in.
//	schedule: 1h            # how often it runs; also the window it reads
//	params:
//	  min_failures: 5       # a default, overridable per run
//	sql: |
//	  SELECT src_ip, count(*) AS failures FROM linux_auth
//	  WHERE sa_event_time >= {{start}} AND sa_event_time < {{end}}
//	  GROUP BY src_ip HAVING count(*) >= {{min_failures}}
//
// {{start}} and {{end}} are the window's bounds; every other {{name}} is a
// parameter. Each placeholder becomes a literal of its type (numbers as
// written, strings quoted), never SQL text, so a parameter value cannot
// change the statement. The SQL is the dialect of the engine that runs it
// (DuckDB locally); the lake's table and column names are the same in
// Athena.
type Hunt struct {
	Name        string
	Description string
	SQL         string
	// Params are the parameters' defaults: int64, float64, string or bool.
	Params   map[string]any
	Schedule time.Duration
	File     string
	Line     int
}

var (
	huntName    = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)
	huntKeys    = []string{"description", "name", "params", "schedule", "sql"}
)

// Built-in placeholders: the window a run reads.
const (
	HuntStart = "start"
	HuntEnd   = "end"
)

// LoadHunts reads every *.yaml and *.yml file under dir of fsys (a
// missing dir holds no hunts). Every problem is reported, each naming
// file:line.
func LoadHunts(fsys fs.FS, dir string) ([]*Hunt, []error) {
	var files []string
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return fs.SkipDir
			}
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, []error{fmt.Errorf("hunts %s: %w", dir, err)}
	}
	sort.Strings(files)
	var out []*Hunt
	var errs []error
	seen := map[string]*Hunt{}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f, err))
			continue
		}
		hs, es := ParseHunts(f, data)
		errs = append(errs, es...)
		for _, h := range hs {
			if prev := seen[h.Name]; prev != nil {
				errs = append(errs, fmt.Errorf("%s:%d: hunt %s is already defined at %s:%d", h.File, h.Line, h.Name, prev.File, prev.Line))
				continue
			}
			seen[h.Name] = h
			out = append(out, h)
		}
	}
	return out, errs
}

// ParseHunts reads the hunts of one file (one per YAML document); file
// names them in errors.
func ParseHunts(file string, data []byte) ([]*Hunt, []error) {
	var out []*Hunt
	var errs []error
	dec := yamlnode.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: bad YAML: %s", file, yamlnode.ErrLine(err), yamlnode.ErrText(err)))
			break
		}
		if len(doc.Content) == 0 || doc.Content[0].Tag == "!!null" {
			continue
		}
		h, es := parseHunt(file, doc.Content[0])
		errs = append(errs, es...)
		if h != nil {
			out = append(out, h)
		}
	}
	return out, errs
}

func parseHunt(file string, n *yaml.Node) (*Hunt, []error) {
	var errs []error
	bad := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", file, line, fmt.Sprintf(format, args...)))
	}
	if n.Kind != yaml.MappingNode {
		bad(n.Line, "a hunt must be a map with name, description, schedule, params and sql")
		return nil, errs
	}
	h := &Hunt{File: file, Line: n.Line, Params: map[string]any{}}
	lines := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		lines[k.Value] = k.Line
		switch k.Value {
		case "name", "description", "sql", "schedule":
			if v.Kind != yaml.ScalarNode {
				bad(v.Line, "%s must be text", k.Value)
				continue
			}
			switch k.Value {
			case "name":
				h.Name = v.Value
			case "description":
				h.Description = strings.TrimSpace(v.Value)
			case "sql":
				h.SQL = strings.TrimSpace(v.Value)
			case "schedule":
				d, err := duration.Parse(v.Value)
				if err == nil && d <= 0 {
					err = errors.New("it must be more than zero")
				}
				if err != nil {
					bad(v.Line, "schedule %q: want how often the hunt runs, e.g. 15m, 1h, 1d (%v)", v.Value, err)
					continue
				}
				h.Schedule = d
			}
		case "params":
			if v.Kind != yaml.MappingNode {
				bad(v.Line, "params must be a map of name to default value")
				continue
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				pk, pv := v.Content[j], v.Content[j+1]
				val, err := paramValue(pv)
				switch {
				case !huntName.MatchString(pk.Value):
					bad(pk.Line, "param name %q must be lower-case letters, digits and _", pk.Value)
				case pk.Value == HuntStart || pk.Value == HuntEnd:
					bad(pk.Line, "param %s is built in (the window's bound); choose another name", pk.Value)
				case err != nil:
					bad(pv.Line, "param %s: %v", pk.Value, err)
				default:
					h.Params[pk.Value] = val
				}
			}
		default:
			bad(k.Line, "unknown key %q (want %s)", k.Value, strings.Join(huntKeys, ", "))
		}
	}
	switch {
	case h.Name == "":
		bad(n.Line, "hunt has no name")
	case !huntName.MatchString(h.Name):
		bad(lines["name"], "hunt name %q must be lower-case letters, digits and _", h.Name)
	}
	if h.SQL == "" {
		bad(n.Line, "hunt %s has no sql", h.Name)
	}
	if h.Schedule == 0 && lines["schedule"] == 0 {
		bad(n.Line, "hunt %s has no schedule (how often it runs, e.g. 1h)", h.Name)
	}
	used := map[string]bool{}
	for _, m := range placeholder.FindAllStringSubmatch(h.SQL, -1) {
		name := m[1]
		used[name] = true
		if _, ok := h.Params[name]; !ok && name != HuntStart && name != HuntEnd {
			bad(lines["sql"], "sql uses {{%s}}, which is neither a param nor start/end", name)
		}
	}
	if rest := placeholder.ReplaceAllString(h.SQL, ""); strings.Contains(rest, "{{") || strings.Contains(rest, "}}") {
		bad(lines["sql"], "sql has a {{ … }} that is not a placeholder ({{name}} with letters, digits and _)")
	}
	for name := range h.Params {
		if !used[name] {
			bad(lines["params"], "param %s is not used in the sql", name)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return h, nil
}

// paramValue reads a scalar default: an integer, a number, a bool or text.
func paramValue(n *yaml.Node) (any, error) {
	if n.Kind != yaml.ScalarNode {
		return nil, fmt.Errorf("default must be a number, true/false or text")
	}
	switch n.Tag {
	case "!!int":
		return strconv.ParseInt(n.Value, 0, 64)
	case "!!float":
		return strconv.ParseFloat(n.Value, 64)
	case "!!bool":
		return strconv.ParseBool(n.Value)
	case "!!null":
		return nil, fmt.Errorf("default must not be empty")
	}
	return n.Value, nil
}

// Render returns the hunt's SQL for a dialect, with the window's bounds
// for {{start}} and {{end}} and the params (defaults, or overrides given
// as text and read as the default's type) as literals.
func (h *Hunt) Render(d Dialect, start, end time.Time, overrides map[string]string) (string, error) {
	vals := make(map[string]any, len(h.Params))
	for k, v := range h.Params {
		vals[k] = v
	}
	for k, text := range overrides {
		def, ok := h.Params[k]
		if !ok {
			return "", fmt.Errorf("hunt %s: no param %q (params: %s)", h.Name, k, strings.Join(h.ParamNames(), ", "))
		}
		v, err := parseAs(def, text)
		if err != nil {
			return "", fmt.Errorf("hunt %s: param %s: %w", h.Name, k, err)
		}
		vals[k] = v
	}
	var rerr error
	out := placeholder.ReplaceAllStringFunc(h.SQL, func(m string) string {
		name := placeholder.FindStringSubmatch(m)[1]
		switch name {
		case HuntStart:
			return d.timestampLiteral(start)
		case HuntEnd:
			return d.timestampLiteral(end)
		}
		v, ok := vals[name]
		if !ok {
			rerr = fmt.Errorf("hunt %s: sql uses {{%s}}, which is not a param", h.Name, name)
			return m
		}
		return sqlLiteral(v)
	})
	return out, rerr
}

// ParamNames lists the hunt's parameters, sorted.
func (h *Hunt) ParamNames() []string {
	out := make([]string, 0, len(h.Params))
	for k := range h.Params {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func parseAs(def any, text string) (any, error) {
	switch def.(type) {
	case int64:
		v, err := strconv.ParseInt(strings.TrimSpace(text), 0, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", text)
		}
		return v, nil
	case float64:
		v, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", text)
		}
		return v, nil
	case bool:
		v, err := strconv.ParseBool(strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("%q is not true or false", text)
		}
		return v, nil
	}
	return text, nil
}

// sqlLiteral renders a param value; text is single-quoted with each quote doubled, the
// one escape both dialects share.
func sqlLiteral(v any) string {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strings.ToUpper(strconv.FormatBool(x))
	}
	return Literal(fmt.Sprint(v))
}

// Window returns the window a run of the hunt at now reads: the schedule
// period before now.
func (h *Hunt) Window(now time.Time) (start, end time.Time) {
	return now.Add(-h.Schedule), now
}
