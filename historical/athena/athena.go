// Package athena is the query engine of the AWS deployment: SQL over the
// lake in S3, run by Amazon Athena (engine v3, Trino) through the
// aws-sdk-go-v2 client. It links no cgo (the hunts Lambda uses it).
package athena

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsathena "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"

	"github.com/streamalert/streamalert/historical/sqlengine"
	"github.com/streamalert/streamalert/queries"
)

// API is the part of the Athena client the engine calls.
type API interface {
	StartQueryExecution(context.Context, *awsathena.StartQueryExecutionInput, ...func(*awsathena.Options)) (*awsathena.StartQueryExecutionOutput, error)
	GetQueryExecution(context.Context, *awsathena.GetQueryExecutionInput, ...func(*awsathena.Options)) (*awsathena.GetQueryExecutionOutput, error)
	GetQueryResults(context.Context, *awsathena.GetQueryResultsInput, ...func(*awsathena.Options)) (*awsathena.GetQueryResultsOutput, error)
	StopQueryExecution(context.Context, *awsathena.StopQueryExecutionInput, ...func(*awsathena.Options)) (*awsathena.StopQueryExecutionOutput, error)
}

var _ API = (*awsathena.Client)(nil)

// MaxQueryBytes is the longest query string Athena accepts (256 KiB).
const MaxQueryBytes = 262144

// Config says where queries run.
type Config struct {
	// WorkGroup runs the queries; required (its settings may enforce the
	// output location and a per-query scan limit).
	WorkGroup string
	// OutputLocation is the s3:// prefix for result files; empty leaves it
	// to the workgroup's configuration.
	OutputLocation string
	// Database is the Glue database of the lake's tables; Catalog its data
	// catalog (empty: AwsDataCatalog).
	Database string
	Catalog  string
	// PricePerTB is the price per TB scanned; 0 means
	// sqlengine.DefaultPricePerTB.
	PricePerTB float64
	// Timeout stops a query that has not finished after this long; 0
	// means 30 minutes (Athena's default DML timeout).
	Timeout time.Duration
	// PollFirst is the first wait between GetQueryExecution calls, doubled
	// each poll up to PollMax; 0 means 200ms and 5s.
	PollFirst, PollMax time.Duration
	// PageSize is GetQueryResults' MaxResults (at most 1000); 0 means 1000.
	PageSize int32
}

// Engine runs SQL on Athena. It is safe for concurrent use.
type Engine struct {
	api API
	cfg Config
	// sleep waits between polls; tests replace it.
	sleep func(context.Context, time.Duration) error
}

var _ sqlengine.Engine = (*Engine)(nil)

