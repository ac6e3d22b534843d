package schema

import (
	"math"
	"strconv"
	"time"
)

// Value is one typed value of a record. Its Kind tells which member holds it:
//
//	KindString, KindIP, KindJSON: S
//	KindInt, KindBigint: I
//	KindTimestamp: I (Unix microseconds, UTC)
//	KindBool: I (0 or 1)
//	KindFloat: I (the IEEE 754 bits; read it with Float)
//	KindArray: L (the elements)
//	KindObject: L (aligned with the declared sub-fields; missing ones are KindNull)
//
// The zero Value is null.
type Value struct {
	Kind Kind
	S    string
	I    int64
	L    []Value
}

// Float returns a float value's number (held as its bits in I, which keeps
// Value at 56 bytes: classification allocates one per field of a record).
func (v Value) Float() float64 { return math.Float64frombits(uint64(v.I)) }

// IsNull reports whether v is missing or null.
func (v Value) IsNull() bool { return v.Kind == KindNull }

// Bool returns a boolean value's truth.
func (v Value) Bool() bool { return v.I != 0 }

// Time returns a timestamp value as a time.Time in UTC.
func (v Value) Time() time.Time { return time.UnixMicro(v.I).UTC() }

// Text renders a scalar value as the text a rule compares against: strings
// as they are, numbers in their shortest decimal form, booleans as
// "true"/"false", timestamps as RFC 3339 with nanosecond precision trimmed.
// Arrays and objects render as "".
func (v Value) Text() string {
	switch v.Kind {
	case KindString, KindIP, KindJSON:
		return v.S
	case KindInt, KindBigint:
		return strconv.FormatInt(v.I, 10)
	case KindFloat:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case KindBool:
		if v.I != 0 {
			return "true"
		}
		return "false"
	case KindTimestamp:
		return v.Time().Format(time.RFC3339Nano)
	}
	return ""
}

// Str, Int, Float, Bool, Time build values.
func Str(s string) Value       { return Value{Kind: KindString, S: s} }
func Int(i int64) Value        { return Value{Kind: KindBigint, I: i} }
func Float(f float64) Value    { return Value{Kind: KindFloat, I: int64(math.Float64bits(f))} }
func Time(t time.Time) Value   { return Value{Kind: KindTimestamp, I: t.UnixMicro()} }
func JSONText(s string) Value  { return Value{Kind: KindJSON, S: s} }
func Array(vs ...Value) Value  { return Value{Kind: KindArray, L: vs} }
func Object(vs ...Value) Value { return Value{Kind: KindObject, L: vs} }
func BoolValue(b bool) Value {
	if b {
		return Value{Kind: KindBool, I: 1}
	}
	return Value{Kind: KindBool}
}
