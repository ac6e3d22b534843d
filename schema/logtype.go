package schema

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/streamalert/streamalert/internal/yamlnode"
)

// LogType is one kind of log: how to parse it, what fields it has, how to
// find its event time and which normalized values it yields. It is built
// from a YAML definition (see docs/schemas.md) and fixed after loading.
type LogType struct {
	Name        string // "source:subtype"
	Description string
	Reference   string // vendor documentation of the format
	Priority    int    // lower is tried first
	Strict      bool   // when true, undeclared keys make a record unclassified
	Parser      ParserConfig
	Fields      []Field
	// EventTime is the dotted path of the timestamp field that gives the
	// record's event time; "" means the ingest time is used.
	EventTime string
	// EventTimes are the event time fields when the definition lists
	// several (event_time: [a, b]): the first one present gives the event
	// time, and a record with none of them is refused. EventTime is then
	// the first. Nil for a single event_time.
	EventTimes []string
	Patterns   []Pattern
	Normalize  []NormalizeRule // sorted by Type, then declaration order

	File string // where the definition came from ("builtin:cloudtrail.yaml" for embedded ones)
	Line int
}

// Table is the lake table of the log type: "cloudtrail:events" → "cloudtrail_events".
func (t *LogType) Table() string { return TableName(t.Name) }

// TableName maps a log type name to its table name.
func TableName(logType string) string {
	return strings.NewReplacer(":", "_", "-", "_", ".", "_").Replace(strings.ToLower(logType))
}

// NormalizedTypes lists the distinct normalized types the log type yields, sorted.
func (t *LogType) NormalizedTypes() []string {
	var out []string
	for _, r := range t.Normalize {
		if len(out) == 0 || out[len(out)-1] != r.Type {
			out = append(out, r.Type)
		}
	}
	return out
}

// ParserConfig selects a parser and holds its options. Options that do not
// apply to the chosen parser are rejected at load time.
type ParserConfig struct {
	Type string `yaml:"type"` // json, csv, kv, syslog, regex

	// json
	JSONPath     []string `yaml:"json_path"`     // candidate paths to the records array or object, tried in order
	EmbeddedJSON bool     `yaml:"embedded_json"` // the records found are strings holding JSON
	EnvelopeKeys []string `yaml:"envelope_keys"` // top-level keys copied into each record under "envelope"

	// csv and kv
	Delimiter string   `yaml:"delimiter"` // csv: field delimiter (default ","); kv: pair delimiter (default " ")
	Quote     string   `yaml:"quote"`     // csv and kv quote character (default '"')
	Header    bool     `yaml:"header"`    // csv: the first line names the columns
	Columns   []string `yaml:"columns"`   // csv: column order (default: the declared fields in order)
	Separator string   `yaml:"separator"` // kv: between key and value (default "=")
	// csv: MinColumns > 0 accepts lines with at least that many columns
	// instead of exactly the named ones (vendors that add columns in
	// later versions): missing trailing columns are absent, and cells
	// past the named columns are kept, joined with the delimiter, in the
	// field named by Rest (without Rest such a line is refused).
	MinColumns int    `yaml:"min_columns"`
	Rest       string `yaml:"rest"`

	// syslog
	Format string `yaml:"format"` // rfc3164, rfc5424 or "" for either

	// regex
	Pattern string `yaml:"pattern"` // RE2 with named groups; the names are the field names

	// JSONRecords, for csv, kv and regex, also reads a unit that is one
	// JSON object (see jsonRecord): Zeek's JSON output besides its TSV.
	JSONRecords bool `yaml:"json_records"`

	// Comment, for csv and regex, is a line prefix (such as "#") marking
	// lines that are no records: Zeek's and CloudFront's header lines. Such
	// a line is consumed without a record.
	Comment string `yaml:"comment"`
}

// Pattern requires the value at Path to match a glob (fnmatch style, * and ?),
// case-sensitively, or one of the Alternatives (log_patterns given a list).
type Pattern struct {
	Path         []string
	Glob         string
	Alternatives []string
}

// NormalizeRule says that the value at Path feeds normalized type Type,
// when the optional condition holds.
type NormalizeRule struct {
	Type string
	Path []string
	When *Condition
}

// Condition guards a normalization rule: the value at Path, lower-cased,
// compared with Op ("is", "is_not", "in", "not_in", "contains", "not_contains").
type Condition struct {
	Path   []string
	Op     string
	Values []string // lower-cased
}

