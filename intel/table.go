package intel

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/zeebo/xxh3"

	"github.com/streamalert/streamalert/schema"
)

// The lake tables of threat intel. They are snapshots: each write adds
// rows tagged with the snapshot's time, and queries read the latest
// snapshot only (the largest snapshot value), so that writing a new one
// replaces the old one for every reader without deleting files.
const (
	IOCTableName      = "iocs"
	LookupTablePrefix = "lookup_"
)

// IOCTable is the lake table of the active IOC sets and the allow-list,
// one row per IOC: snapshot (SnapshotText of the write), set, type,
// value (canonical), key (what a record value's Keys are compared with; null
// for ip), lo and hi (the range of AddrKey of an ip network; null
// otherwise), source, expires (null for never) and excluded (an allow-list
// entry).
var IOCTable = lakeTable(IOCTableName, "The active IOC sets and the allow-list (threat intel snapshots).",
	"snapshot", "string",
	"set", "string",
	"type", "string",
	"value", "string",
	"key", "string",
	"lo", "string",
	"hi", "string",
	"source", "string",
	"expires", "timestamp",
	"excluded", "boolean",
)

// LookupTable is the lake table of the lookup table name: snapshot, key
// (as written), key_lower (strings.ToLower of it, what rules compare) and
// value.
func LookupTable(name string) *schema.LogType {
	return lakeTable(LookupTablePrefix+name, "Lookup table "+name+" (snapshots).",
		"snapshot", "string", "key", "string", "key_lower", "string", "value", "string")
}

// LakeTables returns the IOC table and the table of each lookup table, to
// open query engines with.
func LakeTables(lookups *Lookups) []*schema.LogType {
	out := []*schema.LogType{IOCTable}
	if lookups != nil {
		for _, n := range lookups.Names() {
			out = append(out, LookupTable(n))
		}
	}
	return out
}

// lakeTable declares a lake table that is not a log type as a LogType, so
// that its columns, Parquet schema and DDL come from the same code.
func lakeTable(name, desc string, nameTypes ...string) *schema.LogType {
	lt := &schema.LogType{Name: name, Description: desc, Parser: schema.ParserConfig{Type: "json"}, File: "builtin:intel", Line: 1}
	for i := 0; i+1 < len(nameTypes); i += 2 {
		t, err := schema.ParseType(nameTypes[i+1])
		if err != nil {
			panic(fmt.Sprintf("intel: table %s: column %s: %v", name, nameTypes[i], err))
		}
		lt.Fields = append(lt.Fields, schema.Field{Name: nameTypes[i], Column: nameTypes[i], Type: t})
	}
	return lt
}

// SnapshotText is the snapshot column's value for a write at t: fixed
// width, so that text order is time order.
func SnapshotText(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

// WriteIOCRows calls write with one row of IOCTable (aligned with its
// Columns) per IOC of every active set and per allow-list entry. The row
// slice is reused between calls.
func (s *Store) WriteIOCRows(at time.Time, write func(row []schema.Value) error) error {
	snap := SnapshotText(at)
	cols := len(IOCTable.Columns())
	row := make([]schema.Value, cols)
	emit := func(set *Set, e Entry, excluded bool) error {
		clear(row)
		row[0], row[1], row[2], row[3] = schema.Str(snap), schema.Str(set.Name), schema.Str(e.Type.String()), schema.Str(e.Value)
		if e.Type == IP {
			lo, hi := RangeKeys(e.Prefix)
			row[5], row[6] = schema.Str(lo), schema.Str(hi)
		} else {
			row[4] = schema.Str(e.Value)
		}
		row[7] = schema.Str(e.Source)
		if !e.Expires.IsZero() {
			row[8] = schema.Time(e.Expires)
		}
		row[9] = schema.BoolValue(excluded)
		// The common columns: event and ingest time, a stable id, the origin.
		row[10], row[11] = schema.Time(at), schema.Time(at)
		row[12] = schema.Str(entryID(snap, set.Name, e))
		row[13] = schema.Str(set.Origin)
		return write(row)
	}
	var err error
	each := func(set *Set, excluded bool) {
		set.Each(func(e Entry) bool {
			err = emit(set, e, excluded)
			return err == nil
		})
	}
	snapSets := s.cur.Load()
	for _, set := range snapSets.sets {
		if each(set, false); err != nil {
			return err
		}
	}
	if snapSets.exclude != nil {
		each(snapSets.exclude, true)
	}
	return err
}

// WriteRows calls write with one row of LookupTable(t.Name) per key.
func (t *Table) WriteRows(at time.Time, write func(row []schema.Value) error) error {
	snap := SnapshotText(at)
	row := make([]schema.Value, len(LookupTable(t.Name).Columns()))
	var err error
	t.Each(func(k, v string) bool {
		clear(row)
		row[0], row[1], row[2], row[3] = schema.Str(snap), schema.Str(k), schema.Str(lower(k)), schema.Str(v)
		row[4], row[5] = schema.Time(at), schema.Time(at)
		h := xxh3.HashString128(t.Name + "\x00" + snap + "\x00" + k).Bytes()
		row[6] = schema.Str(hex.EncodeToString(h[:]))
		row[7] = schema.Str(t.Origin)
		err = write(row)
		return err == nil
	})
	return err
}

func entryID(snap, set string, e Entry) string {
	h := xxh3.HashString128(snap + "\x00" + set + "\x00" + e.Type.String() + "\x00" + e.Value).Bytes()
	return hex.EncodeToString(h[:])
}
