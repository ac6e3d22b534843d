// Package athenatest runs a local stand-in for Amazon Athena that speaks
// the four query calls of its JSON 1.1 protocol (X-Amz-Target
// AmazonAthena.StartQueryExecution, GetQueryExecution, GetQueryResults,
// StopQueryExecution) closely enough for the real SDK client. It rejects
// what Athena rejects (an unknown workgroup, no output location, a query
// string over 256 KiB, a reused request token with another query), moves
// each query through QUEUED → RUNNING → SUCCEEDED / FAILED / CANCELLED
// over successive polls, pages results with the header row first, and can
// throttle any call with TooManyRequestsException.
//
// Athena has no local counterpart. What a query returns is up to the test:
// Execute answers it (typically DuckDB over a local lake), after Grammar
// (typically the Trino grammar check) has accepted its text.
package athenatest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/streamalert/streamalert/historical/sqlengine"
)

// MaxQueryBytes is Athena's limit on a query string.
const MaxQueryBytes = 262144

// WorkGroup is a workgroup's result configuration.
type WorkGroup struct {
	// OutputLocation is the workgroup's result location ("" for none).
	OutputLocation string
	// Enforce makes the workgroup's location override the query's.
	Enforce bool
}

// Server is a fake Athena endpoint; point an SDK client's BaseEndpoint at
// URL. Set the hooks before the first call.
type Server struct {
	*httptest.Server

	// WorkGroups are the workgroups that exist; "primary" always does
	// (without an output location unless given here).
	WorkGroups map[string]WorkGroup
	// Grammar, if set, checks a query's text; an error fails the query
	// with the error's text as the reason (as Athena reports a syntax
	// error: FAILED, "line 1:8: …").
	Grammar func(sql string) error
	// Execute answers a query that passed Grammar; an error fails it with
	// the error's text as the reason. Result.Stats.BytesScanned is
	// reported as DataScannedInBytes. Nil answers every query with no
	// rows.
	Execute func(ctx context.Context, sql string) (*sqlengine.Result, error)
	// Throttle, if set, is asked for every call (the action and how many
	// calls of it came before); true answers TooManyRequestsException.
	Throttle func(action string, n int) bool
	// QueuedPolls and RunningPolls are how many GetQueryExecution calls see
	// a query QUEUED and then RUNNING before its final state; 0 means 1.
	QueuedPolls, RunningPolls int
	// Hold keeps every query RUNNING until it is stopped (to test
	// cancellation and timeouts).
	Hold bool

	mu     sync.Mutex
	calls  map[string]int
	execs  map[string]*execution
	tokens map[string]string // ClientRequestToken → query id
	next   int
}

type execution struct {
	id, sql, workgroup, output, database string
	polls                                int
	state                                string // final state once polls are done
	reason                               string
	submitted, completed                 time.Time
	result                               *sqlengine.Result
	stopped                              bool
}

// NewServer starts a fake Athena.
func NewServer() *Server {
	s := &Server{calls: map[string]int{}, execs: map[string]*execution{}, tokens: map[string]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Calls returns how many calls of an action were answered (throttled
// ones included).
func (s *Server) Calls(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[action]
}

// Queries returns the text of every query started, in order.
func (s *Server) Queries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.execs))
	for id := range s.execs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = s.execs[id].sql
	}
	return out
}

// State returns the state a query is in now, as GetQueryExecution would
// report it without counting a poll.
func (s *Server) State(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.execs[id]; e != nil {
		return s.stateOf(e)
	}
	return ""
}

// apiError is an error response of the JSON protocol.
type apiError struct {
	status  int
	code    string
	message string
}

func invalid(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "InvalidRequestException", fmt.Sprintf(format, args...)}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	const prefix = "AmazonAthena."
	target := r.Header.Get("X-Amz-Target")
	switch {
	case r.Method != http.MethodPost:
		writeError(w, &apiError{http.StatusMethodNotAllowed, "SerializationException", "want POST"})
		return
	case !strings.HasPrefix(target, prefix):
		writeError(w, &apiError{http.StatusBadRequest, "UnknownOperationException", fmt.Sprintf("target %q", target)})
		return
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json-1.1"):
		writeError(w, &apiError{http.StatusBadRequest, "SerializationException", "Content-Type must be application/x-amz-json-1.1"})
		return
	case !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") || !strings.Contains(r.Header.Get("Authorization"), "/athena/aws4_request"):
		writeError(w, &apiError{http.StatusForbidden, "MissingAuthenticationTokenException", "Missing Authentication Token"})
		return
	}
	action := strings.TrimPrefix(target, prefix)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, &apiError{http.StatusBadRequest, "SerializationException", err.Error()})
		return
	}
	s.mu.Lock()
	n := s.calls[action]
	s.calls[action]++
	s.mu.Unlock()
	if s.Throttle != nil && s.Throttle(action, n) {
		writeError(w, &apiError{http.StatusBadRequest, "TooManyRequestsException", "Rate exceeded"})
		return
	}
	var out any
	var aerr *apiError
	switch action {
	case "StartQueryExecution":
		out, aerr = s.start(r.Context(), body)
	case "GetQueryExecution":
		out, aerr = s.get(body)
	case "GetQueryResults":
		out, aerr = s.results(body)
	case "StopQueryExecution":
		out, aerr = s.stop(body)
	default:
		aerr = &apiError{http.StatusBadRequest, "UnknownOperationException", fmt.Sprintf("operation %s is not served", action)}
	}
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(out)
}

