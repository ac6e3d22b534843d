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
		fmt.Fprintf(&b, "  %s %s%s\n", hiveIdent(c.Name), hiveType(c.Type, structMember), sep)
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

// hiveType renders t as a Hive (Glue) type, struct member names written
// by member.
func hiveType(t Type, member func(string) string) string {
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
		return "array<" + hiveType(elem, member) + ">"
	case KindObject:
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = member(f.Column) + ":" + hiveType(f.Type, member)
		}
		return "struct<" + strings.Join(parts, ",") + ">"
	}
	return "string" // string, ip, json
}

// structMember writes a struct member name for Athena's DDL parser: plain
// when it is a simple lower-case identifier, backquoted when it is not, is
// a reserved word (user, time, end, …) or starts with _, which the parser
// refuses unquoted.
func structMember(name string) string {
	if hiveReserved[name] || strings.HasPrefix(name, "_") {
		return hiveIdent(name)
	}
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

// hiveReserved are the words Athena's DDL (Hive) grammar reserves, in
// lower case, as AWS documents them for Athena DDL.
var hiveReserved = func() map[string]bool {
	words := strings.Fields(`all alter and array as authorization between bigint binary boolean both by
		case cashe cast char column conf constraint commit create cross cube current current_date
		current_timestamp cursor database date dayofweek decimal delete describe distinct div double
		drop else end exchange exists extended external extract false fetch float floor following for
		foreign from full function grant group grouping having if import in inner insert int integer
		intersect interval into is join lateral left less like local macro map more none not null
		numeric of on only or order out outer over partialscan partition percent preceding precision
		preserve primary procedure range reads reduce regexp references revoke right rlike rollback
		rollup row rows select set smallint start table tablesample then time timestamp to transform
		trigger true truncate unbounded union uniquejoin update user using utc_timestamp values
		varchar views when where window with`)
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}()

// hiveIdent backquotes an identifier (a backquote inside is doubled).
func hiveIdent(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

// hiveString quotes a Hive string literal, escaping \ and '.
func hiveString(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, `'`, `\'`) + "'"
}
