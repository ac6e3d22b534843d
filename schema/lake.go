package schema

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// The lake's layout, the same on S3 and on disk, relative to the lake root:
//
//	parquet/<table>/dt=YYYY-MM-DD-HH/<file>.parquet
//
// dt is the arrival hour in UTC (the ColPartition column). These functions
// are the only place that spells it.
const (
	lakeDir   = "parquet"
	dtLayout  = "2006-01-02-15"
	fileExt   = ".parquet"
	dtPrefix  = ColPartition + "="
	lakeParts = 4 // parquet, table, dt=…, file
)

// LakeRoot is the key prefix of every table in the lake: "parquet/".
const LakeRoot = lakeDir + "/"

// TablePrefix returns the key prefix of a table's files: "parquet/<table>/".
func TablePrefix(table string) string { return LakeRoot + table + "/" }

// PartitionOf returns the dt partition value of the hour holding t, in UTC:
// "2026-03-01-10".
func PartitionOf(t time.Time) string { return t.UTC().Format(dtLayout) }

// PartitionFolder returns the folder of one partition under a table's
// prefix: "dt=<dt>/". The Athena DDL's location template passes "${dt}".
func PartitionFolder(dt string) string { return dtPrefix + dt + "/" }

// PartitionDir returns the key prefix of one hour of a table:
// "parquet/<table>/dt=<dt>/".
func PartitionDir(table, dt string) string { return TablePrefix(table) + PartitionFolder(dt) }

// LakeKey returns the key of a file in a table's partition:
// "parquet/<table>/dt=<dt>/<name>.parquet".
func LakeKey(table, dt, name string) string { return PartitionDir(table, dt) + name + fileExt }

// TableGlob returns the glob, with forward slashes, of the Parquet files
// of a table in the lake directory lake: "<lake>/parquet/<table>/dt=*/*.parquet".
// An empty lake is the current directory.
func TableGlob(lake, table string) string {
	return filepath.ToSlash(filepath.Join(lake, lakeDir, table)) + "/" + dtPrefix + "*/*" + fileExt
}

// LakeFile is a lake file key taken apart.
type LakeFile struct {
	Table string // table name
	DT    string // partition value, YYYY-MM-DD-HH
	Name  string // file name without ".parquet"
}

// ParseLakeKey takes apart a file key "parquet/<table>/dt=<dt>/<name>.parquet"
// (slash-separated, relative to the lake root). It rejects any other shape,
// a dt that is not an hour (YYYY-MM-DD-HH) and names starting with "."
// (temporary files).
func ParseLakeKey(key string) (LakeFile, error) {
	parts := strings.Split(key, "/")
	if len(parts) != lakeParts || parts[0] != lakeDir {
		return LakeFile{}, fmt.Errorf("lake key %q: want %s<table>/%s<YYYY-MM-DD-HH>/<name>%s", key, LakeRoot, dtPrefix, fileExt)
	}
	f := LakeFile{Table: parts[1]}
	if f.Table == "" {
		return LakeFile{}, fmt.Errorf("lake key %q: empty table name", key)
	}
	dt, ok := strings.CutPrefix(parts[2], dtPrefix)
	if !ok {
		return LakeFile{}, fmt.Errorf("lake key %q: folder %q is not a %s partition", key, parts[2], dtPrefix)
	}
	if _, err := time.Parse(dtLayout, dt); err != nil || len(dt) != len(dtLayout) {
		return LakeFile{}, fmt.Errorf("lake key %q: partition %q is not an hour YYYY-MM-DD-HH", key, dt)
	}
	f.DT = dt
	name, ok := strings.CutSuffix(parts[3], fileExt)
	if !ok || name == "" || strings.HasPrefix(name, ".") {
		return LakeFile{}, fmt.Errorf("lake key %q: %q is not a published %s file", key, parts[3], fileExt)
	}
	f.Name = name
	return f, nil
}
