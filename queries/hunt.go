package queries

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/streamalert/streamalert/internal/duration"
	"github.com/streamalert/streamalert/internal/yamlnode"
)

// Hunt is a scheduled SQL query over the lake, one YAML document in the
// config's hunts/ directory (or the shipped pack, HuntPack):
//
//	name: ssh_password_guessing
//	description: Addresses with many failed SSH logins, and whether one got in.
//	schedule: 1h            # when it runs (see Schedule); a run reads the window since the last
//	lookback: 7d            # optional history before the window ({{history_start}})
//	output: alerts          # alerts (each row an alert) or feed (rows back through the classifier)
//	key: [src_ip]           # the columns naming a row (its alert id); default all
//	severity: medium
//	params:
//	  min_failures: 5       # a default, overridable per run
//	sql: |
//	  SELECT src_ip, count(*) AS failures FROM linux_auth
//	  WHERE dt >= {{dt_start}} AND dt <= {{dt_end}}
//	    AND sa_event_time >= {{start}} AND sa_event_time < {{end}}
//	  GROUP BY src_ip HAVING count(*) >= {{min_failures}}
//
// {{start}} and {{end}} are the window's bounds; {{dt_start}} and
// {{dt_end}} the dt partitions that hold it (the lake is partitioned by
// arrival hour, so an hour before the start and HuntLate after the end);
// with a lookback, {{history_start}} is lookback before the start and
// {{history_dt_start}} its first partition. Every query over a log table
// must bound dt, so Athena's partition projection reads only those
// partitions. Every other {{name}} is a parameter. Each placeholder
// becomes a literal of its type (numbers as written, strings quoted),
// never SQL text, so a parameter value cannot change the statement.
//
// sql is written once when it runs on both DuckDB and Athena (the lake's
// table and column names are the same), or as a map with one text per
// dialect (athena, duckdb) where they differ, such as reading JSON.
type Hunt struct {
	Name        string
	Description string
	// SQL is the text of each dialect (the same text when written once).
	SQL map[Dialect]string
	// Params are the parameters' defaults: int64, float64, string or bool.
	Params   map[string]any
	Schedule Schedule
	Lookback time.Duration
	Output   HuntOutput
	Key      []string
	Severity string
	File     string
	Line     int
}

// HuntOutput is what a hunt's rows become.
type HuntOutput uint8

const (
	// HuntAlerts makes each row an alert.
	HuntAlerts HuntOutput = iota
	// HuntFeed makes the rows of a run a streamquery:results record that
	// goes back through the classifier and the rules.
	HuntFeed
)

func (o HuntOutput) String() string {
	if o == HuntFeed {
		return "feed"
	}
	return "alerts"
}

// HuntLate is how long after a window's end its records may arrive and
// still be read by the run: the dt partitions read end HuntLate after it.
const HuntLate = time.Hour

var (
	huntName    = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)
	huntKeys    = []string{"description", "key", "lookback", "name", "output", "params", "schedule", "severity", "sql"}
	severities  = []string{"info", "low", "medium", "high", "critical"}
)

// Built-in placeholders: the window a run reads and its partitions.
const (
	HuntStart          = "start"
	HuntEnd            = "end"
	HuntDTStart        = "dt_start"
	HuntDTEnd          = "dt_end"
	HuntHistoryStart   = "history_start"
	HuntHistoryDTStart = "history_dt_start"
)

