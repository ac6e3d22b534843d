package schema

import (
	"fmt"
	"strings"
	"testing"
)

// oneFieldType builds a log type with one field v of the given type.
func oneFieldType(t *testing.T, typ string, extra string) *LogType {
	t.Helper()
	def := fmt.Sprintf("name: test:coerce\nparser: {type: json}\nfields:\n  - name: v\n    required: true\n    type: %s\n%s", typ, extra)
	types, errs := ParseDefinitions("coerce.yaml", []byte(def))
	if len(errs) > 0 {
		t.Fatalf("%s: %v", def, errs)
	}
	return types[0]
}

// TestCoerce covers every field type: what each accepts, the value it
// gives, and the error it reports (the field is required, so that a wrong
// type refuses the record instead of being demoted to the extras).
func TestCoerce(t *testing.T) {
	cases := []struct {
		typ   string
		extra string // more YAML for the field
		json  string // the value of v
		want  string // rendered value, or "error: reason"
	}{
		{"string", "", `"text"`, `string "text"`},
		{"string", "", `"a\"b\\c\u00e9\n"`, `string "a\"b\\cé\n"`},
		{"string", "", `""`, `string ""`},
		{"string", "", `12.50`, `string "12.50"`},
		{"string", "", `-0`, `string "-0"`},
		{"string", "", `true`, `string "true"`},
		{"string", "", `false`, `string "false"`},
		{"string", "", `null`, `error: field v is required`}, // v is required here, so that type errors refuse
		{"string", "", `{"a":1}`, `error: field v: {"a":1} is not a string`},
		{"string", "", `[1]`, `error: field v: [1] is not a string`},

		{"int", "", `42`, `int 42`},
		{"int", "", `-2147483648`, `int -2147483648`},
		{"int", "", `"17"`, `int 17`},
		{"int", "", `" 17 "`, `int 17`},
		{"int", "", `4.2e1`, `int 42`},
		{"int", "", `"3.0"`, `int 3`},
		{"int", "", `2147483648`, `error: field v: 2147483648 is out of range for int`},
		{"int", "", `1.5`, `error: field v: 1.5 is not an integer`},
		{"int", "", `"seven"`, `error: field v: "seven" is not an integer`},
		{"int", "", `true`, `error: field v: true is not an integer`},
		{"int", "", `[1]`, `error: field v: [1] is not an integer`},
		{"bigint", "", `9223372036854775807`, `bigint 9223372036854775807`},
		{"bigint", "", `"-9007199254740993"`, `bigint -9007199254740993`},
		{"bigint", "", `9223372036854775808`, `error: field v: 9223372036854775808 is not an integer`},

		{"float", "", `1.25`, `float 1.25`},
		{"float", "", `-3`, `float -3`},
		{"float", "", `"6.02e23"`, `float 6.02e+23`},
		{"float", "", `"abc"`, `error: field v: "abc" is not a number`},
		{"float", "", `{}`, `error: field v: {} is not a number`},

		{"boolean", "", `true`, `boolean true`},
		{"boolean", "", `false`, `boolean false`},
		{"boolean", "", `"True"`, `boolean true`},
		{"boolean", "", `"FALSE"`, `boolean false`},
		{"boolean", "", `"yes"`, `error: field v: "yes" is not a boolean`},
		{"boolean", "", `1`, `error: field v: 1 is not a boolean`},

		{"timestamp", "", `"2024-07-30T21:53:13Z"`, `timestamp 2024-07-30T21:53:13Z`},
		{"timestamp", "", `1722376393`, `timestamp 2024-07-30T21:53:13Z`},
		{"timestamp", "", `"yesterday"`, `error: field v: "yesterday" is not a timestamp`},
		{"timestamp", "", `true`, `error: field v: true is not a timestamp`},
		{"timestamp", "    formats: [unix_ms]\n", `"1722376393123"`, `timestamp 2024-07-30T21:53:13.123Z`},
		{"timestamp", "    formats: [clf]\n", `1722376393`, `error: field v: 1722376393 is not a timestamp (formats: clf)`},

		{"ip", "", `"192.0.2.1"`, `ip "192.0.2.1"`},
		{"ip", "", `"2001:0DB8:0000::0001"`, `ip "2001:db8::1"`},
		{"ip", "", `" 192.0.2.1 "`, `ip "192.0.2.1"`},
		{"ip", "", `"192.0.2.256"`, `error: field v: "192.0.2.256" is not an IP address`},
		{"ip", "", `"ec2.amazonaws.com"`, `error: field v: "ec2.amazonaws.com" is not an IP address`},
		{"ip", "", `3232235777`, `error: field v: 3232235777 is not an IP address`},

		{"array<string>", "", `["a",null,"b"]`, `[string "a", null, string "b"]`},
		{"array<string>", "", `[]`, `[]`},
		{"array<string>", "", `"lone"`, `[string "lone"]`},
		{"array<string>", "", `[{"a":1}]`, `error: field v[0]: {"a":1} is not a string`},
		{"array<string>", "", `{"a":1}`, `error: field v: {"a":1} is not an array`},
		{"array<int>", "", `[1,"2",3.0]`, `[int 1, int 2, int 3]`},
		{"array<int>", "", `[1,"two"]`, `error: field v[1]: "two" is not an integer`},
		{"array<array<int>>", "", `[[1],[2,3],[]]`, `[[int 1], [int 2, int 3], []]`},
		{"array<array<int>>", "", `[1]`, `[[int 1]]`},
		{"array<array<int>>", "", `1`, `error: field v: 1 is not an array`},
		{"array<timestamp>", "    formats: [unix]\n", `[1722376393, "1722376394"]`, `[timestamp 2024-07-30T21:53:13Z, timestamp 2024-07-30T21:53:14Z]`},
		{"array<json>", "", `[{"a":1},[2],"s",3]`, `[json "{\"a\":1}", json "[2]", json "\"s\"", json "3"]`},
		{"array<json>", "", `{"a":1}`, `[json "{\"a\":1}"]`},

		{"json", "", `{"b": [1, {"c": "\u0041"}], "a": null}`, `json "{\"b\":[1,{\"c\":\"A\"}],\"a\":null}"`},
		{"json", "", `[]`, `json "[]"`},
		{"json", "", `"text"`, `json "\"text\""`},
		{"json", "", `12`, `json "12"`},

		{"object", "    fields:\n      - {name: a}\n      - {name: n, type: int, required: true}\n", `{"n":"5","a":"x"}`, `object {a: string "x", n: int 5}`},
		{"object", "    fields:\n      - {name: a}\n      - {name: n, type: int, required: true}\n", `{"a":"x"}`, `error: field v.n is required`},
		{"object", "    fields:\n      - {name: a}\n", `"flat"`, `error: field v: "flat" is not an object`},
		{"object", "    fields:\n      - {name: a, type: object, required: true, fields: [{name: b, type: boolean, required: true}]}\n", `{"a":{"b":"maybe"}}`, `error: field v.a.b: "maybe" is not a boolean`},
		// A field that does not identify the type (not required, not on a
		// log_patterns or event_time path) keeps the record: see TestCoerce_Demoted.
		{"object", "    fields:\n      - {name: a, type: object, fields: [{name: b, type: boolean}]}\n", `{"a":{"b":"maybe"}}`, `object {a: object {}}`},
	}
	for _, c := range cases {
		name := c.typ + " " + c.json
		t.Run(name, func(t *testing.T) {
			lt := oneFieldType(t, c.typ, c.extra)
			reg, _ := NewRegistry([]*LogType{lt})
			res := classifyWith(t, NewClassifier(reg), []byte(`{"v":`+c.json+`}`))
			var got string
			switch {
			case len(res.recs) == 1 && len(res.uncs) == 0:
				checkRecord(t, res.recs[0])
				got = renderCoerced(lt.Fields[0].Type, res.recs[0].Values[0])
			case len(res.uncs) == 1 && len(res.recs) == 0:
				got = "error: " + strings.TrimPrefix(res.uncs[0].Reason, "test:coerce: ")
			default:
				t.Fatalf("got %s", res.render())
			}
			if got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// renderCoerced is renderValue with object members inline.
func renderCoerced(t Type, v Value) string {
	if v.Kind != KindObject {
		return renderValue(t, v)
	}
	var parts []string
	for i, f := range t.Fields {
		if !v.L[i].IsNull() {
			parts = append(parts, f.Name+": "+renderCoerced(f.Type, v.L[i]))
		}
	}
	return "object {" + strings.Join(parts, ", ") + "}"
}

// TestCoerce_Extras: undeclared keys are kept, nested where they were;
// nulls are dropped; keys match case-insensitively when no exact key does.
func TestCoerce_Extras(t *testing.T) {
	lt := oneFieldType(t, "object", "    fields:\n      - {name: a}\n      - {name: o, type: object, fields: [{name: x}]}\n")
	reg, _ := NewRegistry([]*LogType{lt})
	cases := []struct {
		record string
		value  string
		extras string
	}{
		{`{"v":{"a":"1"}}`, `object {a: string "1"}`, ``},
		{`{"v":{"a":"1"},"top":{"k":[1]},"gone":null}`, `object {a: string "1"}`, `{"top":{"k":[1]}}`},
		{`{"v":{"a":"1","b":2,"o":{"x":"y","z":3}}}`, `object {a: string "1", o: object {x: string "y"}}`, `{"v":{"b":2,"o":{"z":3}}}`},
		{`{"V":{"A":"1"}}`, `object {a: string "1"}`, ``},
		{`{"V":{"a":"folded"},"v":{"a":"exact"}}`, `object {a: string "exact"}`, `{"V":{"a":"folded"}}`},
		{`{"v":{"a":"first","a":"second"}}`, `object {a: string "first"}`, ``},
		{`{"v":{"a":"1","o":{"x":"y"}},"v2":"\"q\""}`, `object {a: string "1", o: object {x: string "y"}}`, `{"v2":"\"q\""}`},
	}
	for _, c := range cases {
		res := classifyWith(t, NewClassifier(reg), []byte(c.record))
		if len(res.recs) != 1 {
			t.Errorf("%s: got %s", c.record, res.render())
			continue
		}
		r := res.recs[0]
		checkRecord(t, r)
		if got := renderCoerced(lt.Fields[0].Type, r.Values[0]); got != c.value {
			t.Errorf("%s: value %s, want %s", c.record, got, c.value)
		}
		if r.Extras != c.extras {
			t.Errorf("%s: extras %s, want %s", c.record, r.Extras, c.extras)
		}
	}
}

// TestCoerce_Strict: a strict type refuses undeclared keys at any depth,
// naming the key, and takes null ones.
func TestCoerce_Strict(t *testing.T) {
	lt := oneFieldType(t, "object", "    fields:\n      - {name: a}\nstrict: true\n")
	reg, _ := NewRegistry([]*LogType{lt})
	cases := []struct{ record, want string }{
		{`{"v":{"a":"1"},"x":null}`, ``},
		{`{"v":{"a":"1"},"x":1}`, `test:coerce: key "x" is not declared (the log type is strict)`},
		{`{"v":{"a":"1","deep":true}}`, `test:coerce: key "v.deep" is not declared (the log type is strict)`},
	}
	for _, c := range cases {
		res := classifyWith(t, NewClassifier(reg), []byte(c.record))
		got := ""
		if len(res.uncs) == 1 {
			got = res.uncs[0].Reason
		} else if len(res.recs) != 1 {
			t.Fatalf("%s: got %s", c.record, res.render())
		}
		if got != c.want {
			t.Errorf("%s: reason %q, want %q", c.record, got, c.want)
		}
	}
}

// BenchmarkCoerceRecord measures coercion alone on a CloudTrail record.
func BenchmarkCoerceRecord(b *testing.B) {
	recs := cloudTrailFixtureRecords(b)
	lt := Builtin().Get("cloudtrail:events")
	c := NewClassifier(Builtin())
	cd := c.candidate(lt)
	doc, err := c.docs[0].ParseBytes(recs[1])
	if err != nil {
		b.Fatal(err)
	}
	o, _ := doc.Object()
	b.SetBytes(int64(len(recs[1])))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c.co.reset(cd.schema, false, testIngestTime)
		if _, _, ok := c.co.record(cd.schema, o); !ok {
			b.Fatal(c.co.fail.msg)
		}
	}
}

// TestCoerce_Demoted: a wrong-typed value in a field that does not identify
// the log type keeps the record, with the field null, the value as written
// in the extras under its key, and the record's Demoted count; required,
// log_patterns and event_time fields, and strict types, still refuse it.
func TestCoerce_Demoted(t *testing.T) {
	def := `name: test:demote
parser: {type: json}
event_time: when
fields:
  - {name: kind, required: true}
  - {name: tag}
  - {name: when, type: timestamp}
  - {name: n, type: int}
  - {name: ok, type: boolean}
  - {name: obj, type: object, fields: [{name: port, type: int}, {name: name}]}
  - {name: list, type: array<int>}
log_patterns:
  tag: "t*"
`
	cases := []struct {
		record, extras string
		demoted        int
		reason         string
	}{
		{`{"kind":"k","tag":"t1","n":"seven","ok":true}`, `{"n":"seven"}`, 1, ""},
		{`{"kind":"k","tag":"t1","n":1,"obj":{"port":"http","name":"x"},"list":[1,"two"]}`, `{"list":[1,"two"],"obj":{"port":"http"}}`, 2, ""},
		{`{"kind":"k","tag":"t1","obj":"flat","zz":1}`, `{"obj":"flat","zz":1}`, 1, ""},
		{`{"kind":"k","tag":"t1","ok":"maybe","n":2.5}`, `{"ok":"maybe","n":2.5}`, 2, ""},
		{`{"kind":["k"],"tag":"t1"}`, "", 0, `test:demote: field kind: ["k"] is not a string`},
		{`{"kind":"k","tag":["t1"]}`, "", 0, `test:demote: field tag is an array (log_patterns wants "t*")`},
		{`{"kind":"k","tag":"t1","when":"soon"}`, "", 0, `test:demote: field when: "soon" is not a timestamp`},
	}
	lts, errs := ParseDefinitions("demote.yaml", []byte(def))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	reg, err := NewRegistry(lts)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		res := classifyWith(t, NewClassifier(reg), []byte(c.record), lts[0])
		if c.reason != "" {
			if len(res.uncs) != 1 || res.uncs[0].Reason != c.reason {
				t.Errorf("%s: got %s, want unclassified: %s", c.record, res.render(), c.reason)
			}
			continue
		}
		if len(res.recs) != 1 {
			t.Fatalf("%s: got %s", c.record, res.render())
		}
		r := res.recs[0]
		checkRecord(t, r)
		if r.Extras != c.extras || r.Demoted != c.demoted || string(r.Raw) != c.record {
			t.Errorf("%s: extras %s, demoted %d, raw %s; want %s, %d", c.record, r.Extras, r.Demoted, r.Raw, c.extras, c.demoted)
		}
	}
	strict := strings.Replace(def, "parser: {type: json}", "parser: {type: json}\nstrict: true", 1)
	lts, errs = ParseDefinitions("strict.yaml", []byte(strict))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	res := classifyWith(t, NewClassifier(nil), []byte(`{"kind":"k","tag":"t1","n":"seven"}`), lts[0])
	if len(res.uncs) != 1 {
		t.Errorf("strict type: got %s, want the record refused", res.render())
	}
}
