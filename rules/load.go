package rules

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/streamalert/streamalert/schema"
	"go.yaml.in/yaml/v3"

	"github.com/streamalert/streamalert/internal/yamlnode"
)

// LogTypes is what the loader needs of a log type registry; a
// *schema.Registry provides it.
type LogTypes interface {
	Get(name string) *schema.LogType
	All() []*schema.LogType
}

// Loader loads rule files against a set of log types.
type Loader struct {
	LogTypes LogTypes
	// LogSources maps Sigma logsources to log types; nil means
	// DefaultLogSources.
	LogSources []LogSourceMapping
}

//go:embed pack
var packFS embed.FS

// Pack loads the rule pack embedded from rules/pack/. Its rules' files are
// named pack/<file>.
func Pack(reg LogTypes) (*Set, []error) {
	return LoadFS(packRoot(), "pack", reg)
}

// PackTestEvents loads the pack's test-event files (rules/pack/tests/).
func PackTestEvents() ([]TestEvent, []error) {
	sub, err := fs.Sub(packRoot(), "tests")
	if err != nil {
		return nil, []error{err}
	}
	if _, err := fs.Stat(sub, "."); err != nil {
		return nil, nil
	}
	return LoadTestEvents(sub, "pack/tests")
}

func packRoot() fs.FS {
	sub, err := fs.Sub(packFS, "pack")
	if err != nil {
		panic("rules: embedded pack: " + err.Error()) // cannot happen: "pack" is a valid path
	}
	return sub
}

// LoadDir loads every rule file (*.yaml, *.yml) under dir. Files under a
// directory named sigma are Sigma rules; a tests directory at the top
// (test-event files) and hidden files are skipped.
func LoadDir(dir string, reg LogTypes) (*Set, []error) {
	return (&Loader{LogTypes: reg}).LoadDir(dir)
}

// LoadFS loads every rule file under the root of fsys, like LoadDir;
// display is the name used for the root in file names of rules and errors.
func LoadFS(fsys fs.FS, display string, reg LogTypes) (*Set, []error) {
	return (&Loader{LogTypes: reg}).LoadFS(fsys, display)
}

// LoadFiles loads the named rule files. A file is a Sigma rule when a
// directory of its path is named sigma, or when it has no name key.
func LoadFiles(files []string, reg LogTypes) (*Set, []error) {
	return (&Loader{LogTypes: reg}).LoadFiles(files)
}

// LoadDir is the package's LoadDir with l's settings.
func (l *Loader) LoadDir(dir string) (*Set, []error) {
	st, err := os.Stat(dir)
	if err != nil {
		return &Set{byName: map[string]*Rule{}}, []error{fmt.Errorf("load rules: %w", err)}
	}
	if !st.IsDir() {
		return &Set{byName: map[string]*Rule{}}, []error{fmt.Errorf("load rules: %s is not a directory", dir)}
	}
	return l.LoadFS(os.DirFS(dir), dir)
}

// LoadFS is the package's LoadFS with l's settings.
func (l *Loader) LoadFS(fsys fs.FS, display string) (*Set, []error) {
	var rules []*Rule
	var errs []error
	walkErr := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, fmt.Errorf("load rules: %w", err))
			return nil
		}
		base := d.Name()
		if p != "." && strings.HasPrefix(base, ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p == "tests" {
				return fs.SkipDir
			}
			return nil
		}
		if !isRuleFile(base) {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			errs = append(errs, fmt.Errorf("load rules: %w", err))
			return nil
		}
		rs, es := l.LoadBytes(joinDisplay(display, p), data, inSigmaDir(p))
		rules = append(rules, rs...)
		errs = append(errs, es...)
		return nil
	})
	if walkErr != nil {
		errs = append(errs, fmt.Errorf("load rules: %w", walkErr))
	}
	set, dup := NewSet(rules...)
	return set, append(errs, dup...)
}

// LoadFiles is the package's LoadFiles with l's settings.
func (l *Loader) LoadFiles(files []string) (*Set, []error) {
	var rules []*Rule
	var errs []error
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, fmt.Errorf("load rule: %w", err))
			continue
		}
		rs, es := l.LoadBytes(f, data, inSigmaDir(filepath.ToSlash(f)))
		rules = append(rules, rs...)
		errs = append(errs, es...)
	}
	set, dup := NewSet(rules...)
	return set, append(errs, dup...)
}

