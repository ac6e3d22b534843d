package historical

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/streamalert/streamalert/schema"
)

// duckType renders a column type as DuckDB reads it from the lake's
// Parquet: ip and json are text, timestamps are UTC-adjusted.
func duckType(t schema.Type) string {
	switch t.Kind {
	case schema.KindInt:
		return "INTEGER"
	case schema.KindBigint:
		return "BIGINT"
	case schema.KindFloat:
		return "DOUBLE"
	case schema.KindBool:
		return "BOOLEAN"
	case schema.KindTimestamp:
		return "TIMESTAMP WITH TIME ZONE"
	case schema.KindArray:
		elem := schema.Type{Kind: schema.KindString}
		if t.Elem != nil {
			elem = *t.Elem
		}
		return duckType(elem) + "[]"
	case schema.KindObject:
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = ident(f.Column) + " " + duckType(f.Type)
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")"
	}
	return "VARCHAR"
}

func ident(s string) string   { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// emptyRelation is a SELECT of no rows with the table's columns and types.
func emptyRelation(lt *schema.LogType) string {
	var cols []string
	for _, c := range lt.Columns() {
		cols = append(cols, "CAST(NULL AS "+duckType(c.Type)+") AS "+ident(c.Name))
	}
	cols = append(cols, "CAST(NULL AS VARCHAR) AS "+ident(schema.ColPartition))
	return "SELECT " + strings.Join(cols, ", ") + " WHERE FALSE"
}

// tableGlob is the glob of a table's Parquet files in the lake.
func tableGlob(lake, table string) string {
	return filepath.ToSlash(filepath.Join(lake, "parquet", table)) + "/*/*.parquet"
}

// readParquet reads a table's files with the dt partition as a string, as
// Athena has it (DuckDB would otherwise guess its type from the values).
func readParquet(glob string) string {
	return "read_parquet(" + literal(glob) + ", hive_partitioning = true, union_by_name = true, hive_types_autocast = false)"
}

// hasFiles reports whether a table has any Parquet file.
func hasFiles(lake, table string) bool {
	matches, _ := filepath.Glob(filepath.Join(lake, "parquet", table, "*", "*.parquet"))
	return len(matches) > 0
}

// createView makes the view of one table: its Parquet files when it has
// any, with every declared column present (columns missing from older
// files read as NULL), or an empty relation of the right types, so that
// compiled rules run before any data arrived.
func createView(ctx context.Context, conn *sql.Conn, lake string, lt *schema.LogType) error {
	table := lt.Table()
	var body string
	if !hasFiles(lake, table) {
		body = emptyRelation(lt)
	} else {
		scan := "SELECT * FROM " + readParquet(tableGlob(lake, table))
		have, err := columnsOf(ctx, conn, scan)
		if err != nil {
			return fmt.Errorf("view %s: %w", table, err)
		}
		body = scan
		for _, c := range lt.Columns() {
			if !have[c.Name] {
				body = emptyRelation(lt) + " UNION ALL BY NAME " + scan
				break
			}
		}
	}
	stmt := "CREATE OR REPLACE TEMP VIEW " + ident(table) + " AS " + body
	if _, err := conn.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("view %s: %w", table, err)
	}
	return nil
}

// columnsOf returns the column names of a relation.
func columnsOf(ctx context.Context, conn *sql.Conn, rel string) (map[string]bool, error) {
	rows, err := conn.QueryContext(ctx, "SELECT column_name FROM (DESCRIBE "+rel+")")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out[strings.ToLower(n)] = true
	}
	return out, rows.Err()
}

// lakeFile is one Parquet file of the lake.
type lakeFile struct {
	path  string // absolute, with forward slashes as DuckDB prints it
	table string
	dt    string
	size  int64
}

// listFiles lists the Parquet files of the lake (of the named tables, or
// all when tables is nil).
func listFiles(lake string, tables map[string]bool) ([]lakeFile, error) {
	root := filepath.Join(lake, "parquet")
	dirs, err := os.ReadDir(root)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []lakeFile
	for _, d := range dirs {
		if !d.IsDir() || (tables != nil && !tables[d.Name()]) {
			continue
		}
		parts, err := filepath.Glob(filepath.Join(root, d.Name(), "*", "*.parquet"))
		if err != nil {
			return nil, err
		}
		for _, p := range parts {
			st, err := os.Stat(p)
			if err != nil {
				continue // removed meanwhile
			}
			dt := strings.TrimPrefix(filepath.Base(filepath.Dir(p)), schema.ColPartition+"=")
			out = append(out, lakeFile{path: filepath.ToSlash(p), table: d.Name(), dt: dt, size: st.Size()})
		}
	}
	return out, nil
}
