package historical

import (
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/streamalert/streamalert/historical/sqlengine"
)

// Formats are the output formats of query results.
var Formats = []string{"table", "json", "csv"}

// WriteRows prints every row of rows in the format (table, json — one
// object per line — or csv) and returns how many rows it wrote.
func WriteRows(w io.Writer, rows *sql.Rows, format string) (int, error) {
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	rw, err := newRowWriter(w, cols, format)
	if err != nil {
		return 0, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		if err := rw.emit(vals); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, rw.finish()
}

// WriteResult prints a finished statement's rows like WriteRows.
func WriteResult(w io.Writer, res *sqlengine.Result, format string) (int, error) {
	rw, err := newRowWriter(w, res.Columns, format)
	if err != nil {
		return 0, err
	}
	for i, row := range res.Rows {
		if err := rw.emit(row); err != nil {
			return i, err
		}
	}
	return len(res.Rows), rw.finish()
}

// rowWriter prints rows in one format.
type rowWriter struct {
	emit   func(vals []any) error
	finish func() error
}

func newRowWriter(w io.Writer, cols []string, format string) (*rowWriter, error) {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return &rowWriter{
			emit: func(vals []any) error {
				obj := make(map[string]any, len(cols))
				for i, c := range cols {
					obj[c] = jsonable(vals[i])
				}
				return enc.Encode(obj)
			},
			finish: func() error { return nil },
		}, nil
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(cols); err != nil {
			return nil, err
		}
		rec := make([]string, len(cols))
		return &rowWriter{
			emit: func(vals []any) error {
				for i := range vals {
					rec[i] = cell(vals[i])
				}
				return cw.Write(rec)
			},
			finish: func() error { cw.Flush(); return cw.Error() },
		}, nil
	case "table", "":
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
		rec := make([]string, len(cols))
		return &rowWriter{
			emit: func(vals []any) error {
				for i := range vals {
					rec[i] = clip(strings.NewReplacer("\t", " ", "\n", " ").Replace(cell(vals[i])), 80)
				}
				_, err := fmt.Fprintln(tw, strings.Join(rec, "\t"))
				return err
			},
			finish: tw.Flush,
		}, nil
	}
	return nil, fmt.Errorf("format %q: want %s", format, strings.Join(Formats, ", "))
}

// cell renders one value as text: NULL as "", times in RFC 3339 UTC,
// lists and structs as JSON.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []any, map[string]any:
		b, _ := json.Marshal(jsonable(x))
		return string(b)
	}
	return fmt.Sprint(v)
}

// jsonable converts driver values to what encoding/json renders well.
func jsonable(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = jsonable(x[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonable(e)
		}
		return out
	}
	return v
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