func writeError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", e.code)
	w.WriteHeader(e.status)
	json.NewEncoder(w).Encode(map[string]string{"__type": e.code, "Message": e.message})
}

type startInput struct {
	QueryString           *string
	ClientRequestToken    string
	WorkGroup             string
	QueryExecutionContext *struct{ Database, Catalog string }
	ResultConfiguration   *struct{ OutputLocation string }
}

func (s *Server) start(ctx context.Context, body []byte) (any, *apiError) {
	var in startInput
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, &apiError{http.StatusBadRequest, "SerializationException", err.Error()}
	}
	switch {
	case in.QueryString == nil:
		return nil, invalid("1 validation error detected: Value null at 'queryString' failed to satisfy constraint: Member must not be null")
	case len(*in.QueryString) < 1 || len(*in.QueryString) > MaxQueryBytes:
		return nil, invalid("1 validation error detected: Value at 'queryString' failed to satisfy constraint: Member must have length less than or equal to %d", MaxQueryBytes)
	case in.ClientRequestToken != "" && (len(in.ClientRequestToken) < 32 || len(in.ClientRequestToken) > 128):
		return nil, invalid("1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length between 32 and 128")
	}
	wgName := in.WorkGroup
	if wgName == "" {
		wgName = "primary"
	}
	wg, ok := s.WorkGroups[wgName]
	if !ok && wgName != "primary" {
		return nil, invalid("WorkGroup %s is not found.", wgName)
	}
	output := wg.OutputLocation
	if in.ResultConfiguration != nil && in.ResultConfiguration.OutputLocation != "" && !wg.Enforce {
		output = in.ResultConfiguration.OutputLocation
	}
	switch {
	case output == "":
		return nil, invalid("No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.")
	case !strings.HasPrefix(output, "s3://") || len(output) <= len("s3://"):
		return nil, invalid("Unable to verify/create output bucket %s", strings.TrimPrefix(output, "s3://"))
	}
	s.mu.Lock()
	if id, ok := s.tokens[in.ClientRequestToken]; ok && in.ClientRequestToken != "" {
		e := s.execs[id]
		s.mu.Unlock()
		if e.sql != *in.QueryString {
			return nil, invalid("Idempotent parameters do not match")
		}
		return map[string]string{"QueryExecutionId": id}, nil
	}
	s.next++
	id := fmt.Sprintf("00000000-0000-4000-8000-%012d", s.next)
	e := &execution{id: id, sql: *in.QueryString, workgroup: wgName, output: strings.TrimSuffix(output, "/") + "/" + id + ".csv", submitted: time.Now()}
	if in.QueryExecutionContext != nil {
		e.database = in.QueryExecutionContext.Database
	}
	s.execs[id] = e
	if in.ClientRequestToken != "" {
		s.tokens[in.ClientRequestToken] = id
	}
	s.mu.Unlock()

	// The query runs now; polls reveal its outcome.
	state, reason := "SUCCEEDED", ""
	var res *sqlengine.Result
	if s.Grammar != nil {
		if err := s.Grammar(e.sql); err != nil {
			state, reason = "FAILED", err.Error()
		}
	}
	if state == "SUCCEEDED" {
		if s.Execute != nil {
			var err error
			if res, err = s.Execute(ctx, e.sql); err != nil {
				state, reason = "FAILED", err.Error()
			}
		} else {
			res = &sqlengine.Result{}
		}
	}
	s.mu.Lock()
	e.state, e.reason, e.result = state, reason, res
	s.mu.Unlock()
	return map[string]string{"QueryExecutionId": id}, nil
}

// stateOf is the state the execution shows after its polls so far.
func (s *Server) stateOf(e *execution) string {
	queued, running := max(s.QueuedPolls, 1), max(s.RunningPolls, 1)
	switch {
	case e.stopped:
		return "CANCELLED"
	case e.polls < queued:
		return "QUEUED"
	case e.polls < queued+running || s.Hold:
		return "RUNNING"
	}
	return e.state
}

type idInput struct {
	QueryExecutionId string
	NextToken        string
	MaxResults       int
}

func (s *Server) lookup(body []byte) (*execution, idInput, *apiError) {
	var in idInput
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, in, &apiError{http.StatusBadRequest, "SerializationException", err.Error()}
	}
	e := s.execs[in.QueryExecutionId]
	if e == nil {
		return nil, in, invalid("QueryExecution %s was not found", in.QueryExecutionId)
	}
	return e, in, nil
}

