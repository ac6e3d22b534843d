package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/streamalert/streamalert/intel"
	"github.com/streamalert/streamalert/internal/yamlnode"
	"github.com/streamalert/streamalert/schema"
)

// TestEvent is one case of a test-event file (conf/rules/tests/**): a
// record, where it comes from, and the rules expected to fire on it.
type TestEvent struct {
	File        string
	Line        int
	Description string
	// LogType names the log type the record must classify as; Source names
	// a configured source whose log types are the candidates. At least one
	// is given.
	LogType string
	Source  string
	Record  []byte // the payload handed to the classifier
	// Rules are the rules expected to fire (StreamAlert's trigger_rules);
	// empty means none may fire.
	Rules []string
	// ClassifyOnly checks classification only.
	ClassifyOnly bool
}

// LoadTestEventsDir reads every *.yaml, *.yml and *.json file under dir.
// A directory that does not exist holds no events.
func LoadTestEventsDir(dir string) ([]TestEvent, []error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return LoadTestEvents(os.DirFS(dir), dir)
}

// LoadTestEvents reads every test-event file under the root of fsys;
// display names the root in file names. A file holds one event (a map) or
// a list of them, in YAML or JSON.
func LoadTestEvents(fsys fs.FS, display string) ([]TestEvent, []error) {
	var out []TestEvent
	var errs []error
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() && p != "." && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if !isRuleFile(d.Name()) && !strings.HasSuffix(d.Name(), ".json") {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		evs, es := ParseTestEvents(joinDisplay(display, p), data)
		out = append(out, evs...)
		errs = append(errs, es...)
		return nil
	})
	if err != nil {
		errs = append(errs, err)
	}
	return out, errs
}

// ParseTestEvents reads the events of one test-event file.
func ParseTestEvents(file string, data []byte) ([]TestEvent, []error) {
	var out []TestEvent
	var errs []error
	bad := func(line int, format string, args ...any) {
		errs = append(errs, &LoadError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	dec := yamlnode.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if !errors.Is(err, io.EOF) {
				bad(yamlnode.ErrLine(err), "bad YAML/JSON: %s", yamlnode.ErrText(err))
			}
			break
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := yamlnode.Resolve(doc.Content[0])
		nodes := []*yaml.Node{root}
		if root.Kind == yaml.SequenceNode {
			nodes = root.Content
		}
		for _, n := range nodes {
			if ev, ok := parseTestEvent(file, n, bad); ok {
				out = append(out, ev)
			}
		}
	}
	return out, errs
}

func parseTestEvent(file string, n *yaml.Node, bad func(int, string, ...any)) (TestEvent, bool) {
	ev := TestEvent{File: file, Line: n.Line}
	if n.Kind != yaml.MappingNode {
		bad(n.Line, "a test event must be a map with log_type or source, record and trigger_rules")
		return ev, false
	}
	ok := true
	haveRecord := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var err error
		switch k.Value {
		case "description":
			ev.Description, err = yamlnode.String(v)
		case "log_type", "log":
			ev.LogType, err = yamlnode.String(v)
		case "source":
			ev.Source, err = yamlnode.String(v)
		case "service":
			// StreamAlert's transport (kinesis, s3, …): not needed here.
		case "record", "data":
			haveRecord = true
			ev.Record, err = recordPayload(v)
		case "trigger_rules", "rules", "expect_rules":
			ev.Rules, err = yamlnode.Strings(v)
		case "classify_only":
			ev.ClassifyOnly, err = yamlnode.Bool(v)
		default:
			err = fmt.Errorf("unknown key (want description, log_type, source, record, trigger_rules, classify_only)")
		}
		if err != nil {
			bad(v.Line, "%s: %v", k.Value, err)
			ok = false
		}
	}
	if !haveRecord {
		bad(n.Line, "test event has no record")
		ok = false
	}
	if ev.LogType == "" && ev.Source == "" {
		bad(n.Line, "test event needs a log_type or a source")
		ok = false
	}
	return ev, ok
}

// TestResult is the outcome of one test case.
type TestResult struct {
	Rule string // the rule of an inline test; "" for a test event
	Name string // the test's name or the event's description
	File string
	Line int
	Pass bool
	// Diff says what differed when the test failed.
	Diff string
}

// Tester runs rule tests through the classifier.
type Tester struct {
	Set      *Set
	Registry *schema.Registry // nil: the built-in log types
	// SourceTypes returns the log types a named source may carry (from the
	// sources config); nil or false means the source is unknown.
	SourceTypes func(source string) ([]*schema.LogType, bool)
	// Rule, when set, limits the run to that rule's inline tests and to
	// the events that name it, and compares only that rule.
	Rule string
	// IOCs and Lookups answer the |ioc and |lookup tests. With no IOCs
	// the shipped sample feed (intel.SampleStore) answers, so that the
	// pack's intel rules are tested the same everywhere; with no Lookups
	// |lookup tests never hold.
	IOCs    *intel.Store
	Lookups *intel.Lookups
}

