package rules

import (
	"fmt"
	"strings"
	"testing"
)

// condString renders a parsed condition with full parentheses.
func condString(c Cond) string {
	switch c := c.(type) {
	case CondAnd:
		parts := make([]string, len(c))
		for i, p := range c {
			parts[i] = condString(p)
		}
		return "(" + strings.Join(parts, " and ") + ")"
	case CondOr:
		parts := make([]string, len(c))
		for i, p := range c {
			parts[i] = condString(p)
		}
		return "(" + strings.Join(parts, " or ") + ")"
	case CondNot:
		return "not " + condString(c.X)
	case CondSel:
		return c.Name
	case CondOf:
		q := "1"
		if c.All {
			q = "all"
		}
		return "[" + q + " of " + c.Pattern + "]"
	}
	return fmt.Sprintf("%T", c)
}

func TestParseCondition(t *testing.T) {
	cases := map[string]string{
		"a":                             "a",
		"a and b or c":                  "((a and b) or c)",
		"a or b and c":                  "(a or (b and c))",
		"not a and b":                   "(not a and b)",
		"not (a and b)":                 "not (a and b)",
		"a and not 1 of filter_*":       "(a and not [1 of filter_*])",
		"all of them":                   "[all of them]",
		"any of sel*":                   "[1 of sel*]",
		"1 of them and not (x or y)":    "([1 of them] and not (x or y))",
		"((a))":                         "a",
		"a and b and c":                 "(a and b and c)",
		"sel-1 or sel.2":                "(sel-1 or sel.2)",
		"all":                           "all",
		"not not a":                     "not not a",
		"  a\n  and b ":                 "(a and b)",
		"all of sel_* and not 1 of f_*": "([all of sel_*] and not [1 of f_*])",
	}
	for in, want := range cases {
		c, err := ParseCondition(in)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if got := condString(c); got != want {
			t.Errorf("%q: got %s, want %s", in, got, want)
		}
	}
}

func TestParseConditionErrors(t *testing.T) {
	cases := map[string]string{
		"":                "condition is empty",
		"a and":           "ends early",
		"(a":              "unclosed '('",
		"a)":              `unexpected ")"`,
		"a b":             `unexpected "b"`,
		"2 of x":          `"2" of is not supported`,
		"1 of":            "1 of needs a selection name",
		"1 of (a)":        "1 of needs a selection name",
		"sel_*":           "needs '1 of' or 'all of'",
		"a | count() > 5": "aggregations",
		"a AND b":         "operators are lower case",
		"NOT a":           "operators are lower case",
		"or a":            `unexpected "or"`,
		strings.Repeat("(", 200) + "a" + strings.Repeat(")", 200): "more than 100 deep",
	}
	for in, want := range cases {
		_, err := ParseCondition(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", in, err, want)
		}
	}
}

func TestMatchSelections(t *testing.T) {
	names := []string{"sel", "sel_a", "_sel_b", "filter", "_x"}
	cases := map[string]string{
		"them":   "sel sel_a filter",
		"sel*":   "sel sel_a",
		"_*":     "_sel_b _x",
		"*":      "sel sel_a filter",
		"*sel*":  "sel sel_a",
		"_sel*":  "_sel_b",
		"filter": "filter",
		"nope*":  "",
	}
	for pat, want := range cases {
		if got := strings.Join(matchSelections(pat, names), " "); got != want {
			t.Errorf("%s: got %q, want %q", pat, got, want)
		}
	}
}
