package schema

import (
	"fmt"
	"strings"
)

// Kind is the type of a log type's field, as declared in its definition.
type Kind uint8

// The field kinds. KindNull is the kind of a missing or null value.
const (
	KindNull Kind = iota
	KindString
	KindInt    // 32-bit signed integer
	KindBigint // 64-bit signed integer
	KindFloat
	KindBool
	KindTimestamp
	KindIP    // an IPv4 or IPv6 address, kept as its canonical text
	KindArray // a list of Elem
	KindObject
	KindJSON // a free-form object or array kept as JSON text
)

var kindNames = map[Kind]string{
	KindNull: "null", KindString: "string", KindInt: "int", KindBigint: "bigint",
	KindFloat: "float", KindBool: "boolean", KindTimestamp: "timestamp", KindIP: "ip",
	KindArray: "array", KindObject: "object", KindJSON: "json",
}

func (k Kind) String() string { return kindNames[k] }

// Type is a field's full type: its kind, the element type of an array and
// the declared sub-fields of an object.
type Type struct {
	Kind   Kind
	Elem   *Type   // for KindArray
	Fields []Field // for KindObject, in declaration order
}

// String renders t as written in a definition: "array<string>", "object".
func (t Type) String() string {
	if t.Kind == KindArray && t.Elem != nil {
		return "array<" + t.Elem.String() + ">"
	}
	return t.Kind.String()
}

// ParseType reads a type name as written in a definition. Object sub-fields
// are attached by the caller.
func ParseType(s string) (Type, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if strings.HasPrefix(s, "array<") && strings.HasSuffix(s, ">") {
		elem, err := ParseType(s[len("array<") : len(s)-1])
		if err != nil {
			return Type{}, err
		}
		if elem.Kind == KindObject {
			return Type{}, fmt.Errorf("array<object> needs declared fields; use array<json> or an object field with 'fields'")
		}
		return Type{Kind: KindArray, Elem: &elem}, nil
	}
	switch s {
	case "string":
		return Type{Kind: KindString}, nil
	case "int", "integer":
		return Type{Kind: KindInt}, nil
	case "bigint", "long":
		return Type{Kind: KindBigint}, nil
	case "float", "double":
		return Type{Kind: KindFloat}, nil
	case "boolean", "bool":
		return Type{Kind: KindBool}, nil
	case "timestamp":
		return Type{Kind: KindTimestamp}, nil
	case "ip":
		return Type{Kind: KindIP}, nil
	case "object":
		return Type{Kind: KindObject}, nil
	case "json":
		return Type{Kind: KindJSON}, nil
	}
	return Type{}, fmt.Errorf("unknown type %q (want string, int, bigint, float, boolean, timestamp, ip, json, object or array<T>)", s)
}

// Field is one declared field of a log type or of an object field.
type Field struct {
	Name        string // the key in the source record, case preserved
	Column      string // the lake column name: Name lower-cased, as Glue stores it
	Type        Type
	Required    bool
	Description string
	// TimeFormats, for timestamp fields, lists the accepted formats in order;
	// empty means the defaults (RFC 3339 and epoch seconds or milliseconds).
	TimeFormats []string
}

// FieldIndex returns the position of the field named name in fields
// (exact match first, then case-insensitive), or -1.
func FieldIndex(fields []Field, name string) int {
	for i := range fields {
		if fields[i].Name == name {
			return i
		}
	}
	for i := range fields {
		if strings.EqualFold(fields[i].Name, name) {
			return i
		}
	}
	return -1
}
