package rules

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/streamalert/streamalert/internal/duration"
	"github.com/streamalert/streamalert/internal/yamlnode"
	"github.com/streamalert/streamalert/schema"
)

// correlationKeys are the top-level keys a correlation rule may have.
var correlationKeys = map[string]bool{
	"name": true, "title": true, "description": true, "correlation": true, "generate": true,
	"id": true, "status": true, "level": true, "author": true, "date": true, "modified": true,
	"falsepositives": true, "tags": true, "references": true, "related": true, "license": true,
	"taxonomy": true, "fields": true,
	// streamalert's alerting metadata
	"severity": true, "outputs": true, "runbook": true, "enabled": true, "context": true,
}

// correlationSectionKeys are the keys of the correlation section.
var correlationSectionKeys = map[string]bool{
	"type": true, "rules": true, "group-by": true, "timespan": true, "condition": true,
	"aliases": true, "generate": true,
}

// parseCorrelation reads a correlation rule document. Its base rules are
// resolved later, when the set is built (linkCorrelations).
func (l *Loader) parseCorrelation(file string, root *yaml.Node, isSigma bool, name string) (*Rule, []error) {
	r := &Rule{Format: Native, File: file, Line: root.Line, Enabled: true, Name: name}
	if isSigma {
		r.Format = Sigma
	}
	var errs []error
	bad := func(line int, format string, args ...any) {
		errs = append(errs, &LoadError{File: file, Line: line, Rule: r.Name, Msg: fmt.Sprintf(format, args...)})
	}
	if !isSigma {
		n := yamlnode.MapValue(root, "name")
		r.Name = n.Value
		if n.Kind != yaml.ScalarNode || !validName.MatchString(n.Value) {
			r.Name = ""
			bad(n.Line, "rule name %q must be snake_case: lower-case letters, digits and _", n.Value)
		}
	} else if !validName.MatchString(r.Name) {
		bad(root.Line, "cannot derive a rule name from the file name %q; rename the file to snake_case", path.Base(file))
	}
	c := &Correlation{Line: yamlnode.KeyLine(root, "correlation")}
	r.Correlation = c
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		key := k.Value
		if seen[key] {
			bad(k.Line, "key %q appears twice", key)
			continue
		}
		seen[key] = true
		if !correlationKeys[key] {
			if !isSigma {
				bad(k.Line, "unknown key %q in a correlation rule", key)
			}
			continue
		}
		handled, err := metadataKey(r, key, v, isSigma)
		if !handled {
			switch key {
			case "generate":
				c.Generate, err = yamlnode.Bool(v)
			case "correlation":
				parseCorrelationSection(c, v, bad)
			}
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
	if len(errs) > 0 {
		return nil, errs
	}
	return r, nil
}

// parseCorrelationSection reads the correlation: map into c.
func parseCorrelationSection(c *Correlation, n *yaml.Node, bad func(int, string, ...any)) {
	if n.Kind != yaml.MappingNode {
		bad(n.Line, "correlation must be a map with type, rules, group-by, timespan and condition")
		return
	}
	var cond *yaml.Node
	c.GroupByLine = n.Line
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			bad(k.Line, "correlation: key %q appears twice", k.Value)
			continue
		}
		seen[k.Value] = true
		var err error
		switch k.Value {
		case "type":
			var s string
			s, err = yamlnode.String(v)
			if err == nil {
				t, ok := correlationTypeNames[s]
				if !ok {
					err = fmt.Errorf("%q is not a correlation type (want event_count, value_count, value_sum, value_avg, temporal or temporal_ordered)", s)
				}
				c.Type = t
			}
		case "rules":
			if v.Kind == yaml.ScalarNode {
				c.Refs = append(c.Refs, CorrelationRef{Name: v.Value, Line: v.Line})
				break
			}
			if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
				err = fmt.Errorf("must be a list of rule names or ids")
				break
			}
			for _, e := range v.Content {
				if e.Kind != yaml.ScalarNode || e.Value == "" {
					bad(e.Line, "correlation: rules: each entry must be a rule name or id")
					continue
				}
				c.Refs = append(c.Refs, CorrelationRef{Name: e.Value, Line: e.Line})
			}
		case "group-by":
			c.GroupByLine = v.Line
			c.GroupBy, err = yamlnode.Strings(v)
			for _, g := range c.GroupBy {
				if err == nil && g == "" {
					err = fmt.Errorf("a group-by field is empty")
				}
			}
		case "timespan":
			if v.Kind != yaml.ScalarNode {
				err = fmt.Errorf("must be a duration such as 10m, 1h or 2d")
				break
			}
			c.Timespan, err = duration.Parse(v.Value)
			if err == nil && c.Timespan <= 0 {
				err = fmt.Errorf("must be longer than zero")
			}
			if err == nil && c.Timespan%1e9 != 0 {
				err = fmt.Errorf("%s: must be whole seconds", v.Value)
			}
		case "condition":
			cond = v
		case "aliases":
			c.Aliases, err = parseAliases(v)
		case "generate":
			c.Generate, err = yamlnode.Bool(v)
		default:
			err = fmt.Errorf("unknown key (want type, rules, group-by, timespan, condition, aliases or generate)")
		}
		if err != nil {
			bad(v.Line, "correlation: %s: %v", k.Value, err)
		}
	}
	for _, k := range []string{"type", "rules", "timespan"} {
		if !seen[k] {
			bad(n.Line, "correlation: %s is missing", k)
		}
	}
	if c.Type == 0 {
		return
	}
	if cond != nil {
		parseCorrelationCondition(c, cond, bad)
	}
	switch {
	case cond == nil && c.Type != Temporal && c.Type != TemporalOrdered:
		bad(n.Line, "correlation: a %s correlation needs a condition (such as gte: 10)", c.Type)
	case c.Type.HasField() && c.Field == "" && cond != nil:
		bad(cond.Line, "correlation: condition: a %s correlation needs field: the field whose values it aggregates", c.Type)
	case !c.Type.HasField() && c.Field != "":
		bad(cond.Line, "correlation: condition: field is only for value_count, value_sum and value_avg")
	}
	if (c.Type == Temporal || c.Type == TemporalOrdered) && len(c.Refs) < 2 && seen["rules"] {
		bad(yamlnode.ValueLine(n, "rules"), "correlation: a %s correlation needs at least two rules", c.Type)
	}
	if len(c.Refs) > 64 {
		bad(yamlnode.ValueLine(n, "rules"), "correlation: at most 64 rules")
	}
	if c.Type == TemporalOrdered && !c.Condition.IsZero() {
		bad(cond.Line, "correlation: temporal_ordered needs every rule in order; a count condition is not supported")
	}
	if (c.Type == Temporal || c.Type == TemporalOrdered) && c.Condition.IsZero() {
		all := float64(len(c.Refs))
		c.Condition.Gte = &all
	}
}