func isRuleFile(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

func inSigmaDir(p string) bool {
	parts := strings.Split(path.Dir(p), "/")
	for _, s := range parts {
		if s == "sigma" {
			return true
		}
	}
	return false
}

func joinDisplay(display, p string) string {
	if display == "" || display == "." {
		return p
	}
	return path.Join(filepath.ToSlash(display), p)
}

// LoadBytes loads the rules of one file (one or more YAML documents).
// sigma says the file is in a Sigma rule directory; documents without a
// name key are Sigma rules anywhere.
func (l *Loader) LoadBytes(file string, data []byte, sigma bool) ([]*Rule, []error) {
	var rules []*Rule
	var errs []error
	dec := yaml.NewDecoder(bytes.NewReader(data))
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
			errs = append(errs, &LoadError{File: file, Line: yamlErrLine(err), Msg: "bad YAML: " + yamlErrMsg(err)})
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
		if a := mapValue(root, "action"); a != nil {
			switch a.Value {
			case "global":
				global = withoutKey(root, "action")
				continue
			case "reset":
				global = nil
				continue
			case "repeat":
				if prev == nil {
					errs = append(errs, &LoadError{File: file, Line: a.Line, Msg: "action: repeat needs a rule document before it"})
					continue
				}
				root = mergeNodes(prev, withoutKey(root, "action"))
			default:
				errs = append(errs, &LoadError{File: file, Line: a.Line, Msg: fmt.Sprintf("unknown action %q (want global, reset or repeat)", a.Value)})
				continue
			}
		}
		if global != nil {
			root = mergeNodes(global, root)
		}
		prev = root
		if mapValue(root, "correlation") != nil {
			errs = append(errs, &LoadError{File: file, Line: keyLine(root, "correlation"), Msg: "Sigma correlation rules are not supported yet"})
			continue
		}
		if mapValue(root, "filter") != nil && mapValue(root, "detection") == nil {
			errs = append(errs, &LoadError{File: file, Line: keyLine(root, "filter"), Msg: "Sigma filter documents are not supported yet"})
			continue
		}
		isSigma := sigma || mapValue(root, "name") == nil
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
		r, es := l.parseRule(file, root, isSigma, name)
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

var validName = regexp.MustCompile(`^[a-z0-9_]+$`)

// ruleKeys are the keys a native rule may have (Sigma's own keys included).
var ruleKeys = map[string]bool{
	"name": true, "title": true, "description": true, "severity": true, "logs": true,
	"logsource": true, "datatypes": true, "detection": true, "outputs": true,
	"merge_by_keys": true, "merge_window": true, "dedup_period": true, "threshold": true,
	"staged": true, "staged_until": true, "context": true, "tags": true, "references": true,
	"runbook": true, "enabled": true, "tests": true,
	// Sigma
	"id": true, "status": true, "level": true, "author": true, "date": true, "modified": true,
	"falsepositives": true, "fields": true, "related": true, "license": true, "taxonomy": true,
	"scope": true,
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

// parseRule reads one rule document. For Sigma rules name is the name
// derived from the file.
func (l *Loader) parseRule(file string, root *yaml.Node, isSigma bool, name string) (*Rule, []error) {
	r := &Rule{Format: Native, File: file, Line: root.Line, Enabled: true}
	if isSigma {
		r.Format = Sigma
		r.Name = name
	}
	var errs []error
	bad := func(line int, format string, args ...any) {
		errs = append(errs, &LoadError{File: file, Line: line, Rule: r.Name, Msg: fmt.Sprintf(format, args...)})
	}
	if !isSigma {
		n := mapValue(root, "name")
		r.Name = n.Value
		if n.Kind != yaml.ScalarNode || !validName.MatchString(n.Value) {
			r.Name = ""
			bad(n.Line, "rule name %q must be snake_case: lower-case letters, digits and _", n.Value)
		}
	} else if !validName.MatchString(r.Name) {
		bad(root.Line, "cannot derive a rule name from the file name %q; rename the file to snake_case", path.Base(file))
	}

	var detection, logsource, tests *yaml.Node
	var mergeLine int
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		key := k.Value
		if seen[key] {
			bad(k.Line, "key %q appears twice", key)
			continue
		}
		seen[key] = true
		if !ruleKeys[key] {
			if !isSigma {
				bad(k.Line, "unknown key %q", key)
			}
			continue
		}
		var err error
		switch key {
		case "name":
		case "title":
			r.Title, err = scalarString(v)
		case "description":
			r.Description, err = scalarString(v)
		case "severity":
			r.Severity, err = scalarString(v)
			if err == nil && !containsString(Severities, strings.ToLower(r.Severity)) {
				err = fmt.Errorf("severity %q must be one of %s", r.Severity, strings.Join(Severities, ", "))
			}
			r.Severity = strings.ToLower(r.Severity)
		case "level":
			r.Level, err = scalarString(v)
			if err == nil && levelSeverity(r.Level) == "" {
				err = fmt.Errorf("level %q must be one of informational, low, medium, high, critical", r.Level)
			}
		case "logs":
			r.Logs, err = stringList(v)
		case "logsource":
			logsource = v
		case "datatypes":
			r.Datatypes, err = stringList(v)
		case "detection":
			detection = v
		case "outputs":
			r.Outputs, err = stringList(v)
			for _, o := range r.Outputs {
				svc, desc, ok := strings.Cut(o, ":")
				if err == nil && (!ok || svc == "" || desc == "" || strings.ContainsAny(o, " \t")) {
					err = fmt.Errorf("output %q must look like service:descriptor", o)
				}
			}
		case "merge_by_keys":
			r.MergeByKeys, err = stringList(v)
			mergeLine = v.Line
		case "merge_window":
			r.MergeWindow, err = durationValue(v)
		case "dedup_period":
			r.DedupPeriod, err = durationValue(v)
		case "threshold":
			r.Threshold, err = intValue(v)
			if err == nil && r.Threshold < 0 {
				err = fmt.Errorf("threshold must not be negative")
			}
		case "staged":
			r.Staged, err = boolValue(v)
		case "staged_until":
			r.StagedUntil, err = timeValue(v)
		case "context":
			if v.Kind != yaml.MappingNode {
				err = fmt.Errorf("context must be a map")
			} else {
				err = v.Decode(&r.Context)
			}
		case "tags":
			r.Tags, err = stringList(v)
		case "references":
			r.References, err = stringList(v)
		case "runbook":
			r.Runbook, err = scalarString(v)
		case "enabled":
			r.Enabled, err = boolValue(v)
		case "tests":
			tests = v
		case "id":
			r.ID, err = scalarString(v)
		case "status":
			r.Status, err = scalarString(v)
		case "author":
			r.Author, err = scalarString(v)
		case "date":
			r.Date, err = scalarString(v)
		case "modified":
			r.Modified, err = scalarString(v)
		case "falsepositives":
			r.FalsePositives, err = stringList(v)
		}
		if err != nil {
			bad(v.Line, "%s: %v", key, err)
		}
	}
	if r.Severity == "" {
		r.Severity = levelSeverity(r.Level)
		if r.Severity == "" {
			r.Severity = "medium"
		}
	}
	if isSigma && !seen["enabled"] && (r.Status == "deprecated" || r.Status == "unsupported") {
		r.Enabled = false
	}
	if len(r.MergeByKeys) > 0 && r.MergeWindow <= 0 {
		bad(mergeLine, "merge_by_keys needs a merge_window")
	}
	if r.MergeWindow > 0 && len(r.MergeByKeys) == 0 {
		bad(valueLine(root, "merge_window"), "merge_window needs merge_by_keys")
	}

	// Where the rule applies.
	var fieldMap map[string]string
	if logsource != nil {
		ls, err := parseLogSource(logsource)
		if err != nil {
			bad(keyLine(root, "logsource"), "logsource: %v", err)
		} else {
			r.LogSource = ls
		}
	}
	switch {
	case len(r.Logs) > 0 && r.LogSource != nil && !isSigma:
		bad(valueLine(root, "logs"), "give either logs or logsource, not both")
	case len(r.Logs) > 0:
		r.LogTypes = l.resolveLogs(r.Logs, func(msg string) { bad(valueLine(root, "logs"), "%s", msg) })
	case r.LogSource != nil:
		table := l.LogSources
		if table == nil {
			table = DefaultLogSources
		}
		names, fm, err := mapLogSource(table, *r.LogSource, l.LogTypes)
		if err != nil {
			bad(keyLine(root, "logsource"), "%v", err)
		}
		for _, n := range names {
			r.LogTypes = append(r.LogTypes, l.LogTypes.Get(n))
		}
		fieldMap = fm
	case len(r.Datatypes) == 0:
		if logsource == nil {
			bad(root.Line, "the rule needs logs, logsource or datatypes to say which records it applies to")
		}
	}
	if len(r.Datatypes) > 0 {
		r.LogTypes = l.resolveDatatypes(r.Datatypes, r.LogTypes, len(r.Logs) > 0 || r.LogSource != nil,
			func(msg string) { bad(valueLine(root, "datatypes"), "%s", msg) })
	}
	sort.Slice(r.LogTypes, func(i, j int) bool { return r.LogTypes[i].Name < r.LogTypes[j].Name })

	// Detection.
	if detection == nil {
		bad(root.Line, "the rule has no detection")
	} else {
		d, x, derrs := parseDetection(detection, fieldMap)
		for _, e := range derrs {
			line := detection.Line
			var ie *itemError
			if errors.As(e, &ie) {
				line = ie.line
			}
			bad(line, "detection: %s", errMsg(e))
		}
		r.Detection, r.Expr = d, x
	}
	if r.Expr != nil {
		for _, lf := range Leaves(r.Expr) {
			if lf.Field == "" {
				continue
			}
			if t, ok := normalizedPath(lf.Path); ok && !isNormalizedType(t) {
				bad(lf.Line, "detection: %s: %q is not a normalized type (known: %s)", lf.Field, t, strings.Join(schema.NormalizedTypes, ", "))
			}
		}
	}

	if tests != nil {
		r.Tests = parseTests(tests, r, bad)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return r, nil
}

func levelSeverity(level string) string {
	switch strings.ToLower(level) {
	case "informational", "info":
		return "info"
	case "low", "medium", "high", "critical":
		return strings.ToLower(level)
	}
	return ""
}

func parseLogSource(n *yaml.Node) (*LogSource, error) {
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("must be a map of category, product and service")
	}
	ls := &LogSource{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		s, err := scalarString(v)
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

// resolveLogs turns log type names and source prefixes into log types.
func (l *Loader) resolveLogs(names []string, bad func(string)) []*schema.LogType {
	var out []*schema.LogType
	seen := map[string]bool{}
	addLT := func(lt *schema.LogType) {
		if !seen[lt.Name] {
			seen[lt.Name] = true
			out = append(out, lt)
		}
	}
	for _, n := range names {
		if lt := l.LogTypes.Get(n); lt != nil {
			addLT(lt)
			continue
		}
		found := false
		if !strings.Contains(n, ":") {
			for _, lt := range l.LogTypes.All() {
				if strings.HasPrefix(lt.Name, n+":") {
					addLT(lt)
					found = true
				}
			}
		}
		if !found {
			bad(fmt.Sprintf("logs: %q is not a known log type or log type prefix", n))
		}
	}
	return out
}

// resolveDatatypes finds the log types that yield every listed normalized
// type; when restrict is set, only among given.
func (l *Loader) resolveDatatypes(types []string, given []*schema.LogType, restrict bool, bad func(string)) []*schema.LogType {
	for _, t := range types {
		if !isNormalizedType(t) {
			bad(fmt.Sprintf("datatypes: %q is not a normalized type (known: %s)", t, strings.Join(schema.NormalizedTypes, ", ")))
			return given
		}
	}
	candidates := l.LogTypes.All()
	if restrict {
		candidates = given
	}
	var out []*schema.LogType
	for _, lt := range candidates {
		have := lt.NormalizedTypes()
		ok := true
		for _, t := range types {
			if !containsString(have, t) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, lt)
		}
	}
	if len(out) == 0 {
		bad(fmt.Sprintf("datatypes: no log type yields %s", strings.Join(types, " and ")))
	}
	return out
}

func isNormalizedType(t string) bool { return containsString(schema.NormalizedTypes, t) }

// normalizedPath reports whether a field path names a normalized type
// ("normalized.ip_address") and which.
func normalizedPath(p []string) (string, bool) {
	if len(p) == 2 && p[0] == "normalized" {
		return p[1], true
	}
	return "", false
}

// parseDetection reads the detection map into selections, the condition
// and the normalized expression.
func parseDetection(n *yaml.Node, fieldMap map[string]string) (*Detection, Expr, []error) {
	if n.Kind != yaml.MappingNode {
		return nil, nil, []error{itemErrf(n.Line, "must be a map of selections and a condition")}
	}
	d := &Detection{}
	var errs []error
	sels := map[string]Expr{}
	var names []string
	var condNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "condition":
			condNode = v
			continue
		case "timeframe":
			errs = append(errs, itemErrf(k.Line, "timeframe (Sigma v1 aggregation) is not supported; use a correlation rule"))
			continue
		}
		if _, dup := sels[k.Value]; dup {
			errs = append(errs, itemErrf(k.Line, "selection %q is defined twice", k.Value))
			continue
		}
		sel, err := parseSelection(k.Value, v, fieldMap)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		sel.Line = k.Line
		d.Selections = append(d.Selections, sel)
		sels[k.Value] = sel.Expr
		names = append(names, k.Value)
	}
	if condNode == nil {
		errs = append(errs, itemErrf(n.Line, "no condition"))
		return d, nil, errs
	}
	switch condNode.Kind {
	case yaml.ScalarNode:
		d.Conditions = []string{condNode.Value}
	case yaml.SequenceNode:
		for _, c := range condNode.Content {
			if c.Kind != yaml.ScalarNode {
				errs = append(errs, itemErrf(c.Line, "condition: each entry must be a string"))
				continue
			}
			d.Conditions = append(d.Conditions, c.Value)
		}
	default:
		errs = append(errs, itemErrf(condNode.Line, "condition must be a string or a list of strings"))
	}
	if len(d.Conditions) == 0 {
		errs = append(errs, itemErrf(condNode.Line, "condition is empty"))
	}
	if len(errs) > 0 {
		return d, nil, errs
	}
	var conds CondOr
	var exprs []Expr
	for _, s := range d.Conditions {
		c, err := ParseCondition(s)
		if err != nil {
			errs = append(errs, itemErrf(condNode.Line, "%v", err))
			continue
		}
		conds = append(conds, c)
		x, err := expandCondition(c, sels, names)
		if err != nil {
			errs = append(errs, itemErrf(condNode.Line, "%v", err))
			continue
		}
		exprs = append(exprs, x)
	}
	if len(errs) > 0 {
		return d, nil, errs
	}
	if len(conds) == 1 {
		d.Condition = conds[0]
	} else {
		d.Condition = conds
	}
	return d, newOr(exprs...), nil
}

// parseSelection reads one selection: a map (AND of items), a list of maps
// (OR), or keywords (a string or a list of strings).
func parseSelection(name string, v *yaml.Node, fieldMap map[string]string) (Selection, error) {
	sel := Selection{Name: name, Line: v.Line}
	v = resolveAlias(v)
	var groups []*yaml.Node
	var keywords []*yaml.Node
	switch v.Kind {
	case yaml.MappingNode:
		groups = []*yaml.Node{v}
	case yaml.SequenceNode:
		if len(v.Content) == 0 {
			return sel, itemErrf(v.Line, "selection %s is an empty list", name)
		}
		for _, e := range v.Content {
			e = resolveAlias(e)
			switch e.Kind {
			case yaml.MappingNode:
				groups = append(groups, e)
			case yaml.ScalarNode:
				keywords = append(keywords, e)
			default:
				return sel, itemErrf(e.Line, "selection %s: list entries must be maps or keyword strings", name)
			}
		}
	case yaml.ScalarNode:
		if v.Tag == "!!null" {
			return sel, itemErrf(v.Line, "selection %s is empty", name)
		}
		keywords = []*yaml.Node{v}
	default:
		return sel, itemErrf(v.Line, "selection %s must be a map, a list of maps or keywords", name)
	}
	var alts []Expr
	for _, g := range groups {
		if len(g.Content) == 0 {
			return sel, itemErrf(g.Line, "selection %s has an empty map", name)
		}
		var items []Item
		var ands []Expr
		for i := 0; i+1 < len(g.Content); i += 2 {
			k, val := g.Content[i], resolveAlias(g.Content[i+1])
			it := Item{Line: k.Line}
			parts := strings.Split(k.Value, "|")
			it.Field, it.Modifiers = parts[0], parts[1:]
			if mapped, ok := fieldMap[it.Field]; ok {
				it.Field = mapped
			}
			for _, p := range splitPath(it.Field) {
				if p == "" {
					return sel, itemErrf(k.Line, "selection %s: field %q has an empty path segment", name, it.Field)
				}
			}
			vals, err := itemValues(val, it)
			if err != nil {
				return sel, err
			}
			it.Values = vals
			if containsString(it.Modifiers, "fieldref") {
				for i := range it.Values {
					if mapped, ok := fieldMap[it.Values[i].Text]; ok {
						it.Values[i].Text = mapped
					}
				}
			}
			x, err := compileItem(it)
			if err != nil {
				return sel, err
			}
			items = append(items, it)
			ands = append(ands, x)
		}
		sel.Groups = append(sel.Groups, items)
		alts = append(alts, newAnd(ands...))
	}
	if len(keywords) > 0 {
		it := Item{Line: keywords[0].Line}
		for _, k := range keywords {
			rv, err := scalarValue(k)
			if err != nil {
				return sel, err
			}
			if rv.Null {
				return sel, itemErrf(k.Line, "selection %s: a keyword cannot be null", name)
			}
			it.Values = append(it.Values, rv)
			sel.Groups = append(sel.Groups, []Item{{Line: k.Line, Values: []ItemValue{rv}}})
		}
		x, err := compileItem(it)
		if err != nil {
			return sel, err
		}
		alts = append(alts, x)
	}
	sel.Expr = mergeOr(alts)
	return sel, nil
}

// itemValues reads the value(s) of one item: a scalar or a list of scalars.
// An empty list means null.
func itemValues(v *yaml.Node, it Item) ([]ItemValue, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		rv, err := scalarValue(v)
		if err != nil {
			return nil, err
		}
		return []ItemValue{rv}, nil
	case yaml.SequenceNode:
		if len(v.Content) == 0 {
			return []ItemValue{{Null: true, Line: v.Line}}, nil
		}
		var out []ItemValue
		for _, e := range v.Content {
			e = resolveAlias(e)
			if e.Kind != yaml.ScalarNode {
				return nil, itemErrf(e.Line, "%s: list entries must be single values", itemName(it))
			}
			rv, err := scalarValue(e)
			if err != nil {
				return nil, err
			}
			out = append(out, rv)
		}
		return out, nil
	}
	return nil, itemErrf(v.Line, "%s: the value must be a single value or a list of values, not a map", itemName(it))
}