// Run runs every inline test of the set's rules (enabled or not), then
// every event, and returns one result per case.
func (t *Tester) Run(events []TestEvent) []TestResult {
	var out []TestResult
	if t.Registry == nil {
		t.Registry = schema.Builtin()
	}
	cls := schema.NewClassifier(t.Registry)
	iocs := t.IOCs
	if iocs == nil {
		iocs = intel.SampleStore()
	}
	for _, r := range append(append([]*Rule(nil), t.Set.Rules()...), t.Set.FeedOnly()...) {
		if t.Rule != "" && r.Name != t.Rule {
			continue
		}
		if len(r.Tests) == 0 {
			continue
		}
		one := &Set{rules: []*Rule{r}, byName: map[string]*Rule{r.Name: r}}
		m := newMatcher(one, true)
		m.UseIntel(iocs, t.Lookups)
		for _, tc := range r.Tests {
			out = append(out, t.runInline(cls, m, r, tc))
		}
	}
	all := NewMatcher(t.Set)
	all.UseIntel(iocs, t.Lookups)
	for _, ev := range events {
		if t.Rule != "" && !containsString(ev.Rules, t.Rule) {
			continue
		}
		out = append(out, t.runEvent(cls, all, ev))
	}
	return out
}

func (t *Tester) runInline(cls *schema.Classifier, m *Matcher, r *Rule, tc TestCase) TestResult {
	res := TestResult{Rule: r.Name, Name: tc.Name, File: r.File, Line: tc.Line}
	lt := t.Registry.Get(tc.LogType)
	if lt == nil {
		res.Diff = fmt.Sprintf("unknown log type %q", tc.LogType)
		return res
	}
	recs, unc, err := classify(cls, tc.Record, schema.Input{Source: "test", Types: []*schema.LogType{lt}})
	if err != nil {
		res.Diff = err.Error()
		return res
	}
	if len(recs) == 0 {
		res.Diff = fmt.Sprintf("the record did not classify as %s: %s", tc.LogType, strings.Join(unc, "; "))
		return res
	}
	var fields []MatchedField
	matched := false
	for _, rec := range recs {
		m.Match(rec, func(_ *Rule, mt Match) {
			matched = true
			fields = append(fields, mt.Fields...)
		})
	}
	switch {
	case matched == tc.Expect:
		res.Pass = true
	case tc.Expect:
		res.Diff = "expected a match, got none"
	default:
		res.Diff = "expected no match, but it matched on " + formatFields(fields)
	}
	if res.Pass && len(unc) > 0 {
		res.Pass = false
		res.Diff = fmt.Sprintf("%d record(s) of the payload did not classify: %s", len(unc), strings.Join(unc, "; "))
	}
	return res
}

func (t *Tester) runEvent(cls *schema.Classifier, m *Matcher, ev TestEvent) TestResult {
	res := TestResult{Name: ev.Description, File: ev.File, Line: ev.Line}
	if res.Name == "" {
		res.Name = fmt.Sprintf("event at line %d", ev.Line)
	}
	in := schema.Input{Source: ev.Source}
	if in.Source == "" {
		in.Source = "test"
	}
	switch {
	case ev.LogType != "":
		lt := t.Registry.Get(ev.LogType)
		if lt == nil {
			res.Diff = fmt.Sprintf("unknown log type %q", ev.LogType)
			return res
		}
		in.Types = []*schema.LogType{lt}
	default:
		var types []*schema.LogType
		ok := false
		if t.SourceTypes != nil {
			types, ok = t.SourceTypes(ev.Source)
		}
		if !ok {
			res.Diff = fmt.Sprintf("unknown source %q", ev.Source)
			return res
		}
		in.Types = types
	}
	recs, unc, err := classify(cls, ev.Record, in)
	if err != nil {
		res.Diff = err.Error()
		return res
	}
	if len(unc) > 0 || len(recs) == 0 {
		want := ev.LogType
		if want == "" {
			want = "a log type of source " + ev.Source
		}
		res.Diff = fmt.Sprintf("the record did not classify as %s: %s", want, strings.Join(unc, "; "))
		return res
	}
	if ev.ClassifyOnly {
		res.Pass = true
		return res
	}
	fired := map[string]bool{}
	for _, rec := range recs {
		m.Match(rec, func(r *Rule, _ Match) { fired[r.Name] = true })
	}
	want := map[string]bool{}
	for _, r := range ev.Rules {
		want[r] = true
	}
	var missing, unexpected []string
	for r := range want {
		if t.Rule != "" && r != t.Rule {
			continue
		}
		if !fired[r] {
			if t.Set.Get(r) == nil {
				r += " (no such rule)"
			} else if !t.Set.Get(r).Enabled {
				r += " (disabled)"
			}
			missing = append(missing, r)
		}
	}
	for r := range fired {
		if t.Rule != "" && r != t.Rule {
			continue
		}
		if !want[r] {
			unexpected = append(unexpected, r)
		}
	}
	sort.Strings(missing)
	sort.Strings(unexpected)
	var diff []string
	if len(missing) > 0 {
		diff = append(diff, "expected to fire but did not: "+strings.Join(missing, ", "))
	}
	if len(unexpected) > 0 {
		diff = append(diff, "fired but not expected: "+strings.Join(unexpected, ", "))
	}
	res.Pass = len(diff) == 0
	res.Diff = strings.Join(diff, "; ")
	return res
}

// classify runs the classifier over one payload.
func classify(cls *schema.Classifier, payload []byte, in schema.Input) ([]*schema.Record, []string, error) {
	var recs []*schema.Record
	var unc []string
	err := cls.Classify(payload, in,
		func(r *schema.Record) { recs = append(recs, r) },
		func(u *schema.Unclassified) { unc = append(unc, u.Reason) })
	return recs, unc, err
}

func formatFields(fs []MatchedField) string {
	if len(fs) == 0 {
		return "(no field values)"
	}
	parts := make([]string, len(fs))
	for i, f := range fs {
		name := f.Field
		if name == "" {
			name = "keyword"
		}
		parts[i] = fmt.Sprintf("%s=%q", name, f.Value)
	}
	return strings.Join(parts, ", ")
}