// parseCorrelationCondition reads a condition map ({gte: 10, field: x}),
// or, for temporal types, a condition naming every rule joined by and.
func parseCorrelationCondition(c *Correlation, n *yaml.Node, bad func(int, string, ...any)) {
	if n.Kind == yaml.ScalarNode && (c.Type == Temporal || c.Type == TemporalOrdered) {
		names := map[string]bool{}
		for _, p := range strings.Fields(n.Value) {
			if strings.EqualFold(p, "and") {
				continue
			}
			names[p] = true
		}
		ok := len(names) == len(c.Refs)
		for _, r := range c.Refs {
			ok = ok && names[r.Name]
		}
		if !ok || strings.ContainsAny(n.Value, "()") || containsFold(strings.Fields(n.Value), "or") || containsFold(strings.Fields(n.Value), "not") {
			bad(n.Line, "correlation: condition: only a condition that joins every rule with and is supported, such as %q", refNames(c.Refs))
		}
		return
	}
	if n.Kind != yaml.MappingNode {
		bad(n.Line, "correlation: condition must be a map such as {gte: 10}")
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "field" {
			s, err := yamlnode.String(v)
			if err != nil || s == "" {
				bad(v.Line, "correlation: condition: field must be one field name")
			}
			c.Field = s
			continue
		}
		var x float64
		if v.Kind != yaml.ScalarNode || v.Decode(&x) != nil || v.Tag == "!!str" {
			bad(v.Line, "correlation: condition: %s: %q is not a number", k.Value, v.Value)
			continue
		}
		p := &x
		switch k.Value {
		case "gt":
			c.Condition.Gt = p
		case "gte":
			c.Condition.Gte = p
		case "lt":
			c.Condition.Lt = p
		case "lte":
			c.Condition.Lte = p
		case "eq":
			c.Condition.Eq = p
		default:
			bad(k.Line, "correlation: condition: unknown operator %q (want gt, gte, lt, lte, eq or field)", k.Value)
		}
	}
	if c.Condition.IsZero() {
		bad(n.Line, "correlation: condition: no bound (want gt, gte, lt, lte or eq)")
	}
}

