package schema

// GlueColumn is one column of a log type's table as the Glue Data Catalog
// stores it (and Firehose's record format conversion reads it).
type GlueColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// GlueColumns returns the table's columns as Glue stores them: the same
// names and Hive types as AthenaDDL, with struct member names unquoted
// (quoting is a need of the DDL parser, not part of the stored type). The
// dt partition is not included.
func (t *LogType) GlueColumns() []GlueColumn {
	cols := t.Columns()
	out := make([]GlueColumn, len(cols))
	for i, c := range cols {
		out[i] = GlueColumn{Name: c.Name, Type: hiveType(c.Type, func(name string) string { return name })}
	}
	return out
}
