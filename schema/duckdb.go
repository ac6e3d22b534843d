package schema

import "strings"

// The DuckDB view of a lake table: the one definition the historical
// engine executes and `schemas ddl --dialect duckdb` prints.

// DuckDBView returns the statement that makes the log type's lake table a
// DuckDB view over its Parquet files under lakeDir, for a table whose files
// hold every declared column (DuckDBViewOver with all of them).
func (t *LogType) DuckDBView(lakeDir string) string {
	have := map[string]bool{}
	for _, c := range t.Columns() {
		have[c.Name] = true
	}
	return t.DuckDBViewOver(lakeDir, have)
}

// DuckDBViewOver returns the statement that makes the log type's lake
// table a (temporary) DuckDB view, given fileColumns, the lower-case names
// of the columns the table's files hold (as DESCRIBE of DuckDBScan reports
// them), or nil when the table has no file yet:
//
//   - no file: an empty relation with the table's columns and types, so
//     that SQL over the table runs before any data arrived;
//   - files holding every declared column: the scan of the files (the dt
//     partition read from the folder names as a string, columns matched by
//     name across files);
//   - files lacking some declared column (older files, written before a
//     field was added): the empty relation UNION ALL BY NAME the scan, so
//     that the missing columns read as NULL of their declared type.
func (t *LogType) DuckDBViewOver(lakeDir string, fileColumns map[string]bool) string {
	body := t.duckDBEmpty()
	if fileColumns != nil {
		scan := t.DuckDBScan(lakeDir)
		body = scan
		for _, c := range t.Columns() {
			if !fileColumns[c.Name] {
				body = t.duckDBEmpty() + " UNION ALL BY NAME " + scan
				break
			}
		}
	}
	return "CREATE OR REPLACE TEMP VIEW " + sqlIdent(t.Table()) + " AS " + body + ";"
}

// DuckDBScan returns the SELECT of every row of the table's Parquet files
// under lakeDir (schema.TableGlob), with the dt partition as a string, as
// Athena has it (DuckDB would otherwise guess its type from the values).
func (t *LogType) DuckDBScan(lakeDir string) string {
	return "SELECT * FROM read_parquet(" + sqlString(TableGlob(lakeDir, t.Table())) +
		", hive_partitioning = true, union_by_name = true, hive_types_autocast = false)"
}

// duckDBEmpty is a SELECT of no rows with the table's columns and types.
func (t *LogType) duckDBEmpty() string {
	var cols []string
	for _, c := range t.Columns() {
		cols = append(cols, "CAST(NULL AS "+duckType(c.Type)+") AS "+sqlIdent(c.Name))
	}
	cols = append(cols, "CAST(NULL AS VARCHAR) AS "+sqlIdent(ColPartition))
	return "SELECT " + strings.Join(cols, ", ") + " WHERE FALSE"
}

// duckType renders a column type as DuckDB reads it from the lake's
// Parquet: ip and json are text, timestamps are UTC-adjusted.
func duckType(t Type) string {
	switch t.Kind {
	case KindInt:
		return "INTEGER"
	case KindBigint:
		return "BIGINT"
	case KindFloat:
		return "DOUBLE"
	case KindBool:
		return "BOOLEAN"
	case KindTimestamp:
		return "TIMESTAMP WITH TIME ZONE"
	case KindArray:
		elem := Type{Kind: KindString}
		if t.Elem != nil {
			elem = *t.Elem
		}
		return duckType(elem) + "[]"
	case KindObject:
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = sqlIdent(f.Column) + " " + duckType(f.Type)
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")"
	}
	return "VARCHAR"
}

// sqlIdent double-quotes an SQL identifier.
func sqlIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// sqlString quotes an SQL string literal, doubling single quotes.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
