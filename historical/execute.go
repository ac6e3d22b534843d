package historical

import (
	"context"
	"errors"

	"github.com/streamalert/streamalert/historical/sqlengine"
	"github.com/streamalert/streamalert/queries"
)

var _ sqlengine.Engine = (*Engine)(nil)

// Name is "duckdb".
func (e *Engine) Name() string { return "duckdb" }

// Dialect is DuckDB.
func (e *Engine) Dialect() queries.Dialect { return queries.DuckDB }

// Execute runs a read-only statement and returns all its rows, with the
// files and bytes it read and what Athena would charge for them.
func (e *Engine) Execute(ctx context.Context, sql string) (*sqlengine.Result, error) {
	res, err := e.Query(ctx, sql, nil)
	if err != nil {
		return nil, &sqlengine.QueryError{Engine: "duckdb", Reason: err.Error()}
	}
	out := &sqlengine.Result{}
	out.Columns, err = res.Rows.Columns()
	for err == nil && res.Rows.Next() {
		row := make([]any, len(out.Columns))
		ptrs := make([]any, len(row))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err = res.Rows.Scan(ptrs...); err == nil {
			out.Rows = append(out.Rows, row)
		}
	}
	if err == nil {
		err = res.Rows.Err()
	}
	st, ferr := res.Finish()
	if err = errors.Join(err, ferr); err != nil {
		return nil, &sqlengine.QueryError{Engine: "duckdb", Reason: err.Error()}
	}
	out.Stats = sqlengine.Stats{Rows: int64(len(out.Rows)), Files: st.Files, BytesScanned: st.Bytes,
		CostUSD: sqlengine.Cost(st.Bytes, 0), Elapsed: st.Elapsed}
	return out, nil
}
