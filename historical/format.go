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
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var emit func() error
	var finish func() error
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		emit = func() error {
			obj := make(map[string]any, len(cols))
			for i, c := range cols {
				obj[c] = jsonable(vals[i])
			}
			return enc.Encode(obj)
		}
		finish = func() error { return nil }
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(cols); err != nil {
			return 0, err
		}
		rec := make([]string, len(cols))
		emit = func() error {
			for i := range vals {
				rec[i] = cell(vals[i])
			}
			return cw.Write(rec)
		}
		finish = func() error { cw.Flush(); return cw.Error() }
	case "table", "":
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
		rec := make([]string, len(cols))
		emit = func() error {
			for i := range vals {
				rec[i] = clip(strings.NewReplacer("\t", " ", "\n", " ").Replace(cell(vals[i])), 80)
			}
			_, err := fmt.Fprintln(tw, strings.Join(rec, "\t"))
			return err
		}
		finish = tw.Flush
	default:
		return 0, fmt.Errorf("format %q: want %s", format, strings.Join(Formats, ", "))
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		if err := emit(); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, finish()
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