// NormalizedTypes is the set of standard normalized types. A definition may
// only feed these, so that rules can rely on the names.
var NormalizedTypes = []string{
	"aws_account_id", "aws_arn", "aws_instance_id", "command", "domain", "email",
	"file_path", "hostname", "ip_address", "md5", "sha1", "sha256", "url",
	"user_agent", "username",
}

func isNormalizedType(s string) bool {
	i := sort.SearchStrings(NormalizedTypes, s)
	return i < len(NormalizedTypes) && NormalizedTypes[i] == s
}

// DefinitionError is a problem in a log type definition, with its place.
type DefinitionError struct {
	File string
	Line int
	Msg  string
}

func (e *DefinitionError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// yaml shapes of a definition file.
type defDoc struct {
	Name        string       `yaml:"name"`
	Description string       `yaml:"description"`
	Reference   string       `yaml:"reference"`
	Priority    int          `yaml:"priority"`
	Strict      bool         `yaml:"strict"`
	Parser      ParserConfig `yaml:"parser"`
	EventTime   yaml.Node    `yaml:"event_time"`
	Fields      yaml.Node    `yaml:"fields"`
	LogPatterns yaml.Node    `yaml:"log_patterns"`
	Normalize   yaml.Node    `yaml:"normalize"`
}

type defField struct {
	Name        string    `yaml:"name"`
	Type        string    `yaml:"type"`
	Required    bool      `yaml:"required"`
	Description string    `yaml:"description"`
	Formats     []string  `yaml:"formats"`
	Fields      yaml.Node `yaml:"fields"`
}

// ParseDefinitions reads one YAML file holding one or more log type
// definitions (as separate documents, or as a top-level list). All problems
// found are returned, each with file and line.
func ParseDefinitions(file string, data []byte) ([]*LogType, []error) {
	var errs []error
	var out []*LogType
	dec := yamlnode.NewDecoder(strings.NewReader(string(data)))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if err.Error() == "EOF" {
				break
			}
			errs = append(errs, &DefinitionError{File: file, Line: yamlErrLine(err), Msg: "bad YAML: " + yamlErrMsg(err)})
			break
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		nodes := []*yaml.Node{root}
		if root.Kind == yaml.SequenceNode {
			nodes = root.Content
		}
		for _, n := range nodes {
			lt, lerrs := parseDefinition(file, n)
			errs = append(errs, lerrs...)
			if lt != nil {
				out = append(out, lt)
			}
		}
	}
	return out, errs
}

