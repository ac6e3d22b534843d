package queries

import (
	"errors"
	"fmt"
	"strings"

	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// The fixed columns every compiled statement selects, in order, before the
// rule's field columns.
const (
	ColRule      = "rule"
	ColLogType   = "log_type"
	ColRecordID  = schema.ColRecordID
	ColEventTime = schema.ColEventTime
	ColDT        = schema.ColPartition
)

// FixedColumns are the columns every compiled statement starts with.
var FixedColumns = []string{ColRule, ColLogType, ColRecordID, ColEventTime, ColDT}

// Query is a rule compiled for one dialect and time range.
type Query struct {
	Rule    string
	Dialect Dialect
	Range   TimeRange
	// SQL is the whole statement: the Parts joined by UNION ALL.
	SQL string
	// Parts are the SELECTs of the rule's log types, in name order.
	Parts []Part
	// Fields are the rule's field paths (as written) selected after
	// FixedColumns, each as text: the value's text as the matcher sees it,
	// several values (arrays, JSON arrays) joined with ", ", NULL when
	// missing. They are the fields the rule tests, the fields its
	// fieldrefs name, and its merge keys.
	Fields []string
	// Warnings are parts of the rule the SQL cannot express exactly (see
	// docs/queries.md); empty for nearly every rule.
	Warnings []string
}

// Part is the SELECT of one log type.
type Part struct {
	LogType string
	Table   string
	SQL     string
	// Where is the rule's condition alone (no time bounds), over the
	// table aliased t.
	Where string
}

// Options change how rules compile. The zero value is right for every
// use but tests.
type Options struct {
	// Database qualifies table names ("db"."table"); empty leaves them
	// bare (Athena's query context, DuckDB's views).
	Database string
	// DropCoalesce leaves the COALESCE(…, FALSE) off every leaf, which
	// breaks `not` over missing fields. It exists only so that the
	// equivalence harness can show that it notices a broken translation.
	DropCoalesce bool
}

// Compile compiles a rule for a dialect and a time range. reg, if not nil,
// supplies the current definition of each of the rule's log types (by
// name); otherwise the definitions the rule was loaded with are used.
func Compile(rule *rules.Rule, reg rules.LogTypes, d Dialect, rng TimeRange) (Query, error) {
	return Options{}.Compile(rule, reg, d, rng)
}

// Compile is the package's Compile with o's settings.
func (o Options) Compile(rule *rules.Rule, reg rules.LogTypes, d Dialect, rng TimeRange) (Query, error) {
	if rule.Correlation != nil {
		return o.compileCorrelation(rule, reg, d, rng)
	}
	q := Query{Rule: rule.Name, Dialect: d, Range: rng}
	switch {
	case !d.valid():
		return q, fmt.Errorf("compile rule %s: unknown dialect %v", rule.Name, d)
	case rule.Expr == nil:
		return q, fmt.Errorf("compile rule %s: the rule has no detection", rule.Name)
	case len(rule.LogTypes) == 0:
		return q, fmt.Errorf("compile rule %s: the rule runs on no log type", rule.Name)
	case !rng.From.IsZero() && !rng.To.IsZero() && !rng.From.Before(rng.To):
		return q, fmt.Errorf("compile rule %s: empty time range %v", rule.Name, rng)
	}
	q.Fields = fieldPaths(rule)
	seenWarn := map[string]bool{}
	var sqls []string
	for _, lt := range rule.LogTypes {
		if reg != nil {
			if cur := reg.Get(lt.Name); cur != nil {
				lt = cur
			}
		}
		c := &typeCompiler{d: d, lt: lt, opts: o}
		part, err := c.part(rule, q.Fields, rng)
		if err != nil {
			return q, fmt.Errorf("compile rule %s: log type %s: %w", rule.Name, lt.Name, err)
		}
		for _, w := range c.warnings {
			if !seenWarn[w] {
				seenWarn[w] = true
				q.Warnings = append(q.Warnings, w)
			}
		}
		q.Parts = append(q.Parts, part)
		sqls = append(sqls, part.SQL)
	}
	q.SQL = strings.Join(sqls, "\nUNION ALL\n")
	return q, nil
}

// fieldPaths lists the paths the rule's alerts need: the fields its leaves
// test, the fields its fieldrefs name, then its merge keys, each once.
func fieldPaths(r *rules.Rule) []string {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, l := range rules.Leaves(r.Expr) {
		add(l.Field)
		if l.Op.IsRef() && len(l.Values) > 0 {
			add(l.Values[0])
		}
	}
	for _, k := range r.MergeByKeys {
		add(k)
	}
	return out
}

// typeCompiler writes the SQL of one rule for one log type.
type typeCompiler struct {
	d        Dialect
	lt       *schema.LogType
	opts     Options
	vars     int // lambda variables used so far
	warnings []string
}

func (c *typeCompiler) warn(format string, args ...any) {
	c.warnings = append(c.warnings, fmt.Sprintf(format, args...))
}

// newVar returns a fresh lambda variable name.
func (c *typeCompiler) newVar() string {
	c.vars++
	return fmt.Sprintf("v%d", c.vars)
}

func (c *typeCompiler) table() string {
	t := ident(c.lt.Table())
	if c.opts.Database != "" {
		t = ident(c.opts.Database) + "." + t
	}
	return t
}

// part writes the SELECT of the rule for the log type.
func (c *typeCompiler) part(rule *rules.Rule, fields []string, rng TimeRange) (Part, error) {
	where, err := c.expr(rule.Expr, 1)
	if err != nil {
		return Part{}, err
	}
	var b strings.Builder
	b.WriteString("SELECT " + quote(rule.Name) + " AS " + ident(ColRule))
	b.WriteString(", " + quote(c.lt.Name) + " AS " + ident(ColLogType))
	for _, col := range []string{ColRecordID, ColEventTime, ColDT} {
		b.WriteString(", t." + ident(col))
	}
	for _, f := range fields {
		b.WriteString(",\n       " + c.fieldText(f) + " AS " + ident(f))
	}
	b.WriteString("\nFROM " + c.table() + " AS t\nWHERE ")
	var conds []string
	from, to := rng.Partitions()
	if from != "" {
		conds = append(conds, "t."+ident(ColDT)+" >= "+quote(from))
	}
	if to != "" {
		conds = append(conds, "t."+ident(ColDT)+" <= "+quote(to))
	}
	if !rng.From.IsZero() {
		conds = append(conds, "t."+ident(ColEventTime)+" >= "+c.d.timestampLiteral(rng.From))
	}
	if !rng.To.IsZero() {
		conds = append(conds, "t."+ident(ColEventTime)+" < "+c.d.timestampLiteral(rng.To))
	}
	for _, cond := range conds {
		b.WriteString(cond + "\n  AND ")
	}
	b.WriteString(where)
	return Part{LogType: c.lt.Name, Table: c.lt.Table(), SQL: b.String(), Where: where}, nil
}

// expr writes a condition; depth sets the indentation of nested lines.
func (c *typeCompiler) expr(x rules.Expr, depth int) (string, error) {
	switch x := x.(type) {
	case rules.And:
		return c.join(x, " AND", depth)
	case rules.Or:
		return c.join(x, " OR", depth)
	case rules.Not:
		inner, err := c.expr(x.X, depth+1)
		if err != nil {
			return "", err
		}
		if _, leaf := x.X.(*rules.Leaf); leaf && !strings.HasPrefix(inner, "COALESCE(") && inner != "FALSE" {
			inner = "(" + inner + ")" // an exists test: x IS NOT NULL
		}
		return "NOT " + inner, nil
	case *rules.Leaf:
		return c.leaf(x)
	}
	return "", fmt.Errorf("unknown expression %T", x)
}

func (c *typeCompiler) join(xs []rules.Expr, op string, depth int) (string, error) {
	if len(xs) == 0 {
		return "", errors.New("empty and/or")
	}
	indent := "\n" + strings.Repeat("  ", depth+1)
	parts := make([]string, len(xs))
	for i, x := range xs {
		s, err := c.expr(x, depth+1)
		if err != nil {
			return "", err
		}
		parts[i] = s
	}
	return "(" + strings.Join(parts, op+indent) + ")", nil
}
