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

func ident(s string) string   { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// hasFiles reports whether a table has any Parquet file.
func hasFiles(lake, table string) bool {
	matches, _ := filepath.Glob(filepath.FromSlash(schema.TableGlob(lake, table)))
	return len(matches) > 0
}

// createView makes the view of one table, as schema.DuckDBViewOver defines
// it for what the table's files hold (no file yet, every column, or some
// columns missing from older files), and returns the statement it ran.
func createView(ctx context.Context, conn *sql.Conn, lake string, lt *schema.LogType) (string, error) {
	table := lt.Table()
	var have map[string]bool // nil: no file
	if hasFiles(lake, table) {
		var err error
		if have, err = columnsOf(ctx, conn, lt.DuckDBScan(lake)); err != nil {
			return "", fmt.Errorf("view %s: %w", table, err)
		}
	}
	stmt := lt.DuckDBViewOver(lake, have)
	if _, err := conn.ExecContext(ctx, stmt); err != nil {
		return "", fmt.Errorf("view %s: %w", table, err)
	}
	return stmt, nil
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
	root := filepath.Join(lake, filepath.FromSlash(schema.LakeRoot))
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
		parts, err := filepath.Glob(filepath.FromSlash(schema.TableGlob(lake, d.Name())))
		if err != nil {
			return nil, err
		}
		for _, p := range parts {
			rel, err := filepath.Rel(lake, p)
			if err != nil {
				return nil, err
			}
			f, err := schema.ParseLakeKey(filepath.ToSlash(rel))
			if err != nil {
				continue // not a published file of the layout (a stray file the glob matched)
			}
			st, err := os.Stat(p)
			if err != nil {
				continue // removed meanwhile
			}
			out = append(out, lakeFile{path: filepath.ToSlash(p), table: f.Table, dt: f.DT, size: st.Size()})
		}
	}
	return out, nil
}
