// Package duckdbtest opens in-memory DuckDB databases for tests that read
// the Parquet lake back. It links DuckDB through the cgo driver, so only
// tests import it.
package duckdbtest

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" database/sql driver
)

// setup is run on every new database: tests must not reach the network for
// extensions, and timestamps must print the same on every machine.
var setup = []string{
	"SET autoinstall_known_extensions=false",
	"SET autoload_known_extensions=false",
	"SET TimeZone='UTC'",
}

// Open returns an in-memory DuckDB database that is closed when the test
// ends. It uses a single connection so that SET statements and temporary
// views apply to every later query.
func Open(tb testing.TB) *sql.DB {
	tb.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		tb.Fatalf("duckdbtest: open: %v", err)
	}
	db.SetMaxOpenConns(1)
	tb.Cleanup(func() { db.Close() })
	for _, s := range setup {
		if _, err := db.Exec(s); err != nil {
			tb.Fatalf("duckdbtest: %s: %v", s, err)
		}
	}
	return db
}

// Exec runs statements in order, failing the test on the first error.
func Exec(tb testing.TB, db *sql.DB, stmts ...string) {
	tb.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			tb.Fatalf("duckdbtest: %s: %v", s, err)
		}
	}
}

// Query runs q and returns every row as a slice of driver values (string,
// int32, int64, float64, bool, time.Time, []any for lists, map[string]any
// for structs, nil for NULL).
func Query(tb testing.TB, db *sql.DB, q string, args ...any) [][]any {
	tb.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		tb.Fatalf("duckdbtest: %s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		tb.Fatalf("duckdbtest: %s: columns: %v", q, err)
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			tb.Fatalf("duckdbtest: %s: scan: %v", q, err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("duckdbtest: %s: %v", q, err)
	}
	return out
}

// QueryInt runs a query returning one integer, such as a count.
func QueryInt(tb testing.TB, db *sql.DB, q string, args ...any) int64 {
	tb.Helper()
	var n int64
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		tb.Fatalf("duckdbtest: %s: %v", q, err)
	}
	return n
}

// Quote renders s as a SQL string literal.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// ReadParquet returns a read_parquet table expression over every Parquet
// file under dir (recursively), with hive partitions (dt) as a column and
// columns matched by name across files.
func ReadParquet(dir string) string {
	return fmt.Sprintf("read_parquet(%s, hive_partitioning=true, union_by_name=true)",
		Quote(strings.TrimSuffix(dir, "/")+"/**/*.parquet"))
}