// scalarValue reads a YAML scalar as a detection value.
func scalarValue(n *yaml.Node) (ItemValue, error) {
	rv := ItemValue{Text: n.Value, Line: n.Line}
	switch n.Tag {
	case "!!null":
		rv.Null, rv.Text = true, ""
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return rv, itemErrf(n.Line, "%q is not a boolean", n.Value)
		}
		rv.Bool, rv.Text = true, strconv.FormatBool(b)
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			rv.Text = strconv.FormatInt(i, 10)
		}
		rv.Num = true
	case "!!float":
		var f float64
		if err := n.Decode(&f); err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
			return rv, itemErrf(n.Line, "%q is not a finite number", n.Value)
		}
		rv.Num = true
	}
	return rv, nil
}

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
				tc.Name, err = scalarString(v)
			case "log_type", "log":
				tc.LogType, err = scalarString(v)
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
	v = resolveAlias(v)
	if v.Kind == yaml.ScalarNode {
		if v.Tag == "!!null" {
			return nil, fmt.Errorf("record is empty")
		}
		return []byte(v.Value), nil
	}
	var b bytes.Buffer
	if err := nodeJSON(&b, v, 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// nodeJSON writes a YAML node as compact JSON, keeping map key order.
func nodeJSON(b *bytes.Buffer, n *yaml.Node, depth int) error {
	if depth > 200 {
		return fmt.Errorf("record nests too deep")
	}
	n = resolveAlias(n)
	switch n.Kind {
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(n.Content[i].Value)
			b.Write(k)
			b.WriteByte(':')
			if err := nodeJSON(b, n.Content[i+1], depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, e := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := nodeJSON(b, e, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			b.WriteString("null")
		case "!!bool", "!!int", "!!float":
			var v any
			if err := n.Decode(&v); err != nil {
				return err
			}
			out, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("value %q: %v", n.Value, err)
			}
			b.Write(out)
		default:
			s, _ := json.Marshal(n.Value)
			b.Write(s)
		}
	default:
		return fmt.Errorf("unsupported YAML node at line %d", n.Line)
	}
	return nil
}

// YAML helpers.

func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func withoutKey(m *yaml.Node, key string) *yaml.Node {
	out := *m
	out.Content = nil
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != key {
			out.Content = append(out.Content, m.Content[i], m.Content[i+1])
		}
	}
	return &out
}

