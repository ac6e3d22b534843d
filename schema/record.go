package schema

import (
	"encoding/hex"
	"time"

	"github.com/zeebo/xxh3"
)

// Record is one classified log record: its log type, typed field values,
// event time and normalized values, with where it came from.
type Record struct {
	LogType *LogType
	// ID is stable: the same raw record of the same log type always gets the
	// same id, on every path (streaming, lake, backtest).
	ID         string
	Source     string // the configured source it arrived through
	EventTime  time.Time
	IngestTime time.Time
	Values     []Value // aligned with LogType.Fields
	// Extras holds the undeclared keys of the record as a JSON object text,
	// or "" when there are none.
	Extras string
	// Normalized maps a normalized type to its distinct values, in order of
	// first appearance.
	Normalized map[string][]string
	Raw        []byte // the record's own bytes (one line, or one element of an envelope)
	// Demoted counts the values that did not have their declared field's
	// type, in fields that do not identify the log type (not required, not
	// on a log_patterns or event_time path): the record was kept with the
	// field null and the value, as written, in Extras under its key.
	Demoted int
}

// Unclassified is a raw record no candidate log type accepted, kept with the
// reason given by the candidate that came closest.
type Unclassified struct {
	ID         string
	Source     string
	Raw        []byte
	Reason     string
	IngestTime time.Time
}

// RecordID computes the stable id of a raw record of a log type: 128 bits of
// xxh3 over the type name and the raw bytes, as 32 hex digits.
func RecordID(logType string, raw []byte) string {
	h := xxh3.New()
	h.WriteString(logType)
	h.Write([]byte{0})
	h.Write(raw)
	sum := h.Sum128().Bytes()
	return hex.EncodeToString(sum[:])
}

// Get returns the value at a dotted path of declared fields, or a null Value.
// It does not look inside json fields or extras; rules do that themselves.
func (r *Record) Get(path ...string) Value {
	fields, vals := r.LogType.Fields, r.Values
	var v Value
	for i, name := range path {
		j := FieldIndex(fields, name)
		if j < 0 || j >= len(vals) {
			return Value{}
		}
		v = vals[j]
		if i == len(path)-1 {
			return v
		}
		if v.Kind != KindObject {
			return Value{}
		}
		fields, vals = fields[j].Type.Fields, v.L
	}
	return v
}