func containsFold(xs []string, s string) bool {
	for _, x := range xs {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func refNames(refs []CorrelationRef) string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.Name
	}
	return strings.Join(out, " and ")
}

// parseAliases reads aliases: {alias: {rule: field}}.
func parseAliases(n *yaml.Node) (map[string]map[string]string, error) {
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("must map each alias to {rule: field}")
	}
	out := map[string]map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("alias %s must map rule names to fields", k.Value)
		}
		m := map[string]string{}
		for j := 0; j+1 < len(v.Content); j += 2 {
			f, err := yamlnode.String(v.Content[j+1])
			if err != nil || f == "" {
				return nil, fmt.Errorf("alias %s: rule %s: want a field name", k.Value, v.Content[j].Value)
			}
			m[v.Content[j].Value] = f
		}
		out[k.Value] = m
	}
	return out, nil
}

// linkCorrelations resolves the base rules of the correlation rules among
// rules (by rule name, Sigma name or id, preferring the correlation's own
// file) and checks their group-by fields. It returns the rules that raise
// alerts of their own: the detection rules less the base rules that only
// feed correlations (no correlation naming them says generate: true),
// followed by the correlation rules. Correlation rules already linked
// (from a set being merged) are kept as they are.
func linkCorrelations(rs []*Rule) ([]*Rule, []error) {
	var corrs []*Rule
	for _, r := range rs {
		if r.Correlation != nil && r.Correlation.Bases == nil {
			corrs = append(corrs, r)
		}
	}
	if len(corrs) == 0 {
		return rs, nil
	}
	var errs []error
	feedOnly := map[*Rule]bool{}
	generated := map[*Rule]bool{}
	var linked []*Rule
	for _, cr := range corrs {
		c := cr.Correlation
		bad := func(line int, format string, args ...any) {
			errs = append(errs, &LoadError{File: cr.File, Line: line, Rule: cr.Name, Msg: fmt.Sprintf(format, args...)})
		}
		ok := true
		bases := make([]*Rule, len(c.Refs))
		for i, ref := range c.Refs {
			b, msg := findBase(rs, cr, ref.Name)
			if b == nil {
				bad(ref.Line, "correlation: rules: %s", msg)
				ok = false
				continue
			}
			if b.Correlation != nil {
				bad(ref.Line, "correlation: rules: %s is a correlation rule; correlations of correlations are not supported yet", ref.Name)
				ok = false
				continue
			}
			for j := 0; j < i; j++ {
				if bases[j] == b {
					bad(ref.Line, "correlation: rules: %s is named twice", ref.Name)
					ok = false
				}
			}
			bases[i] = b
		}
		if !ok {
			continue
		}
		for alias, m := range c.Aliases {
			for ref := range m {
				if !refNamed(c.Refs, ref) {
					bad(c.Line, "correlation: aliases: %s names rule %s, which is not in rules", alias, ref)
					ok = false
				}
			}
		}
		for i, b := range bases {
			fields := make([]string, 0, len(c.GroupBy)+1)
			for _, g := range c.GroupBy {
				fields = append(fields, c.GroupField(i, g))
			}
			if c.Field != "" {
				fields = append(fields, c.Field)
			}
			for _, lt := range b.LogTypes {
				for _, f := range fields {
					if msg := groupFieldProblem(lt, f); msg != "" {
						bad(c.GroupByLine, "correlation: group-by: base rule %s, log type %s: field %s %s", b.Name, lt.Name, f, msg)
						ok = false
					}
				}
			}
		}
		if !ok {
			continue
		}
		c.Bases = bases
		types := map[string]*schema.LogType{}
		for _, b := range bases {
			if c.Generate {
				generated[b] = true
			} else {
				feedOnly[b] = true
			}
			for _, lt := range b.LogTypes {
				types[lt.Name] = lt
			}
		}
		for _, lt := range types {
			cr.LogTypes = append(cr.LogTypes, lt)
		}
		sort.Slice(cr.LogTypes, func(i, j int) bool { return cr.LogTypes[i].Name < cr.LogTypes[j].Name })
		linked = append(linked, cr)
	}
	// A base rule left out of the set must not share its name either.
	byName := map[string]*Rule{}
	for _, r := range rs {
		if prev, ok := byName[r.Name]; ok && (feedOnly[r] || feedOnly[prev]) {
			errs = append(errs, &LoadError{File: r.File, Line: r.Line, Rule: r.Name,
				Msg: fmt.Sprintf("rule name %s is already used by %s:%d", r.Name, prev.File, prev.Line)})
		}
		byName[r.Name] = r
	}
	out := make([]*Rule, 0, len(rs))
	for _, r := range rs {
		switch {
		case r.Correlation != nil && r.Correlation.Bases == nil:
			// not linked: reported above
		case feedOnly[r] && !generated[r]:
			// feeds correlations only
		default:
			out = append(out, r)
		}
	}
	return out, errs
}