func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func (s *Server) get(body []byte) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, _, aerr := s.lookup(body)
	if aerr != nil {
		return nil, aerr
	}
	state := s.stateOf(e)
	e.polls++
	status := map[string]any{"State": state, "SubmissionDateTime": epoch(e.submitted)}
	stats := map[string]any{"QueryQueueTimeInMillis": 5}
	switch state {
	case "SUCCEEDED", "FAILED", "CANCELLED":
		if e.completed.IsZero() {
			e.completed = time.Now()
		}
		status["CompletionDateTime"] = epoch(e.completed)
		ms := e.completed.Sub(e.submitted).Milliseconds()
		stats["EngineExecutionTimeInMillis"] = ms
		stats["TotalExecutionTimeInMillis"] = ms
	}
	switch state {
	case "SUCCEEDED":
		var scanned int64
		if e.result != nil {
			scanned = e.result.Stats.BytesScanned
		}
		stats["DataScannedInBytes"] = scanned
	case "FAILED":
		status["StateChangeReason"] = e.reason
		status["AthenaError"] = map[string]any{"ErrorCategory": 2, "ErrorType": 1000, "Retryable": false, "ErrorMessage": e.reason}
		stats["DataScannedInBytes"] = 0
	case "CANCELLED":
		status["StateChangeReason"] = "Query was cancelled by user"
	}
	qe := map[string]any{
		"QueryExecutionId":    e.id,
		"Query":               e.sql,
		"StatementType":       "DML",
		"WorkGroup":           e.workgroup,
		"ResultConfiguration": map[string]any{"OutputLocation": e.output},
		"Status":              status,
		"Statistics":          stats,
		"EngineVersion":       map[string]string{"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"},
	}
	if e.database != "" {
		qe["QueryExecutionContext"] = map[string]string{"Database": e.database, "Catalog": "awsdatacatalog"}
	}
	return map[string]any{"QueryExecution": qe}, nil
}

func (s *Server) stop(body []byte) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, _, aerr := s.lookup(body)
	if aerr != nil {
		return nil, aerr
	}
	// Stopping a finished query succeeds and changes nothing.
	switch s.stateOf(e) {
	case "QUEUED", "RUNNING":
		e.stopped = true
		e.completed = time.Now()
	}
	return map[string]any{}, nil
}

func (s *Server) results(body []byte) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, in, aerr := s.lookup(body)
	if aerr != nil {
		return nil, aerr
	}
	switch st := s.stateOf(e); st {
	case "SUCCEEDED":
	case "QUEUED", "RUNNING":
		return nil, invalid("Query has not yet finished. Current state: %s", st)
	default:
		return nil, invalid("Query did not finish successfully. Final query state: %s", st)
	}
	if in.MaxResults < 0 || in.MaxResults > 1000 {
		return nil, invalid("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000", in.MaxResults)
	}
	size := in.MaxResults
	if size == 0 {
		size = 1000
	}
	from := 0
	if in.NextToken != "" {
		var err error
		if from, err = strconv.Atoi(strings.TrimPrefix(in.NextToken, "page-")); err != nil || !strings.HasPrefix(in.NextToken, "page-") {
			return nil, invalid("Invalid NextToken %q", in.NextToken)
		}
	}
	res := e.result
	types := columnTypes(res)
	// Row 0 is the header; then the data.
	total := len(res.Rows) + 1
	if from > total {
		return nil, invalid("Invalid NextToken %q", in.NextToken)
	}
	var rows []map[string]any
	for i := from; i < min(from+size, total); i++ {
		var cells []map[string]string
		if i == 0 {
			for _, c := range res.Columns {
				cells = append(cells, map[string]string{"VarCharValue": c})
			}
		} else {
			for _, v := range res.Rows[i-1] {
				if v == nil {
					cells = append(cells, map[string]string{})
				} else {
					cells = append(cells, map[string]string{"VarCharValue": text(v)})
				}
			}
		}
		rows = append(rows, map[string]any{"Data": cells})
	}
	var cols []map[string]any
	for i, c := range res.Columns {
		cols = append(cols, map[string]any{"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": c, "Label": c,
			"Type": types[i], "Precision": 0, "Scale": 0, "Nullable": "UNKNOWN", "CaseSensitive": types[i] == "varchar"})
	}
	out := map[string]any{"UpdateCount": 0, "ResultSet": map[string]any{"Rows": rows, "ResultSetMetadata": map[string]any{"ColumnInfo": cols}}}
	if from+size < total {
		out["NextToken"] = "page-" + strconv.Itoa(from+size)
	}
	return out, nil
}

// columnTypes are the Athena types of the result's columns, from the first
// non-NULL value of each.
func columnTypes(res *sqlengine.Result) []string {
	out := make([]string, len(res.Columns))
	for i := range out {
		out[i] = "varchar"
		for _, r := range res.Rows {
			if r[i] == nil {
				continue
			}
			switch r[i].(type) {
			case int, int8, int16, int32, int64, uint8, uint16, uint32, uint64:
				out[i] = "bigint"
			case float32, float64:
				out[i] = "double"
			case bool:
				out[i] = "boolean"
			case time.Time:
				out[i] = "timestamp"
			case []any:
				out[i] = "array"
			case map[string]any:
				out[i] = "row"
			}
			break
		}
	}
	return out
}

// text renders a value as Athena's result files do.
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.000")
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = text(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + text(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}
