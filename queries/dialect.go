package queries

import (
	"fmt"
	"strings"
)

// Dialect is an SQL dialect the compiler writes.
type Dialect uint8

const (
	// Athena is Trino as Athena engine v3 runs it.
	Athena Dialect = iota + 1
	// DuckDB is the embedded engine of historical.
	DuckDB
)

// Dialects are the dialect names ParseDialect accepts.
var Dialects = []string{"athena", "duckdb"}

func (d Dialect) String() string {
	switch d {
	case Athena:
		return "athena"
	case DuckDB:
		return "duckdb"
	}
	return fmt.Sprintf("dialect(%d)", uint8(d))
}

// ParseDialect reads a dialect name: athena (or trino) or duckdb.
func ParseDialect(s string) (Dialect, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "athena", "trino":
		return Athena, nil
	case "duckdb":
		return DuckDB, nil
	}
	return 0, fmt.Errorf("dialect %q: want %s", s, strings.Join(Dialects, " or "))
}

func (d Dialect) valid() bool { return d == Athena || d == DuckDB }

// The functions below spell one operation in the dialect. Arguments are
// SQL expressions.

// lambda renders a one-parameter lambda.
func (d Dialect) lambda(v, body string) string {
	if d == DuckDB {
		return "lambda " + v + ": " + body
	}
	return v + " -> " + body
}

// anyMatch holds when the predicate holds for an element of list; NULL for
// an empty or NULL list (callers wrap it in COALESCE).
func (d Dialect) anyMatch(list, v, pred string) string {
	if d == DuckDB {
		return "list_bool_or(list_transform(" + list + ", " + d.lambda(v, pred) + "))"
	}
	return "any_match(" + list + ", " + d.lambda(v, pred) + ")"
}

func (d Dialect) transform(list, v, body string) string {
	if d == DuckDB {
		return "list_transform(" + list + ", " + d.lambda(v, body) + ")"
	}
	return "transform(" + list + ", " + d.lambda(v, body) + ")"
}

func (d Dialect) filter(list, v, pred string) string {
	if d == DuckDB {
		return "list_filter(" + list + ", " + d.lambda(v, pred) + ")"
	}
	return "filter(" + list + ", " + d.lambda(v, pred) + ")"
}

func (d Dialect) length(list string) string {
	if d == DuckDB {
		return "len(" + list + ")"
	}
	return "cardinality(" + list + ")"
}

func (d Dialect) array(elems ...string) string {
	if d == DuckDB {
		return "[" + strings.Join(elems, ", ") + "]"
	}
	return "ARRAY[" + strings.Join(elems, ", ") + "]"
}

// join concatenates the non-null elements of a list of text.
func (d Dialect) join(list, sep string) string {
	if d == DuckDB {
		return "array_to_string(" + list + ", " + sep + ")"
	}
	return "array_join(" + list + ", " + sep + ")"
}

// lower lower-cases text the way Go's strings.ToLower does. DuckDB's lower
// agrees with Go for every code point (a test checks all of them). Trino's
// lower may apply the full mapping, which turns U+0130 into i + U+0307, so
// the Athena form maps U+0130 to a plain i first, as Go does.
func (d Dialect) lower(x string) string {
	if d == DuckDB {
		return "lower(" + x + ")"
	}
	return "lower(replace(" + x + ", " + quote("\u0130") + ", 'i'))"
}

func (d Dialect) regex(x, pattern string) string {
	if d == DuckDB {
		return "regexp_matches(" + x + ", " + quote(pattern) + ")"
	}
	return "regexp_like(" + x + ", " + quote(pattern) + ")"
}

func (d Dialect) isNaN(x string) string {
	if d == DuckDB {
		return "isnan(" + x + ")"
	}
	return "is_nan(" + x + ")"
}

// double renders a float64 (given in Go's shortest form) as a DOUBLE.
func (d Dialect) double(text string) string {
	switch text {
	case "+Inf":
		text = "Infinity"
	case "-Inf":
		text = "-Infinity"
	}
	return "CAST(" + quote(text) + " AS DOUBLE)"
}
