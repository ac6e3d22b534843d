package firehose

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/streamalert/streamalert/schema"
)

// FirehoseTimeLayout is how timestamps are written in the JSON sent to
// Firehose: "yyyy-MM-dd HH:mm:ss.SSSSSS" in UTC. Firehose's record format
// conversion accepts it for timestamp columns with either deserializer:
// the OpenX JSON SerDe documents "yyyy-[M]M-[d]d HH:mm:ss[.S]" with up to 9
// fraction digits, and the Hive JSON SerDe's default parser is
// java.sql.Timestamp.valueOf, whose format it is (see "Convert input data
// format in Amazon Data Firehose",
// https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion.html).
const FirehoseTimeLayout = "2006-01-02 15:04:05.000000"

// appendRowJSON appends a row of cols as one JSON object whose keys are the
// lower-case column names and whose values have the column types, so that
// Firehose's conversion to Parquet through the Glue table produces the same
// columns as the embedded writer. Null values are left out (a missing key
// reads as null); json columns are JSON strings holding the JSON text, as
// their Glue type is string.
func appendRowJSON(b []byte, cols []schema.Column, row []schema.Value) []byte {
	b = append(b, '{')
	first := true
	for i, c := range cols {
		if i >= len(row) || !hasJSON(c.Type, row[i]) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, c.Name)
		b = append(b, ':')
		b = appendValueJSON(b, c.Type, row[i])
	}
	return append(b, '}')
}

// hasJSON reports whether v is written at all: not null, and not a float
// JSON cannot express.
func hasJSON(t schema.Type, v schema.Value) bool {
	if v.Kind == schema.KindNull {
		return false
	}
	switch t.Kind {
	case schema.KindFloat:
		return !math.IsNaN(v.Float()) && !math.IsInf(v.Float(), 0)
	case schema.KindArray:
		return v.Kind == schema.KindArray
	case schema.KindObject:
		return v.Kind == schema.KindObject
	}
	return true
}

func appendValueJSON(b []byte, t schema.Type, v schema.Value) []byte {
	switch t.Kind {
	case schema.KindString, schema.KindIP, schema.KindJSON:
		return appendJSONString(b, v.S)
	case schema.KindInt:
		return strconv.AppendInt(b, int64(int32(v.I)), 10)
	case schema.KindBigint:
		return strconv.AppendInt(b, v.I, 10)
	case schema.KindFloat:
		return strconv.AppendFloat(b, v.Float(), 'g', -1, 64)
	case schema.KindBool:
		return strconv.AppendBool(b, v.I != 0)
	case schema.KindTimestamp:
		b = append(b, '"')
		b = time.UnixMicro(v.I).UTC().AppendFormat(b, FirehoseTimeLayout)
		return append(b, '"')
	case schema.KindArray:
		b = append(b, '[')
		for i, e := range v.L {
			if i > 0 {
				b = append(b, ',')
			}
			if hasJSON(*t.Elem, e) {
				b = appendValueJSON(b, *t.Elem, e)
			} else {
				b = append(b, "null"...)
			}
		}
		return append(b, ']')
	case schema.KindObject:
		b = append(b, '{')
		first := true
		for i, f := range t.Fields {
			if i >= len(v.L) || !hasJSON(f.Type, v.L[i]) {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendJSONString(b, f.Column)
			b = append(b, ':')
			b = appendValueJSON(b, f.Type, v.L[i])
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as in the Parquet files.
func appendJSONString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		// U+2028 and U+2029 are valid JSON but break JavaScript readers.
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