func parseDefinition(file string, n *yaml.Node) (*LogType, []error) {
	var errs []error
	bad := func(line int, format string, args ...any) {
		errs = append(errs, &DefinitionError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	var d defDoc
	if err := n.Decode(&d); err != nil {
		bad(n.Line, "%s", yamlErrMsg(err))
		return nil, errs
	}
	lt := &LogType{Name: d.Name, Description: d.Description, Reference: d.Reference, Priority: d.Priority,
		Strict: d.Strict, Parser: d.Parser, File: file, Line: n.Line}
	switch d.EventTime.Kind {
	case 0:
	case yaml.ScalarNode:
		lt.EventTime = d.EventTime.Value
	case yaml.SequenceNode:
		for _, e := range d.EventTime.Content {
			if e.Kind != yaml.ScalarNode || e.Value == "" {
				bad(e.Line, "%s: event_time entries must be field names", d.Name)
				continue
			}
			lt.EventTimes = append(lt.EventTimes, e.Value)
		}
		if len(lt.EventTimes) > 0 {
			lt.EventTime = lt.EventTimes[0]
		}
		if len(lt.EventTimes) < 2 {
			lt.EventTimes = nil
		}
	default:
		bad(d.EventTime.Line, "%s: event_time must be a field name or a list of field names", d.Name)
	}
	if !validLogTypeName(d.Name) {
		bad(n.Line, "log type name %q must look like source:subtype (lower case letters, digits, _ and -)", d.Name)
	}
	if d.Fields.Kind == 0 || len(d.Fields.Content) == 0 {
		bad(n.Line, "%s: no fields declared", d.Name)
	} else {
		lt.Fields = parseFields(d.Name, &d.Fields, bad)
	}
	if err := d.Parser.check(lt.Fields); err != nil {
		bad(valueLine(n, "parser"), "%s: parser: %v", d.Name, err)
	}
	evts := lt.EventTimes
	if evts == nil && lt.EventTime != "" {
		evts = []string{lt.EventTime}
	}
	for _, et := range evts {
		f, ok := lookupField(lt.Fields, splitPath(et))
		switch {
		case !ok:
			bad(valueLine(n, "event_time"), "%s: event_time names %q, which is not a declared field", d.Name, et)
		case f.Type.Kind != KindTimestamp:
			bad(valueLine(n, "event_time"), "%s: event_time field %q is %s, not timestamp", d.Name, et, f.Type)
		}
	}
	if d.LogPatterns.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(d.LogPatterns.Content); i += 2 {
			k, v := d.LogPatterns.Content[i], d.LogPatterns.Content[i+1]
			globs := []*yaml.Node{v}
			if v.Kind == yaml.SequenceNode {
				globs = v.Content
			}
			if len(globs) == 0 {
				bad(v.Line, "%s: log_patterns: %s has an empty list of globs", d.Name, k.Value)
				continue
			}
			p := Pattern{Path: splitPath(k.Value)}
			for _, g := range globs {
				if g.Kind != yaml.ScalarNode {
					bad(g.Line, "%s: log_patterns: %s must be a glob or a list of globs", d.Name, k.Value)
					continue
				}
				if _, err := path.Match(g.Value, ""); err != nil {
					bad(g.Line, "%s: log_patterns: %q is not a valid glob", d.Name, g.Value)
				}
				if p.Glob == "" {
					p.Glob = g.Value
				} else {
					p.Alternatives = append(p.Alternatives, g.Value)
				}
			}
			lt.Patterns = append(lt.Patterns, p)
		}
	} else if d.LogPatterns.Kind != 0 {
		bad(d.LogPatterns.Line, "%s: log_patterns must be a map of field to glob (or list of globs)", d.Name)
	}
	if d.Normalize.Kind == yaml.MappingNode {
		lt.Normalize = parseNormalize(lt, &d.Normalize, bad)
	} else if d.Normalize.Kind != 0 {
		bad(d.Normalize.Line, "%s: normalize must be a map of normalized type to field list", d.Name)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return lt, nil
}

func parseFields(ltName string, seq *yaml.Node, bad func(int, string, ...any)) []Field {
	if seq.Kind != yaml.SequenceNode {
		bad(seq.Line, "%s: fields must be a list", ltName)
		return nil
	}
	var out []Field
	seen := map[string]bool{}
	for _, fn := range seq.Content {
		var df defField
		if err := fn.Decode(&df); err != nil {
			bad(fn.Line, "%s: field: %s", ltName, yamlErrMsg(err))
			continue
		}
		if df.Name == "" {
			bad(fn.Line, "%s: field without a name", ltName)
			continue
		}
		col := ColumnName(df.Name)
		if seen[col] {
			bad(fn.Line, "%s: field %q declared twice (column names are lower-cased)", ltName, df.Name)
			continue
		}
		seen[col] = true
		if df.Type == "" {
			df.Type = "string"
		}
		t, err := ParseType(df.Type)
		if err != nil {
			bad(fn.Line, "%s: field %s: %v", ltName, df.Name, err)
			continue
		}
		if df.Fields.Kind != 0 {
			sub := parseFields(ltName, &df.Fields, bad)
			switch {
			case t.Kind == KindObject:
				t.Fields = sub
			case t.Kind == KindArray && df.Type == "array<object>":
			default:
				bad(fn.Line, "%s: field %s: only object fields take 'fields'", ltName, df.Name)
			}
		} else if t.Kind == KindObject {
			bad(fn.Line, "%s: field %s: object needs 'fields' (use type json for free-form objects)", ltName, df.Name)
		}
		for _, f := range df.Formats {
			if err := checkTimeFormat(f); err != nil {
				bad(fn.Line, "%s: field %s: %v", ltName, df.Name, err)
			}
		}
		out = append(out, Field{Name: df.Name, Column: col, Type: t, Required: df.Required,
			Description: df.Description, TimeFormats: df.Formats})
	}
	return out
}

func parseNormalize(lt *LogType, m *yaml.Node, bad func(int, string, ...any)) []NormalizeRule {
	var out []NormalizeRule
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		typ := k.Value
		if !isNormalizedType(typ) {
			bad(k.Line, "%s: normalize: %q is not a normalized type (known: %s)", lt.Name, typ, strings.Join(NormalizedTypes, ", "))
			continue
		}
		if v.Kind != yaml.SequenceNode {
			bad(v.Line, "%s: normalize.%s must be a list", lt.Name, typ)
			continue
		}
		for _, e := range v.Content {
			r := NormalizeRule{Type: typ}
			switch e.Kind {
			case yaml.ScalarNode:
				r.Path = splitPath(e.Value)
			case yaml.MappingNode:
				p := mapValue(e, "path")
				if p == nil || p.Kind != yaml.ScalarNode {
					bad(e.Line, "%s: normalize.%s: entry needs a 'path'", lt.Name, typ)
					continue
				}
				r.Path = splitPath(p.Value)
				if w := mapValue(e, "when"); w != nil {
					c, err := parseCondition(w)
					if err != nil {
						bad(w.Line, "%s: normalize.%s: when: %v", lt.Name, typ, err)
						continue
					}
					if _, ok := lookupField(lt.Fields, c.Path); !ok {
						bad(w.Line, "%s: normalize.%s: when names %q, which is not a declared field", lt.Name, typ, strings.Join(c.Path, "."))
					}
					r.When = c
				}
			default:
				bad(e.Line, "%s: normalize.%s: entries are field paths or {path, when}", lt.Name, typ)
				continue
			}
			if _, ok := lookupField(lt.Fields, r.Path); !ok {
				bad(e.Line, "%s: normalize.%s: %q is not a declared field", lt.Name, typ, strings.Join(r.Path, "."))
				continue
			}
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out
}

func parseCondition(w *yaml.Node) (*Condition, error) {
	if w.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("want a map with 'field' and one of is, is_not, in, not_in, contains, not_contains")
	}
	c := &Condition{}
	for i := 0; i+1 < len(w.Content); i += 2 {
		k, v := w.Content[i].Value, w.Content[i+1]
		switch k {
		case "field":
			c.Path = splitPath(v.Value)
		case "is", "is_not", "contains", "not_contains":
			c.Op, c.Values = k, []string{strings.ToLower(v.Value)}
		case "in", "not_in":
			c.Op = k
			for _, e := range v.Content {
				c.Values = append(c.Values, strings.ToLower(e.Value))
			}
		default:
			return nil, fmt.Errorf("unknown key %q", k)
		}
	}
	if len(c.Path) == 0 || c.Op == "" {
		return nil, fmt.Errorf("want 'field' and one of is, is_not, in, not_in, contains, not_contains")
	}
	return c, nil
}

// ColumnName derives a lake column name from a field name: lower-cased, as
// Glue stores it, with every character other than a-z, 0-9 and _ replaced
// by _ (Athena allows no other special character), and a leading digit
// prefixed by _. "detail-type" → "detail_type", "@timestamp" → "_timestamp".
func ColumnName(name string) string {
	b := []byte(strings.ToLower(name))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) > 0 && b[0] >= '0' && b[0] <= '9' {
		return "_" + string(b)
	}
	return string(b)
}

func validLogTypeName(s string) bool {
	src, sub, ok := strings.Cut(s, ":")
	if !ok || src == "" || sub == "" {
		return false
	}
	for _, r := range src + sub {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// splitPath splits a dotted field path.
func splitPath(p string) []string {
	if p == "" {
		return nil
	}
	return strings.Split(p, ".")
}

// lookupField walks declared fields along p. A path that reaches a json
// field or an array<json> field stops there successfully (the rest is
// inside the JSON text).
func lookupField(fields []Field, p []string) (Field, bool) {
	for i, name := range p {
		j := FieldIndex(fields, name)
		if j < 0 {
			return Field{}, false
		}
		f := fields[j]
		if i == len(p)-1 || f.Type.Kind == KindJSON || f.Type.Kind == KindArray && f.Type.Elem != nil && f.Type.Elem.Kind == KindJSON {
			return f, true
		}
		if f.Type.Kind != KindObject {
			return Field{}, false
		}
		fields = f.Type.Fields
	}
	return Field{}, false
}

// LookupField finds the declared field at a dotted path. ok is false when
// no declared field is there; a path into a json field finds the json field.
func (t *LogType) LookupField(dotted string) (Field, bool) {
	return lookupField(t.Fields, splitPath(dotted))
}

// The YAML place helpers, shared with the other loaders.
var (
	mapValue    = yamlnode.MapValue
	valueLine   = yamlnode.ValueLine
	yamlErrLine = yamlnode.ErrLine
	yamlErrMsg  = yamlnode.ErrText
)
