package firehose

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/streamalert/streamalert/schema"
)

// This file builds, with parquet-go's own schema types, the schema the lake's
// files are meant to have. The tests check the writer's files against it:
// parquet-go reads them back and must see this schema and the rows written.

// referenceSchema maps a table's columns to a Parquet schema, in column order:
//
//	string, ip, json  BYTE_ARRAY (STRING)
//	int               INT32 (INT(32, signed))
//	bigint            INT64 (INT(64, signed))
//	float             DOUBLE
//	boolean           BOOLEAN
//	timestamp         INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true)
//	array<T>          LIST of T (3-level, optional elements)
//	object            group of its sub-fields, in declaration order
//
// Every column and sub-field is optional, so that a field added to a log
// type later reads as null in older files.
func referenceSchema(table string, cols []schema.Column) (*parquet.Schema, error) {
	b := &schemaBuilder{}
	fields := make([]parquet.Field, len(cols))
	for i, c := range cols {
		n, err := b.node(c.Type)
		if err != nil {
			return nil, fmt.Errorf("table %s: column %s: %w", table, c.Name, err)
		}
		fields[i] = &structField{Node: parquet.Optional(n), name: c.Name}
	}
	return parquet.NewSchema(table, &structNode{fields: fields}), nil
}

type schemaBuilder struct{}

func (b *schemaBuilder) node(t schema.Type) (parquet.Node, error) {
	switch t.Kind {
	case schema.KindArray:
		if t.Elem == nil {
			return nil, fmt.Errorf("array without element type")
		}
		elem, err := b.node(*t.Elem)
		if err != nil {
			return nil, err
		}
		return parquet.List(parquet.Optional(elem)), nil
	case schema.KindObject:
		if len(t.Fields) == 0 {
			return nil, fmt.Errorf("object without fields")
		}
		fields := make([]parquet.Field, len(t.Fields))
		for i, f := range t.Fields {
			n, err := b.node(f.Type)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f.Column, err)
			}
			fields[i] = &structField{Node: parquet.Optional(n), name: f.Column}
		}
		return &structNode{fields: fields}, nil
	}
	switch t.Kind {
	case schema.KindString, schema.KindIP, schema.KindJSON:
		return parquet.String(), nil
	case schema.KindInt:
		return parquet.Int(32), nil
	case schema.KindBigint:
		return parquet.Int(64), nil
	case schema.KindFloat:
		return parquet.Leaf(parquet.DoubleType), nil
	case schema.KindBool:
		return parquet.Leaf(parquet.BooleanType), nil
	case schema.KindTimestamp:
		return parquet.Timestamp(parquet.Microsecond), nil
	}
	return nil, fmt.Errorf("type %s has no Parquet mapping", t)
}

// structNode is a Parquet group whose fields keep the order they were
// declared in. parquet.Group sorts its fields by name, which would put the
// columns in a different order from the Glue table.
type structNode struct{ fields []parquet.Field }

func (g *structNode) ID() int                     { return 0 }
func (g *structNode) String() string              { return g.group().String() }
func (g *structNode) Type() parquet.Type          { return parquet.Group{}.Type() }
func (g *structNode) Optional() bool              { return false }
func (g *structNode) Repeated() bool              { return false }
func (g *structNode) Required() bool              { return true }
func (g *structNode) Leaf() bool                  { return false }
func (g *structNode) Fields() []parquet.Field     { return g.fields }
func (g *structNode) Encoding() encoding.Encoding { return nil }
func (g *structNode) Compression() compress.Codec { return nil }
func (g *structNode) GoType() reflect.Type        { return g.group().GoType() }
func (g *structNode) group() parquet.Group {
	m := make(parquet.Group, len(g.fields))
	for _, f := range g.fields {
		m[f.Name()] = f
	}
	return m
}

// structField names a node inside a structNode.
type structField struct {
	parquet.Node
	name string
}

func (f *structField) Name() string { return f.name }

// Value is only used by parquet-go's reflection-based row mapping, which
// this package does not use; it looks the field up in a map or struct.
func (f *structField) Value(base reflect.Value) reflect.Value {
	switch base.Kind() {
	case reflect.Map:
		return base.MapIndex(reflect.ValueOf(f.name))
	case reflect.Struct:
		return base.FieldByNameFunc(func(n string) bool { return strings.EqualFold(n, f.name) })
	}
	return reflect.Value{}
}
