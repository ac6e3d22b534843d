package firehose

import (
	"fmt"
	"time"

	"github.com/streamalert/streamalert/schema"
)

// Names of the lake tables that are not log types.
const (
	UnclassifiedTableName = "unclassified"
	AlertsTableName       = "alerts"
)

// Unclassified is the table of records no log type accepted: the common
// columns (sa_event_time is the ingest time) plus the reason and the raw
// record as text.
var Unclassified = builtinTable(UnclassifiedTableName,
	"Records no log type accepted, kept with the reason and the raw text.",
	"reason", "string",
	"raw", "string",
)

// Alerts is the table of alerts, the single definition of its columns. The
// common columns hold the triggering record's id (sa_record_id), its source
// (sa_source) and event time (sa_event_time); sa_ingest_time is when the
// alert was written. record and context are JSON text. status is the
// alert's status when the row was written (a merging or suppressed alert's
// row stays as it was; the merged alert gets its own row).
var Alerts = builtinTable(AlertsTableName,
	"Alerts raised by rules, hunts and sweeps.",
	"alert_id", "string",
	"rule_name", "string",
	"status", "string",
	"severity", "string",
	"log_type", "string",
	"created", "timestamp",
	"record", "json",
	"context", "json",
	"outputs", "array<string>",
	"staged", "boolean",
	"count", "bigint",
	"first_time", "timestamp",
	"last_time", "timestamp",
)

// builtinTable declares a lake table beside the log types as a LogType, so
// that its Columns, Parquet schema and DDL come from the same code as every
// log type's. Its Name has no ":"; it is never classified against.
func builtinTable(name, desc string, nameTypes ...string) *schema.LogType {
	lt := &schema.LogType{Name: name, Description: desc, Parser: schema.ParserConfig{Type: "json"},
		File: "builtin:firehose", Line: 1}
	for i := 0; i+1 < len(nameTypes); i += 2 {
		t, err := schema.ParseType(nameTypes[i+1])
		if err != nil {
			panic(fmt.Sprintf("firehose: table %s: column %s: %v", name, nameTypes[i], err))
		}
		lt.Fields = append(lt.Fields, schema.Field{Name: nameTypes[i], Column: nameTypes[i], Type: t})
	}
	return lt
}

// table is what the writer keeps per log type: its columns (checked to have
// a Parquet mapping) and scratch rows.
type table struct {
	lt        *schema.LogType
	name      string
	cols      []schema.Column
	normTyp   []string // the sa_normalized sub-fields, in order; nil when the table has no sa_normalized
	scratch   []schema.Value
	tail      []schema.Value
	norm      []schema.Value
	normElems []schema.Value
	pool      writerPool // row encoders of finished files, for the next files
}

func newTable(lt *schema.LogType) (*table, error) {
	cols := lt.Columns()
	if _, err := newPQWriter(lt.Table(), cols, codecs[CompressionZstd]); err != nil {
		return nil, err
	}
	t := &table{lt: lt, name: lt.Table(), cols: cols}
	for _, c := range cols {
		if c.Name == schema.ColNormalized {
			for _, f := range c.Type.Fields {
				t.normTyp = append(t.normTyp, f.Column)
			}
		}
	}
	return t, nil
}

// recordRow lays a record out as a row of t's columns. The returned slice is
// scratch space, valid until the next call.
func (t *table) recordRow(rec *schema.Record) []schema.Value {
	row := t.scratch[:0]
	row = append(row, rec.Values...)
	for len(row) < len(t.lt.Fields) {
		row = append(row, schema.Value{})
	}
	row = append(row[:len(t.lt.Fields)], t.recordTail(rec)...)
	t.scratch = row
	return row
}

// recordTail returns the columns of a record's row that follow the log
// type's fields: the sa_ columns. The lake writer takes the fields from
// rec.Values as they are and these from here, so the record's values are
// not copied. The returned slice is scratch space, valid until the next call.
func (t *table) recordTail(rec *schema.Record) []schema.Value {
	et := rec.EventTime
	if et.IsZero() {
		et = rec.IngestTime
	}
	tail := append(t.tail[:0], timeValue(et), timeValue(rec.IngestTime), textValue(rec.ID), textValue(rec.Source))
	if t.normTyp != nil {
		// The element values live in one scratch slice reused by every
		// row; the encoder has copied what it needs before the next row.
		t.norm, t.normElems = t.norm[:0], t.normElems[:0]
		for _, typ := range t.normTyp {
			vals := rec.Normalized[typ]
			if len(vals) == 0 {
				t.norm = append(t.norm, schema.Value{})
				continue
			}
			start := len(t.normElems)
			for _, v := range vals {
				t.normElems = append(t.normElems, schema.Str(v))
			}
			t.norm = append(t.norm, schema.Value{Kind: schema.KindArray, L: t.normElems[start:len(t.normElems):len(t.normElems)]})
		}
		tail = append(tail, schema.Value{Kind: schema.KindObject, L: t.norm})
	}
	tail = append(tail, textValue(rec.Extras))
	t.tail = tail
	return tail
}

// unclassifiedRow lays an unclassified record out as a row of Unclassified.
func unclassifiedRow(u *schema.Unclassified) []schema.Value {
	ingest := timeValue(u.IngestTime)
	return []schema.Value{
		textValue(u.Reason), {Kind: schema.KindString, S: string(u.Raw)},
		ingest, ingest, textValue(u.ID), textValue(u.Source), {},
	}
}

func timeValue(t time.Time) schema.Value {
	if t.IsZero() {
		return schema.Value{}
	}
	return schema.Time(t)
}

func textValue(s string) schema.Value {
	if s == "" {
		return schema.Value{}
	}
	return schema.Str(s)
}

// rowSize estimates the size of a row as JSON text, for buffering rows that
// come without their raw bytes.
func rowSize(row []schema.Value) int64 {
	var n int64
	for _, v := range row {
		n += valueSize(v)
	}
	return n
}

func valueSize(v schema.Value) int64 {
	switch v.Kind {
	case schema.KindNull:
		return 0
	case schema.KindString, schema.KindIP, schema.KindJSON:
		return int64(len(v.S)) + 4
	case schema.KindArray, schema.KindObject:
		n := int64(2)
		for _, e := range v.L {
			n += valueSize(e) + 1
		}
		return n
	}
	return 12
}