func builtin(name string) bool {
	switch name {
	case HuntStart, HuntEnd, HuntDTStart, HuntDTEnd, HuntHistoryStart, HuntHistoryDTStart:
		return true
	}
	return false
}

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
		case "name", "description", "schedule", "lookback", "output", "severity":
			if v.Kind != yaml.ScalarNode {
				bad(v.Line, "%s must be text", k.Value)
				continue
			}
			switch k.Value {
			case "name":
				h.Name = v.Value
			case "description":
				h.Description = strings.TrimSpace(v.Value)
			case "schedule":
				sc, err := ParseSchedule(v.Value)
				if err != nil {
					bad(v.Line, "%v", err)
					continue
				}
				h.Schedule = sc
			case "lookback":
				d, err := duration.Parse(v.Value)
				if err != nil || d <= 0 {
					bad(v.Line, "lookback %q: want how much history before the window the hunt reads, e.g. 7d", v.Value)
					continue
				}
				h.Lookback = d
			case "output":
				switch v.Value {
				case "alerts":
					h.Output = HuntAlerts
				case "feed":
					h.Output = HuntFeed
				default:
					bad(v.Line, "output %q: want alerts or feed", v.Value)
				}
			case "severity":
				if !slices.Contains(severities, v.Value) {
					bad(v.Line, "severity %q: want %s", v.Value, strings.Join(severities, ", "))
					continue
				}
				h.Severity = v.Value
			}
		case "sql":
			switch v.Kind {
			case yaml.ScalarNode:
				text := strings.TrimSpace(v.Value)
				h.SQL = map[Dialect]string{Athena: text, DuckDB: text}
			case yaml.MappingNode:
				h.SQL = map[Dialect]string{}
				for j := 0; j+1 < len(v.Content); j += 2 {
					dk, dv := v.Content[j], v.Content[j+1]
					d, err := ParseDialect(dk.Value)
					switch {
					case err != nil || dk.Value == "trino":
						bad(dk.Line, "sql dialect %q: want athena and duckdb", dk.Value)
					case dv.Kind != yaml.ScalarNode:
						bad(dv.Line, "sql for %s must be text", dk.Value)
					default:
						h.SQL[d] = strings.TrimSpace(dv.Value)
					}
				}
				for _, d := range []Dialect{Athena, DuckDB} {
					if h.SQL[d] == "" {
						bad(v.Line, "sql has no %s text (write sql once for both dialects, or both athena: and duckdb:)", d)
					}
				}
			default:
				bad(v.Line, "sql must be text, or a map of athena and duckdb text")
			}
		case "key":
			if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
				bad(v.Line, "key must be a list of the result columns that name a row")
				continue
			}
			for _, c := range v.Content {
				if c.Kind != yaml.ScalarNode || c.Value == "" {
					bad(c.Line, "key columns must be names")
					continue
				}
				h.Key = append(h.Key, c.Value)
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
				case builtin(pk.Value):
					bad(pk.Line, "param %s is built in (the window's bounds); choose another name", pk.Value)
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
	if len(h.SQL) == 0 && lines["sql"] == 0 {
		bad(n.Line, "hunt %s has no sql", h.Name)
	}
	if h.Schedule.IsZero() && lines["schedule"] == 0 {
		bad(n.Line, "hunt %s has no schedule (when it runs, e.g. 1h or 0 * * * *)", h.Name)
	}
	used := map[string]bool{}
	for _, d := range []Dialect{Athena, DuckDB} {
		text := h.SQL[d]
		if text == "" || (d == DuckDB && text == h.SQL[Athena]) {
			continue // written once: checked once
		}
		which := d.String() + " sql"
		if h.SQL[Athena] == h.SQL[DuckDB] {
			which = "sql"
		}
		seen := map[string]bool{}
		for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
			name := m[1]
			used[name], seen[name] = true, true
			if _, ok := h.Params[name]; !ok && !builtin(name) {
				bad(lines["sql"], "sql uses {{%s}}, which is neither a param nor built in (start, end, dt_start, dt_end, history_start, history_dt_start)", name)
			}
			if (name == HuntHistoryStart || name == HuntHistoryDTStart) && h.Lookback == 0 && lines["lookback"] == 0 {
				bad(lines["sql"], "sql uses {{%s}} but the hunt has no lookback", name)
			}
		}
		if rest := placeholder.ReplaceAllString(text, ""); strings.Contains(rest, "{{") || strings.Contains(rest, "}}") {
			bad(lines["sql"], "sql has a {{ … }} that is not a placeholder ({{name}} with letters, digits and _)")
		}
		if !seen[HuntDTEnd] || !(seen[HuntDTStart] || seen[HuntHistoryDTStart]) {
			bad(lines["sql"], "%s does not bound the dt partitions: add dt >= {{dt_start}} AND dt <= {{dt_end}} beside each table, so that only the window's partitions are read", which)
		}
	}
	for name := range h.Params {
		if !used[name] {
			bad(lines["params"], "param %s is not used in the sql", name)
		}
	}
	if h.Lookback > 0 && !used[HuntHistoryStart] && !used[HuntHistoryDTStart] {
		bad(lines["lookback"], "lookback is set but the sql uses neither {{history_start}} nor {{history_dt_start}}")
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
// and partitions for the built-in placeholders and the params (defaults,
// or overrides given as text and read as the default's type) as literals.
func (h *Hunt) Render(d Dialect, start, end time.Time, overrides map[string]string) (string, error) {
	return h.RenderRange(d, TimeRange{From: start, To: end}, overrides)
}

// RenderRange is Render over a range whose Late, when not zero, replaces
// HuntLate: a backfill over records that arrived long after their events
// reads partitions up to their arrival.
func (h *Hunt) RenderRange(d Dialect, rng TimeRange, overrides map[string]string) (string, error) {
	start, end := rng.From, rng.To
	text, ok := h.SQL[d]
	if !ok {
		return "", fmt.Errorf("hunt %s: no sql for %s", h.Name, d)
	}
	if !start.Before(end) {
		return "", fmt.Errorf("hunt %s: empty window [%s, %s)", h.Name, start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339))
	}
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
	dtStart, dtEnd := h.window(rng).Partitions()
	histStart := start.Add(-h.Lookback)
	histDT, _ := TimeRange{From: histStart}.Partitions()
	var rerr error
	out := placeholder.ReplaceAllStringFunc(text, func(m string) string {
		name := placeholder.FindStringSubmatch(m)[1]
		switch name {
		case HuntStart:
			return d.timestampLiteral(start)
		case HuntEnd:
			return d.timestampLiteral(end)
		case HuntDTStart:
			return Literal(dtStart)
		case HuntDTEnd:
			return Literal(dtEnd)
		case HuntHistoryStart:
			return d.timestampLiteral(histStart)
		case HuntHistoryDTStart:
			return Literal(histDT)
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

// window is the range of a run, with HuntLate unless it has a Late.
func (h *Hunt) window(rng TimeRange) TimeRange {
	if rng.Late == 0 {
		rng.Late = HuntLate
	}
	return rng
}

// Partitions returns the first and last dt partition (inclusive) a run
// over the range reads (see RenderRange for Late): from the lookback's
// first partition when the hunt has one.
func (h *Hunt) Partitions(rng TimeRange) (from, to string) {
	from, to = h.window(rng).Partitions()
	if h.Lookback > 0 {
		from, _ = TimeRange{From: rng.From.Add(-h.Lookback)}.Partitions()
	}
	return from, to
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

// Window returns the window the latest run at or before now read: from
// the schedule's previous run time to its last.
func (h *Hunt) Window(now time.Time) (start, end time.Time) {
	return h.Schedule.Window(h.Schedule.Prev(now))
}