// mergeNodes deep-merges two maps (Sigma collections): keys of over win,
// maps present in both are merged.
func mergeNodes(base, over *yaml.Node) *yaml.Node {
	if base == nil || base.Kind != yaml.MappingNode || over.Kind != yaml.MappingNode {
		return over
	}
	out := *over
	out.Content = append([]*yaml.Node(nil), over.Content...)
	for i := 0; i+1 < len(base.Content); i += 2 {
		k, v := base.Content[i], base.Content[i+1]
		found := false
		for j := 0; j+1 < len(out.Content); j += 2 {
			if out.Content[j].Value == k.Value {
				found = true
				out.Content[j+1] = mergeNodes(v, out.Content[j+1])
				break
			}
		}
		if !found {
			out.Content = append(out.Content, k, v)
		}
	}
	return &out
}

func scalarString(n *yaml.Node) (string, error) {
	n = resolveAlias(n)
	if n.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("must be a single value")
	}
	if n.Tag == "!!null" {
		return "", nil
	}
	return n.Value, nil
}

func stringList(n *yaml.Node) ([]string, error) {
	n = resolveAlias(n)
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, nil
		}
		return []string{n.Value}, nil
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, e := range n.Content {
			e = resolveAlias(e)
			if e.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("entries must be single values")
			}
			out = append(out, e.Value)
		}
		return out, nil
	}
	return nil, fmt.Errorf("must be a value or a list of values")
}

