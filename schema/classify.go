package schema

import (
	"errors"
	"time"

	"github.com/valyala/fastjson"
	"github.com/zeebo/xxh3"
)

// Limits applied when a Classifier's own are zero.
const (
	DefaultMaxRecordBytes  = 10 << 20 // one record or line
	DefaultMaxPayloadBytes = 1 << 30  // a payload after inflating
)

// Input says where a payload came from and which log types it may hold.
type Input struct {
	Source string // the configured source, copied into every result
	// Types are the candidate log types, tried by priority then name;
	// empty means every type of the registry.
	Types      []*LogType
	IngestTime time.Time // zero means now
}

// Classifier turns raw payloads into Records and Unclassified records.
//
// A payload is inflated when it is gzip or zlib. If it is then one JSON
// document, that document is one unit; a CloudWatch Logs subscription
// payload (messageType and logEvents) is unwrapped instead, each
// logEvents[i].message being a unit of its own (JSON or text) that sees
// the subscription's logGroup, logStream and owner as envelope keys. Any
// other payload is split into lines, each line a unit.
//
// For each unit the candidate log types are tried in order. A candidate
// accepts a record when its parser yields it, its log_patterns match, its
// required fields are present and every value coerces to its declared
// type. The first candidate that accepts a record of the unit decides how
// the unit is split into records (one record, or each element of an
// envelope); its records that it does not accept are each tried against
// the other candidates on their own. A record no candidate accepts becomes
// an Unclassified whose reason is that of the candidate that came closest
// (a coercion failure is closer than a missing required field, which is
// closer than a pattern mismatch, which is closer than a parse failure).
// Nothing is dropped: every record ends as one Record or one Unclassified.
//
// The Raw bytes of a JSON record are its canonical JSON text: compact,
// keys in document order, strings escaped only where JSON requires. The
// same record thus has the same Raw and ID whether it came alone, as a
// JSON line, pretty-printed, inside an envelope, as a CloudWatch Logs
// message or as an EventBridge detail. A text record's Raw is its line.
// An Unclassified keeps the bytes as they arrived (an envelope element:
// its canonical text).
//
// A Classifier keeps parsers and scratch memory between calls and is not
// safe for concurrent use; use one per goroutine. The Records and
// Unclassified it hands out do not share memory with the payload or with
// the classifier's scratch, and may be kept. Records are carved from
// chunks shared with the records classified just before and after them
// (see recordMem), so a record kept for long keeps some of its neighbours'
// memory alive too.
type Classifier struct {
	// MaxRecordBytes limits one record or line; a longer one is
	// unclassified without being parsed. 0 means DefaultMaxRecordBytes.
	MaxRecordBytes int
	// MaxPayloadBytes limits a payload after inflating. 0 means
	// DefaultMaxPayloadBytes.
	MaxPayloadBytes int64

	reg   *Registry
	cands map[*LogType]*candidate
	all   []*candidate // every type of reg, in order

	lastTypes []*LogType // the last Input.Types and its candidates
	lastList  []*candidate

	docs   [maxDepth]fastjson.Parser
	states [maxDepth]unitState
	co     coercer
	norm   normalizer
	hash   *xxh3.Hasher
	arena  fastjson.Arena // envelopes of text records
	envRaw []byte         // raw text of a record merged with its envelope
	mem    recordMem      // where Records are allocated
	num    []byte         // a number's text

	// the current call
	list   []*candidate
	in     Input
	maxRec int
	onRec  func(*Record)
	onUnc  func(*Unclassified)
}

// maxDepth bounds nesting: a payload document (0), a CloudWatch Logs
// message inside it (1), a record of either retried on its own (2).
const maxDepth = 3

// NewClassifier returns a classifier over the log types of reg (nil: the
// built-in types). Parsers are built when a type is first tried.
func NewClassifier(reg *Registry) *Classifier {
	if reg == nil {
		reg = Builtin()
	}
	return &Classifier{reg: reg, cands: map[*LogType]*candidate{}, hash: xxh3.New()}
}

// Classify classifies one payload, calling onRecord for each record a log
// type accepts and onUnclassified for each one none does, in the order
// they are settled. It returns an error only for a misuse; bad input
// becomes Unclassified records.
func (c *Classifier) Classify(payload []byte, in Input, onRecord func(*Record), onUnclassified func(*Unclassified)) error {
	if onRecord == nil || onUnclassified == nil {
		return errors.New("schema: Classify needs both an onRecord and an onUnclassified function")
	}
	c.in = in
	if c.in.IngestTime.IsZero() {
		c.in.IngestTime = time.Now()
	}
	c.in.IngestTime = c.in.IngestTime.UTC()
	c.onRec, c.onUnc = onRecord, onUnclassified
	c.maxRec = c.MaxRecordBytes
	if c.maxRec <= 0 {
		c.maxRec = DefaultMaxRecordBytes
	}
	maxPayload := c.MaxPayloadBytes
	if maxPayload <= 0 {
		maxPayload = DefaultMaxPayloadBytes
	}
	c.list = c.candidates(in.Types)
	for _, cd := range c.list {
		if r, ok := cd.text.(PayloadResetter); ok {
			r.ResetPayload() // each payload brings its own csv header
		}
	}
	defer func() {
		// Do not keep the caller's functions and types alive.
		c.onRec, c.onUnc, c.in = nil, nil, Input{}
	}()

	data, err := Inflate(payload, maxPayload)
	if err != nil {
		c.unclassified(payload, err.Error())
		return nil
	}
	c.payload(data)
	return nil
}

// unclassified reports raw (copied) as unclassified. Its id is
// RecordID("", raw).
func (c *Classifier) unclassified(raw []byte, reason string) {
	b := make([]byte, len(raw))
	copy(b, raw)
	c.onUnc(&Unclassified{ID: RecordID("", b), Source: c.in.Source, Raw: b, Reason: reason, IngestTime: c.in.IngestTime})
}
