// Package sqlengine defines what the query engines of historical share:
// one interface that runs a statement and returns its rows with what the
// run cost. Two engines implement it: DuckDB over a local lake
// (historical.Engine.Execute) and Athena over the lake in S3
// (historical/athena). The package links no cgo, so the hunts Lambda can
// use the Athena engine through it without DuckDB.
package sqlengine

import (
	"context"
	"fmt"
	"time"

	"github.com/streamalert/streamalert/queries"
)

// Engine runs read-only SQL over the lake.
type Engine interface {
	// Name is the engine's name on the command line: duckdb or athena.
	Name() string
	// Dialect is the SQL the engine runs.
	Dialect() queries.Dialect
	// Execute runs one statement to completion and returns all its rows.
	// A cancelled context stops the statement (on Athena, the query
	// execution is stopped too).
	Execute(ctx context.Context, sql string) (*Result, error)
}

// Result is a finished statement.
type Result struct {
	Columns []string
	// Rows hold one value per column: string, int64, float64, bool,
	// time.Time, nil for NULL; lists and structs as the engine gives them
	// (DuckDB: []any and map[string]any, Athena: their text).
	Rows  [][]any
	Stats Stats
}

// Stats describe what a statement read and cost.
type Stats struct {
	// QueryID is the engine's id of the run (Athena's QueryExecutionId);
	// empty on DuckDB.
	QueryID string `json:"query_id,omitempty"`
	Rows    int64  `json:"rows"`
	// Files is the number of lake files read (DuckDB only).
	Files        int   `json:"files,omitempty"`
	BytesScanned int64 `json:"bytes_scanned"`
	// CostUSD is what Athena charges (or would charge) for BytesScanned.
	CostUSD float64       `json:"cost_usd"`
	Elapsed time.Duration `json:"elapsed_ns"`
}

// DefaultPricePerTB is Athena's price per TB scanned in most regions.
const DefaultPricePerTB = 5.0

// MinBilledBytes is the least Athena bills for a query.
const MinBilledBytes = 10 << 20

// Cost is what Athena charges for scanning bytes at pricePerTB dollars
// per TB (10^12 bytes), at least MinBilledBytes per query; a price of 0
// means DefaultPricePerTB.
func Cost(bytes int64, pricePerTB float64) float64 {
	if pricePerTB == 0 {
		pricePerTB = DefaultPricePerTB
	}
	return float64(max(bytes, MinBilledBytes)) * pricePerTB / 1e12
}

// QueryError is a statement the engine refused or failed, with the
// engine's reason verbatim.
type QueryError struct {
	Engine  string
	QueryID string
	State   string // Athena: FAILED or CANCELLED
	Reason  string
}

func (e *QueryError) Error() string {
	id := ""
	if e.QueryID != "" {
		id = " " + e.QueryID
	}
	if e.State != "" {
		return fmt.Sprintf("%s query%s %s: %s", e.Engine, id, e.State, e.Reason)
	}
	return fmt.Sprintf("%s query%s: %s", e.Engine, id, e.Reason)
}
