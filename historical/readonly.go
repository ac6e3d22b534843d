package historical

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// readStatements are the first keywords of the statements Query accepts.
var readStatements = map[string]bool{
	"SELECT": true, "WITH": true, "FROM": true, "VALUES": true, "TABLE": true,
	"PIVOT": true, "UNPIVOT": true,
	"DESCRIBE": true, "SHOW": true, "SUMMARIZE": true, "EXPLAIN": true,
}

// ErrNotReadOnly is wrapped by the error Query returns for a statement
// that is not a query.
var ErrNotReadOnly = fmt.Errorf("only one read-only statement is accepted (SELECT, WITH, FROM, VALUES, TABLE, PIVOT, UNPIVOT, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN)")

// checkReadOnly rejects anything but a single query. It is one of two
// locks: the engine also forbids file access outside the lake and locks
// its configuration, so that even a statement that got through could not
// write a file or change a setting.
//
// A semicolon anywhere but at the end is refused outright, even inside a
// string: DuckDB runs every statement but the last while preparing, so the
// statement count must be known before DuckDB sees the text, and a lexer
// of our own could disagree with DuckDB's about where a string ends.
func checkReadOnly(ctx context.Context, conn *sql.Conn, q string) error {
	body := strings.TrimRightFunc(q, func(r rune) bool { return unicode.IsSpace(r) || r == ';' })
	if strings.Contains(body, ";") {
		return fmt.Errorf("query: %w; this text has a ';' before its end", ErrNotReadOnly)
	}
	kw, rest := firstKeyword(body)
	if !readStatements[kw] {
		if kw == "" {
			return fmt.Errorf("query: empty statement")
		}
		return fmt.Errorf("query: %w; got %s", ErrNotReadOnly, kw)
	}
	want := duckdb.STATEMENT_TYPE_SELECT
	if kw == "EXPLAIN" {
		// EXPLAIN ANALYZE runs its statement: that one must be a query.
		inner := rest
		if k, r := firstKeyword(rest); k == "ANALYZE" {
			inner = r
		}
		if k, _ := firstKeyword(inner); !readStatements[k] || k == "EXPLAIN" {
			return fmt.Errorf("query: %w; EXPLAIN of %s", ErrNotReadOnly, k)
		}
		if err := checkReadOnly(ctx, conn, inner); err != nil {
			return err
		}
		want = duckdb.STATEMENT_TYPE_EXPLAIN
	}
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("query: unexpected driver connection %T", dc)
		}
		st, err := c.PrepareContext(ctx, body)
		if err != nil {
			return err
		}
		defer st.Close()
		typ, err := st.(*duckdb.Stmt).StatementType()
		if err != nil {
			return err
		}
		if typ != want {
			return fmt.Errorf("query: %w; DuckDB reads it as statement type %d", ErrNotReadOnly, typ)
		}
		return nil
	})
}

// firstKeyword returns the first word of a statement, upper-cased, after
// blanks, comments and opening parentheses, and the text after it.
func firstKeyword(s string) (string, string) {
	i := 0
	for i < len(s) {
		switch {
		case s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '(':
			i++
		case strings.HasPrefix(s[i:], "--"):
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				return "", ""
			}
			i += j + 1
		case strings.HasPrefix(s[i:], "/*"):
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return "", ""
			}
			i += j + 4
		default:
			j := i
			for j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] == '_') {
				j++
			}
			return strings.ToUpper(s[i:j]), s[j:]
		}
	}
	return "", ""
}