// findBase finds the rule ref names for correlation rule cr: by name, Sigma
// name or id; a rule in cr's file wins over rules elsewhere.
func findBase(rs []*Rule, cr *Rule, ref string) (*Rule, string) {
	var inFile, elsewhere []*Rule
	for _, r := range rs {
		if r == cr || (r.Name != ref && r.SigmaName != ref && r.ID != ref) {
			continue
		}
		if r.File == cr.File {
			inFile = append(inFile, r)
		} else {
			elsewhere = append(elsewhere, r)
		}
	}
	cands := inFile
	if len(cands) == 0 {
		cands = elsewhere
	}
	switch len(cands) {
	case 0:
		return nil, fmt.Sprintf("no rule is named %s or has that id (base rules must be loaded with the correlation rule)", ref)
	case 1:
		return cands[0], ""
	}
	var where []string
	for _, r := range cands {
		where = append(where, fmt.Sprintf("%s:%d", r.File, r.Line))
	}
	return nil, fmt.Sprintf("%s names more than one rule (%s)", ref, strings.Join(where, ", "))
}

func refNamed(refs []CorrelationRef, name string) bool {
	for _, r := range refs {
		if r.Name == name {
			return true
		}
	}
	return false
}

// groupFieldProblem says why a group-by (or value) field cannot be read
// from records of lt, or "".
func groupFieldProblem(lt *schema.LogType, field string) string {
	ref := ResolveField(lt, splitPath(field))
	switch ref.Where {
	case InNowhere:
		return "leads below a field that is not an object, so no record has it"
	case InText:
		return "is empty"
	case InDeclared:
		switch ref.Type.Kind {
		case schema.KindFloat, schema.KindTimestamp, schema.KindObject:
			return fmt.Sprintf("is a %s field; group by text, number or boolean fields", ref.Type.Kind)
		}
	}
	return ""
}
