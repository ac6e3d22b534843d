package schema

// Common columns every lake table has beside its log type's own fields.
// The sa_ prefix keeps them apart from any vendor field name.
const (
	ColEventTime  = "sa_event_time"  // timestamp: the record's event time (ingest time if it has none)
	ColIngestTime = "sa_ingest_time" // timestamp: when the record was classified
	ColRecordID   = "sa_record_id"   // string: the stable record id
	ColSource     = "sa_source"      // string: the configured source
	ColNormalized = "sa_normalized"  // struct of array<string>, one per normalized type the log type yields
	ColExtras     = "sa_extras"      // string: JSON object of undeclared keys, null when none
	ColPartition  = "dt"             // string partition YYYY-MM-DD-HH (arrival hour, UTC)
)

// Column is one column of a log type's lake table. Field is the index of the
// log type field it stores, or -1 for a common column.
type Column struct {
	Name  string // lower-case
	Type  Type   // object types carry sub-fields whose Column names are the struct field names
	Field int
}

// Columns returns the table's columns in order: the declared fields, then
// the common columns. sa_normalized is present only when the log type
// yields normalized values. The dt partition column is not included.
func (t *LogType) Columns() []Column {
	cols := make([]Column, 0, len(t.Fields)+6)
	for i, f := range t.Fields {
		cols = append(cols, Column{Name: f.Column, Type: f.Type, Field: i})
	}
	str := Type{Kind: KindString}
	ts := Type{Kind: KindTimestamp}
	cols = append(cols,
		Column{Name: ColEventTime, Type: ts, Field: -1},
		Column{Name: ColIngestTime, Type: ts, Field: -1},
		Column{Name: ColRecordID, Type: str, Field: -1},
		Column{Name: ColSource, Type: str, Field: -1},
	)
	if types := t.NormalizedTypes(); len(types) > 0 {
		norm := Type{Kind: KindObject}
		for _, n := range types {
			norm.Fields = append(norm.Fields, Field{Name: n, Column: n, Type: Type{Kind: KindArray, Elem: &str}})
		}
		cols = append(cols, Column{Name: ColNormalized, Type: norm, Field: -1})
	}
	cols = append(cols, Column{Name: ColExtras, Type: str, Field: -1})
	return cols
}
