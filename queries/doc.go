// Package queries compiles rules to SQL over the lake tables, for two
// dialects: Athena (Trino, engine v3) and DuckDB (the embedded engine). It
// only writes SQL; historical runs it.
//
// A compiled rule selects, per log type of the rule, the rows the
// streaming matcher would select: the semantics of every rules.Leaf are
// reproduced, including the traps of SQL (three-valued logic, case, LIKE
// escaping, unanchored regular expressions, values that are not IP
// addresses, numbers against text columns, JSON text, arrays). Every leaf
// is wrapped in COALESCE(…, FALSE), so a `not` over a missing field holds
// as it does in streaming. Literals are always quoted here, never pasted:
// a rule cannot change the statement's structure.
//
// The DuckDB dialect calls a few scalar functions that the embedded
// engine registers from Go (Functions): they run the same Go code as the
// streaming matcher where SQL has no exact equivalent (CIDR tests, number
// parsing and formatting, Go string quoting).
//
// See docs/queries.md for the translation table and its known limits.
package queries