func boolValue(n *yaml.Node) (bool, error) {
	var b bool
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&b) != nil {
		return false, fmt.Errorf("%q is not true or false", n.Value)
	}
	return b, nil
}

func intValue(n *yaml.Node) (int, error) {
	var i int
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&i) != nil {
		return 0, fmt.Errorf("%q is not a whole number", n.Value)
	}
	return i, nil
}

// durationValue reads Go durations plus whole days ("7d").
func durationValue(n *yaml.Node) (time.Duration, error) {
	if n.Kind != yaml.ScalarNode {
		return 0, fmt.Errorf("must be a duration such as 90s, 15m, 48h or 7d")
	}
	return parseDuration(n.Value)
}

func parseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 36500 {
			return 0, fmt.Errorf("%q is not a duration (e.g. 90s, 15m, 48h, 7d)", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration (e.g. 90s, 15m, 48h, 7d)", s)
	}
	return d, nil
}

func timeValue(n *yaml.Node) (time.Time, error) {
	if n.Kind != yaml.ScalarNode {
		return time.Time{}, fmt.Errorf("must be a date or an RFC 3339 time")
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, n.Value); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (2006-01-02) or an RFC 3339 time", n.Value)
}

func errMsg(err error) string {
	var ie *itemError
	if errors.As(err, &ie) {
		return ie.msg
	}
	return err.Error()
}

// The YAML place helpers, shared with the other loaders.
var (
	mapValue    = yamlnode.MapValue
	keyLine     = yamlnode.KeyLine
	valueLine   = yamlnode.ValueLine
	yamlErrLine = yamlnode.ErrLine
	yamlErrMsg  = yamlnode.ErrText
)
