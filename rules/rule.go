package rules

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/streamalert/streamalert/schema"
)

// Format tells how a rule was written.
type Format uint8

const (
	// Native is a streamalert rule file: Sigma detection plus alerting
	// metadata, named by its `name` key.
	Native Format = iota + 1
	// Sigma is an unmodified Sigma rule, named after its file.
	Sigma
)

func (f Format) String() string {
	switch f {
	case Native:
		return "native"
	case Sigma:
		return "sigma"
	}
	return "unknown"
}

// Severities are the accepted severities, lowest first.
var Severities = []string{"info", "low", "medium", "high", "critical"}

// Rule is one loaded and validated rule. It is read-only after loading.
type Rule struct {
	Name        string // [a-z0-9_]+, unique
	Format      Format
	Title       string
	Description string
	Severity    string // one of Severities

	// Where the rule applies, as written: Logs (log types or source
	// prefixes), LogSource (Sigma) or Datatypes (normalized types).
	Logs      []string
	LogSource *LogSource
	Datatypes []string
	// LogTypes are the log types the rule runs on, resolved at load time,
	// sorted by name.
	LogTypes []*schema.LogType

	Detection *Detection
	// Expr is the detection as a normalized boolean tree; see Expr.
	Expr Expr

	Outputs     []string // service:descriptor
	MergeByKeys []string
	MergeWindow time.Duration
	DedupPeriod time.Duration
	Threshold   int
	Staged      bool
	StagedUntil time.Time
	Context     map[string]any
	Tags        []string
	References  []string
	Runbook     string
	Enabled     bool
	Tests       []TestCase

	// Sigma metadata, kept from Sigma rules (and native rules that set it).
	ID             string
	Status         string
	Level          string
	Author         string
	Date           string
	Modified       string
	FalsePositives []string

	// SigmaName is a Sigma rule's name attribute, by which correlation
	// rules may refer to it.
	SigmaName string
	// Correlation is set for a correlation rule, which has no Detection of
	// its own; its LogTypes are those of its base rules.
	Correlation *Correlation

	File string // as given to the loader (a path, or "pack/…" for the embedded pack)
	Line int
}

// LogTypeNames returns the names of the rule's log types.
func (r *Rule) LogTypeNames() []string {
	out := make([]string, len(r.LogTypes))
	for i, lt := range r.LogTypes {
		out[i] = lt.Name
	}
	return out
}

// AppliesTo reports whether the rule runs on records of the named log type.
func (r *Rule) AppliesTo(logType string) bool {
	for _, lt := range r.LogTypes {
		if lt.Name == logType {
			return true
		}
	}
	return false
}

// LogSource is a Sigma rule's logsource.
type LogSource struct {
	Category   string
	Product    string
	Service    string
	Definition string
}

func (s LogSource) String() string {
	var parts []string
	for _, kv := range [][2]string{{"category", s.Category}, {"product", s.Product}, {"service", s.Service}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	return strings.Join(parts, " ")
}

// Detection is a rule's detection section as written: named selections and
// the condition over them.
type Detection struct {
	Selections []Selection // in file order
	Conditions []string    // as written; several are OR-ed
	Condition  Cond        // parsed (a CondOr when there are several)
}

// Selection is one named selection. Groups are OR-ed; the items of a group
// are AND-ed. A keyword selection is one group per keyword, each one
// field-less item.
type Selection struct {
	Name   string
	Line   int
	Groups [][]Item
	Expr   Expr
}

// TestCase is one inline test of a rule.
type TestCase struct {
	Name    string
	LogType string
	// Record is the payload handed to the classifier: JSON when the test
	// wrote a map, else the raw string as written.
	Record []byte
	Expect bool // whether the rule must match
	Line   int
}

// Set is a collection of rules with unique names.
type Set struct {
	rules  []*Rule // sorted by name
	corrs  []*Rule // correlation rules, sorted by name
	byName map[string]*Rule
}

// NewSet builds a set. Rules with a name already in the set are reported
// and left out. Correlation rules are linked to their base rules among
// rules; base rules that only feed correlations are left out of the set
// (see linkCorrelations).
func NewSet(rules ...*Rule) (*Set, []error) {
	s := &Set{byName: map[string]*Rule{}}
	rules, errs := linkCorrelations(rules)
	errs = append(errs, s.add(rules)...)
	return s, errs
}

func (s *Set) add(rules []*Rule) []error {
	var errs []error
	for _, r := range rules {
		if prev, ok := s.byName[r.Name]; ok {
			errs = append(errs, &LoadError{File: r.File, Line: r.Line, Rule: r.Name,
				Msg: fmt.Sprintf("rule name %s is already used by %s:%d", r.Name, prev.File, prev.Line)})
			continue
		}
		s.byName[r.Name] = r
		if r.Correlation != nil {
			s.corrs = append(s.corrs, r)
			continue
		}
		s.rules = append(s.rules, r)
	}
	sort.Slice(s.rules, func(i, j int) bool { return s.rules[i].Name < s.rules[j].Name })
	sort.Slice(s.corrs, func(i, j int) bool { return s.corrs[i].Name < s.corrs[j].Name })
	return errs
}

// Merge returns a set with the rules of all sets; duplicate names are
// reported and the first one kept.
func Merge(sets ...*Set) (*Set, []error) {
	var all []*Rule
	for _, s := range sets {
		if s != nil {
			all = append(all, s.rules...)
			all = append(all, s.corrs...)
		}
	}
	// Keep the order of the arguments for "first wins".
	out := &Set{byName: map[string]*Rule{}}
	return out, out.add(all)
}

// Rules returns the detection rules sorted by name (not the correlation
// rules; see Correlations). The slice must not be modified.
func (s *Set) Rules() []*Rule {
	if s == nil {
		return nil
	}
	return s.rules
}

// Correlations returns the correlation rules sorted by name. The slice
// must not be modified.
func (s *Set) Correlations() []*Rule {
	if s == nil {
		return nil
	}
	return s.corrs
}

// Len is the number of detection rules.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.rules)
}

// Get returns the named rule (a detection or correlation rule), or nil.
func (s *Set) Get(name string) *Rule {
	if s == nil {
		return nil
	}
	return s.byName[name]
}

// Filter returns the rules (detection and correlation) for which keep
// returns true, as a new set.
func (s *Set) Filter(keep func(*Rule) bool) *Set {
	out := &Set{byName: map[string]*Rule{}}
	for _, r := range s.Rules() {
		if keep(r) {
			out.rules = append(out.rules, r)
			out.byName[r.Name] = r
		}
	}
	for _, r := range s.Correlations() {
		if keep(r) {
			out.corrs = append(out.corrs, r)
			out.byName[r.Name] = r
		}
	}
	return out
}

// LoadError is a problem with a rule file, with its place.
type LoadError struct {
	File string
	Line int
	Rule string // the rule's name when known
	Msg  string
}

func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Rule != "" {
		b.WriteString("rule " + e.Rule + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Location returns the file and line of the problem.
func (e *LoadError) Location() (string, int) { return e.File, e.Line }
