// Package firehosetest runs a local stand-in for the Firehose API that
// speaks the PutRecordBatch call of its JSON 1.1 protocol closely enough
// for the SDK client, enforces the service limits, and can fail records.
package firehosetest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
)

// Service limits, as the real service enforces them (record sizes are of
// the decoded data).
const (
	MaxBatchRecords = 500
	MaxBatchBytes   = 4 << 20
	MaxRecordBytes  = 1000 << 10
)

// Server is a fake Firehose endpoint. Create it with NewServer; point an
// SDK client at URL.
type Server struct {
	*httptest.Server

	// Fail, when set, is asked for every record of every call; a non-empty
	// code fails that record in the response (a partial failure).
	Fail func(stream string, call, index int, data []byte) (code, message string)
	// CallError, when set, is asked once per call; a non-empty code fails the
	// whole call with HTTP status.
	CallError func(call int) (status int, code, message string)

	mu      sync.Mutex
	streams map[string][][]byte // delivered records by stream
	calls   int
	sizes   []int // records per call, in order
}

// NewServer starts a fake Firehose with the named delivery streams.
func NewServer(streams ...string) *Server {
	s := &Server{streams: map[string][][]byte{}}
	for _, name := range streams {
		s.streams[name] = nil
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Records returns the records delivered to a stream, in order of arrival.
func (s *Server) Records(stream string) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.streams[stream]...)
}

// Calls returns how many PutRecordBatch calls were made, and the number of
// records in each.
func (s *Server) Calls() (int, []int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls, append([]int(nil), s.sizes...)
}

type putRecordBatchInput struct {
	DeliveryStreamName string
	Records            []struct{ Data string }
}

type responseEntry struct {
	RecordId     string `json:",omitempty"`
	ErrorCode    string `json:",omitempty"`
	ErrorMessage string `json:",omitempty"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "SerializationException", "want POST")
		return
	}
	if target := r.Header.Get("X-Amz-Target"); target != "Firehose_20150804.PutRecordBatch" {
		writeError(w, http.StatusBadRequest, "UnknownOperationException", fmt.Sprintf("operation %q is not served", target))
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	var in putRecordBatchInput
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	s.mu.Lock()
	s.calls++
	call := s.calls
	s.sizes = append(s.sizes, len(in.Records))
	_, known := s.streams[in.DeliveryStreamName]
	s.mu.Unlock()

	switch {
	case !known:
		writeError(w, http.StatusBadRequest, "ResourceNotFoundException",
			fmt.Sprintf("Firehose %s under account 123456789012 not found.", in.DeliveryStreamName))
		return
	case len(in.Records) == 0 || len(in.Records) > MaxBatchRecords:
		writeError(w, http.StatusBadRequest, "ValidationException",
			fmt.Sprintf("1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length between 1 and %d (got %d)", MaxBatchRecords, len(in.Records)))
		return
	}
	data := make([][]byte, len(in.Records))
	total := 0
	for i, rec := range in.Records {
		d, err := base64.StdEncoding.DecodeString(rec.Data)
		if err != nil {
			writeError(w, http.StatusBadRequest, "SerializationException", fmt.Sprintf("record %d: %v", i, err))
			return
		}
		if len(d) > MaxRecordBytes || len(d) == 0 {
			writeError(w, http.StatusBadRequest, "ValidationException",
				fmt.Sprintf("1 validation error detected: Value at 'records.%d.member.data' failed to satisfy constraint: Member must have length between 1 and %d (got %d)", i+1, MaxRecordBytes, len(d)))
			return
		}
		total += len(d)
		data[i] = d
	}
	if total > MaxBatchBytes {
		writeError(w, http.StatusBadRequest, "InvalidArgumentException",
			fmt.Sprintf("Records size exceeds %d bytes limit (got %d)", MaxBatchBytes, total))
		return
	}
	if s.CallError != nil {
		if status, code, msg := s.CallError(call); code != "" {
			writeError(w, status, code, msg)
			return
		}
	}
	out := struct {
		FailedPutCount   int
		Encrypted        bool
		RequestResponses []responseEntry
	}{RequestResponses: make([]responseEntry, len(data))}
	failed := make([]bool, len(data))
	for i, d := range data {
		if s.Fail == nil {
			break
		}
		if code, msg := s.Fail(in.DeliveryStreamName, call, i, d); code != "" {
			failed[i] = true
			out.FailedPutCount++
			out.RequestResponses[i] = responseEntry{ErrorCode: code, ErrorMessage: msg}
		}
	}
	s.mu.Lock()
	for i, d := range data {
		if !failed[i] {
			s.streams[in.DeliveryStreamName] = append(s.streams[in.DeliveryStreamName], d)
			out.RequestResponses[i] = responseEntry{RecordId: fmt.Sprintf("%d-%d", call, i)}
		}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(out)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}
