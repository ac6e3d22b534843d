package firehose

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/schema"
)

func TestAppendRowJSON(t *testing.T) {
	str := schema.Type{Kind: schema.KindString}
	ts := time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)
	obj := schema.Type{Kind: schema.KindObject, Fields: []schema.Field{
		{Column: "a", Type: str},
		{Column: "n", Type: schema.Type{Kind: schema.KindInt}},
	}}
	cols := func(ts ...schema.Type) []schema.Column {
		out := make([]schema.Column, len(ts))
		for i, t := range ts {
			out[i] = schema.Column{Name: string(rune('a' + i)), Type: t}
		}
		return out
	}
	for _, c := range []struct {
		name string
		cols []schema.Column
		row  []schema.Value
		want string
	}{
		{"string", cols(str), []schema.Value{schema.Str("x")}, `{"a":"x"}`},
		{"null left out", cols(str, str), []schema.Value{{}, schema.Str("y")}, `{"b":"y"}`},
		{"short row", cols(str, str), []schema.Value{schema.Str("y")}, `{"a":"y"}`},
		{"empty string kept", cols(str), []schema.Value{schema.Str("")}, `{"a":""}`},
		{"int", cols(schema.Type{Kind: schema.KindInt}), []schema.Value{schema.Int(-7)}, `{"a":-7}`},
		{"bigint", cols(schema.Type{Kind: schema.KindBigint}), []schema.Value{schema.Int(math.MaxInt64)}, `{"a":9223372036854775807}`},
		{"float", cols(schema.Type{Kind: schema.KindFloat}), []schema.Value{schema.Float(1.5e300)}, `{"a":1.5e+300}`},
		{"NaN is null", cols(schema.Type{Kind: schema.KindFloat}), []schema.Value{schema.Float(math.NaN())}, `{}`},
		{"bool", cols(schema.Type{Kind: schema.KindBool}, schema.Type{Kind: schema.KindBool}), []schema.Value{schema.BoolValue(true), schema.BoolValue(false)}, `{"a":true,"b":false}`},
		{"timestamp", cols(schema.Type{Kind: schema.KindTimestamp}), []schema.Value{schema.Time(ts)}, `{"a":"2024-01-02 03:04:05.123456"}`},
		{"timestamp before 1970", cols(schema.Type{Kind: schema.KindTimestamp}), []schema.Value{schema.Time(time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC))}, `{"a":"1969-12-31 23:59:59.999999"}`},
		{"json is a string", cols(schema.Type{Kind: schema.KindJSON}), []schema.Value{schema.JSONText(`{"k":[1]}`)}, `{"a":"{\"k\":[1]}"}`},
		{"ip", cols(schema.Type{Kind: schema.KindIP}), []schema.Value{{Kind: schema.KindIP, S: "::1"}}, `{"a":"::1"}`},
		{"array with null", cols(schema.Type{Kind: schema.KindArray, Elem: &str}), []schema.Value{schema.Array(schema.Str("p"), schema.Value{}, schema.Str("q"))}, `{"a":["p",null,"q"]}`},
		{"empty array", cols(schema.Type{Kind: schema.KindArray, Elem: &str}), []schema.Value{schema.Array()}, `{"a":[]}`},
		{"object", cols(obj), []schema.Value{schema.Object(schema.Str("z"), schema.Int(3))}, `{"a":{"a":"z","n":3}}`},
		{"object with nulls", cols(obj), []schema.Value{schema.Object(schema.Value{})}, `{"a":{}}`},
		{"not an object", cols(obj), []schema.Value{schema.Str("oops")}, `{}`},
		{"escapes", cols(str), []schema.Value{schema.Str("q\"b\\n\n\t\x01\u2028é")}, `{"a":"q\"b\\n\n\t\u0001\u2028é"}`},
		{"invalid utf-8", cols(str), []schema.Value{schema.Str("a\xffb")}, "{\"a\":\"a\uFFFDb\"}"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := string(appendRowJSON(nil, c.cols, c.row))
			if got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("not valid JSON: %s", got)
			}
		})
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", `q"\`, "\x00\x1f\x7f", "é日本🙂", "\xff\xfe", "\u2028\u2029", "a\xc3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := appendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("appendJSONString(%q) = %s: not a JSON string: %v", s, b, err)
		}
		if want := strings.ToValidUTF8(s, "\uFFFD"); back != want {
			t.Fatalf("round trip of %q = %q, want %q", s, back, want)
		}
	})
}