// New returns an engine calling api.
func New(api API, cfg Config) (*Engine, error) {
	if cfg.WorkGroup == "" {
		return nil, errors.New("athena: no workgroup configured")
	}
	if cfg.OutputLocation != "" && !strings.HasPrefix(cfg.OutputLocation, "s3://") {
		return nil, fmt.Errorf("athena: output location %q is not an s3:// URL", cfg.OutputLocation)
	}
	if cfg.PageSize <= 0 || cfg.PageSize > 1000 {
		cfg.PageSize = 1000
	}
	if cfg.PollFirst <= 0 {
		cfg.PollFirst = 200 * time.Millisecond
	}
	if cfg.PollMax <= 0 {
		cfg.PollMax = 5 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Minute
	}
	return &Engine{api: api, cfg: cfg, sleep: sleepCtx}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Name is "athena".
func (e *Engine) Name() string { return "athena" }

// Dialect is Athena (Trino).
func (e *Engine) Dialect() queries.Dialect { return queries.Athena }

// Execute starts the statement, polls it until it finishes (stopping it
// when ctx ends or Config.Timeout passes), and reads every page of its
// results. A failed or cancelled query returns a *sqlengine.QueryError
// with Athena's reason verbatim.
func (e *Engine) Execute(ctx context.Context, sql string) (*sqlengine.Result, error) {
	if len(sql) > MaxQueryBytes {
		return nil, &sqlengine.QueryError{Engine: "athena", Reason: fmt.Sprintf("the query is %d bytes; Athena accepts at most %d", len(sql), MaxQueryBytes)}
	}
	start := time.Now()
	in := &awsathena.StartQueryExecutionInput{
		QueryString: aws.String(sql),
		WorkGroup:   aws.String(e.cfg.WorkGroup),
	}
	if e.cfg.OutputLocation != "" {
		in.ResultConfiguration = &types.ResultConfiguration{OutputLocation: aws.String(e.cfg.OutputLocation)}
	}
	if e.cfg.Database != "" || e.cfg.Catalog != "" {
		in.QueryExecutionContext = &types.QueryExecutionContext{}
		if e.cfg.Database != "" {
			in.QueryExecutionContext.Database = aws.String(e.cfg.Database)
		}
		if e.cfg.Catalog != "" {
			in.QueryExecutionContext.Catalog = aws.String(e.cfg.Catalog)
		}
	}
	out, err := e.api.StartQueryExecution(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("athena: start query: %w", err)
	}
	id := aws.ToString(out.QueryExecutionId)
	exec, err := e.wait(ctx, id)
	if err != nil {
		return nil, err
	}
	res := &sqlengine.Result{}
	if st := exec.Statistics; st != nil {
		res.Stats.BytesScanned = aws.ToInt64(st.DataScannedInBytes)
	}
	res.Stats.QueryID = id
	res.Stats.CostUSD = sqlengine.Cost(res.Stats.BytesScanned, e.cfg.PricePerTB)
	// A SELECT's (DML's) first result row is its header.
	if err := e.results(ctx, id, exec.StatementType == types.StatementTypeDml, res); err != nil {
		return nil, err
	}
	res.Stats.Rows = int64(len(res.Rows))
	res.Stats.Elapsed = time.Since(start)
	return res, nil
}

// wait polls the execution until it is in a final state, with backoff.
// When ctx ends or the timeout passes first, the query is stopped.
func (e *Engine) wait(ctx context.Context, id string) (*types.QueryExecution, error) {
	deadline := time.Now().Add(e.cfg.Timeout)
	delay := e.cfg.PollFirst
	for {
		out, err := e.api.GetQueryExecution(ctx, &awsathena.GetQueryExecutionInput{QueryExecutionId: aws.String(id)})
		if err != nil {
			if ctx.Err() != nil {
				return nil, e.stop(id, ctx.Err())
			}
			return nil, fmt.Errorf("athena: query %s: get execution: %w", id, err)
		}
		qe := out.QueryExecution
		if qe == nil || qe.Status == nil {
			return nil, fmt.Errorf("athena: query %s: the execution has no status", id)
		}
		switch qe.Status.State {
		case types.QueryExecutionStateSucceeded:
			return qe, nil
		case types.QueryExecutionStateFailed, types.QueryExecutionStateCancelled:
			return nil, &sqlengine.QueryError{Engine: "athena", QueryID: id, State: string(qe.Status.State), Reason: reason(qe.Status)}
		}
		if !time.Now().Add(delay).Before(deadline) {
			return nil, e.stop(id, fmt.Errorf("timed out after %s", e.cfg.Timeout))
		}
		if err := e.sleep(ctx, delay); err != nil {
			return nil, e.stop(id, err)
		}
		delay = min(delay*2, e.cfg.PollMax)
	}
}

// reason is Athena's own words for a failure: the state change reason,
// else the error message.
func reason(st *types.QueryExecutionStatus) string {
	if r := aws.ToString(st.StateChangeReason); r != "" {
		return r
	}
	if st.AthenaError != nil {
		return aws.ToString(st.AthenaError.ErrorMessage)
	}
	return "no reason given"
}

// stop asks Athena to cancel the query (with a context of its own: the
// caller's may be what ended) and returns why it was stopped.
func (e *Engine) stop(id string, why error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := e.api.StopQueryExecution(ctx, &awsathena.StopQueryExecutionInput{QueryExecutionId: aws.String(id)})
	if err != nil {
		return fmt.Errorf("athena: query %s stopped (%w), but StopQueryExecution failed: %v", id, why, err)
	}
	return fmt.Errorf("athena: query %s stopped: %w", id, why)
}

// results reads every page. With header, the first row of the first page
// holds the column names, not data.
func (e *Engine) results(ctx context.Context, id string, header bool, res *sqlengine.Result) error {
	var token *string
	var kinds []string
	for page := 0; ; page++ {
		out, err := e.api.GetQueryResults(ctx, &awsathena.GetQueryResultsInput{
			QueryExecutionId: aws.String(id), MaxResults: aws.Int32(e.cfg.PageSize), NextToken: token,
		})
		if err != nil {
			return fmt.Errorf("athena: query %s: results page %d: %w", id, page+1, err)
		}
		rs := out.ResultSet
		if rs == nil {
			return fmt.Errorf("athena: query %s: results page %d has no result set", id, page+1)
		}
		rows := rs.Rows
		if page == 0 {
			if rs.ResultSetMetadata != nil {
				for _, c := range rs.ResultSetMetadata.ColumnInfo {
					res.Columns = append(res.Columns, aws.ToString(c.Name))
					kinds = append(kinds, aws.ToString(c.Type))
				}
			}
			if header && len(rows) > 0 {
				if !isHeader(rows[0], res.Columns) {
					return fmt.Errorf("athena: query %s: the first result row is not the header %v", id, res.Columns)
				}
				rows = rows[1:]
			}
		}
		for i, r := range rows {
			if len(r.Data) != len(kinds) {
				return fmt.Errorf("athena: query %s: page %d row %d has %d values for %d columns", id, page+1, i+1, len(r.Data), len(kinds))
			}
			row := make([]any, len(r.Data))
			for j, d := range r.Data {
				v, err := value(d.VarCharValue, kinds[j])
				if err != nil {
					return fmt.Errorf("athena: query %s: column %s: %w", id, res.Columns[j], err)
				}
				row[j] = v
			}
			res.Rows = append(res.Rows, row)
		}
		if out.NextToken == nil || *out.NextToken == "" {
			return nil
		}
		token = out.NextToken
	}
}

func isHeader(r types.Row, cols []string) bool {
	if len(r.Data) != len(cols) {
		return false
	}
	for i, d := range r.Data {
		if aws.ToString(d.VarCharValue) != cols[i] {
			return false
		}
	}
	return true
}

// value converts a result cell (all cells are text in the API) by the
// column's Athena type; nil is NULL.
func value(s *string, kind string) (any, error) {
	if s == nil {
		return nil, nil
	}
	switch kind {
	case "tinyint", "smallint", "integer", "bigint":
		return strconv.ParseInt(*s, 10, 64)
	case "double", "float", "real":
		return strconv.ParseFloat(*s, 64)
	case "boolean":
		return strconv.ParseBool(*s)
	case "timestamp", "timestamp with time zone":
		for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02 15:04:05.999999999 MST", "2006-01-02 15:04:05.999999999 Z07:00"} {
			if t, err := time.Parse(layout, *s); err == nil {
				return t.UTC(), nil
			}
		}
		return nil, fmt.Errorf("timestamp %q", *s)
	}
	return *s, nil
}
