package schema

import (
	"fmt"
	"strings"
)

// AthenaDDL returns the Glue/Athena CREATE EXTERNAL TABLE statement of the
// log type's lake table: lower-case backquoted columns with Hive types
// (nested objects as structs, ip and json fields as strings), the dt
// string partition (YYYY-MM-DD-HH) resolved by partition projection, and
// Parquet storage. location is the table's own location, such as
// s3://bucket/parquet/cloudtrail_events/; partitions are dt=… folders
// under it.
func (t *LogType) AthenaDDL(database, location string) string {
	location = strings.TrimRight(location, "/") + "/"
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE EXTERNAL TABLE IF NOT EXISTS %s.%s (\n", hiveIdent(database), hiveIdent(t.Table()))
	cols := t.Columns()
	for i, c := range cols {
		sep := ","
		if i == len(cols)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "  %s %s%s\n", hiveIdent(c.Name), hiveType(c.Type), sep)
	}
	b.WriteString(")\n")
	fmt.Fprintf(&b, "PARTITIONED BY (%s string)\n", hiveIdent(ColPartition))
	b.WriteString("STORED AS PARQUET\n")
	fmt.Fprintf(&b, "LOCATION %s\n", hiveString(location))
	b.WriteString("TBLPROPERTIES (\n")
	props := [][2]string{
		{"projection.enabled", "true"},
		{"projection.dt.type", "date"},
		{"projection.dt.format", "yyyy-MM-dd-HH"},
		{"projection.dt.interval", "1"},
		{"projection.dt.interval.unit", "HOURS"},
		{"projection.dt.range", "NOW-5YEARS,NOW"},
		{"storage.location.template", location + PartitionFolder("${dt}")},
	}
	for i, p := range props {
		sep := ","
		if i == len(props)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "  %s = %s%s\n", hiveString(p[0]), hiveString(p[1]), sep)
	}
	b.WriteString(");\n")
	return b.String()
}

// hiveType renders t as a Hive (Glue) type.
func hiveType(t Type) string {
	switch t.Kind {
	case KindInt:
		return "int"
	case KindBigint:
		return "bigint"
	case KindFloat:
		return "double"
	case KindBool:
		return "boolean"
	case KindTimestamp:
		return "timestamp"
	case KindArray:
		elem := Type{Kind: KindString}
		if t.Elem != nil {
			elem = *t.Elem
		}
		return "array<" + hiveType(elem) + ">"
	case KindObject:
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = structMember(f.Column) + ":" + hiveType(f.Type)
		}
		return "struct<" + strings.Join(parts, ",") + ">"
	}
	return "string" // string, ip, json
}

// structMember writes a struct member name as Glue stores it: plain when
// it is a simple lower-case identifier, backquoted otherwise.
func structMember(name string) string {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return hiveIdent(name)
		}
	}
	if name == "" {
		return "``"
	}
	return name
}

// hiveIdent backquotes an identifier (a backquote inside is doubled).
func hiveIdent(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

// hiveString quotes a Hive string literal, escaping \ and '.
func hiveString(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, `'`, `\'`) + "'"
}
