package schema

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fastjson"
)

// testIngestTime is the ingest time of every test classification.
var testIngestTime = time.Date(2024, 8, 1, 12, 0, 0, 0, time.UTC)

// updateGolden reports whether golden files are to be rewritten: go test
// -update (the flag is defined by the package's external tests, which share
// the test binary) or UPDATE_GOLDEN=1.
func updateGolden() bool {
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		return true
	}
	return os.Getenv("UPDATE_GOLDEN") == "1"
}

// testRegistry holds the test types of testdata/classify/types.yaml and the
// built-in cloudtrail:events and cloudwatch:events, so that these tests do
// not depend on the other built-in definitions.
func testRegistry(t testing.TB) *Registry {
	t.Helper()
	const file = "testdata/classify/types.yaml"
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	types, errs := ParseDefinitions(file, data)
	if len(errs) > 0 {
		t.Fatalf("%s: %v", file, errs)
	}
	for _, lt := range types {
		if lt.Name == "test:typed" {
			// A path into array<json> elements: the loader's lookupField
			// does not accept it yet, normalization does.
			lt.Normalize = append(lt.Normalize, NormalizeRule{Type: "domain", Path: []string{"items", "host"}})
			sortRules(lt.Normalize)
		}
	}
	for _, name := range []string{"cloudtrail:events", "cloudwatch:events"} {
		lt := Builtin().Get(name)
		if lt == nil {
			t.Fatalf("no built-in %s", name)
		}
		types = append(types, lt)
	}
	reg, err := NewRegistry(types)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func sortRules(rs []NormalizeRule) {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Type < rs[j].Type })
}

// results is what one Classify call produced, in order.
type results struct {
	recs []*Record
	uncs []*Unclassified
	all  []any
}

func classifyWith(t testing.TB, c *Classifier, payload []byte, types ...*LogType) results {
	t.Helper()
	var res results
	err := c.Classify(payload, Input{Source: "test", Types: types, IngestTime: testIngestTime},
		func(r *Record) { res.recs = append(res.recs, r); res.all = append(res.all, r) },
		func(u *Unclassified) { res.uncs = append(res.uncs, u); res.all = append(res.all, u) })
	if err != nil {
		t.Fatalf("Classify: %v", err)
	}
	return res
}

// typesNamed picks types of reg by name.
func typesNamed(t testing.TB, reg *Registry, names ...string) []*LogType {
	t.Helper()
	var out []*LogType
	for _, n := range names {
		lt := reg.Get(n)
		if lt == nil {
			t.Fatalf("no log type %s", n)
		}
		out = append(out, lt)
	}
	return out
}

// render writes results as readable text for golden files.
func (res results) render() string {
	var b strings.Builder
	for _, x := range res.all {
		switch x := x.(type) {
		case *Record:
			renderRecord(&b, x)
		case *Unclassified:
			fmt.Fprintf(&b, "UNCLASSIFIED id=%s source=%s\n  reason: %s\n  raw: %s\n", x.ID, x.Source, x.Reason, clip(x.Raw, 300))
		}
	}
	return b.String()
}

func renderRecord(b *strings.Builder, r *Record) {
	fmt.Fprintf(b, "RECORD %s id=%s source=%s event_time=%s\n", r.LogType.Name, r.ID, r.Source, r.EventTime.Format(time.RFC3339Nano))
	renderValues(b, "  ", r.LogType.Fields, r.Values)
	if r.Extras != "" {
		fmt.Fprintf(b, "  (extras) %s\n", r.Extras)
	}
	if r.Demoted > 0 {
		fmt.Fprintf(b, "  (demoted) %d wrong-typed value(s) kept in the extras\n", r.Demoted)
	}
	types := make([]string, 0, len(r.Normalized))
	for k := range r.Normalized {
		types = append(types, k)
	}
	sort.Strings(types)
	for _, k := range types {
		fmt.Fprintf(b, "  (normalized) %s: %s\n", k, strings.Join(quoteAll(r.Normalized[k]), " "))
	}
	fmt.Fprintf(b, "  raw: %s\n", clip(r.Raw, 300))
}

func renderValues(b *strings.Builder, indent string, fields []Field, vals []Value) {
	for i, f := range fields {
		if vals[i].IsNull() {
			continue
		}
		fmt.Fprintf(b, "%s%s: %s\n", indent, f.Name, renderValue(f.Type, vals[i]))
		if vals[i].Kind == KindObject {
			renderValues(b, indent+"  ", f.Type.Fields, vals[i].L)
		}
	}
}

func renderValue(t Type, v Value) string {
	switch v.Kind {
	case KindNull:
		return "null"
	case KindString, KindIP, KindJSON:
		return v.Kind.String() + " " + strconv.Quote(v.S)
	case KindObject:
		return "object"
	case KindArray:
		elem := Type{Kind: KindString}
		if t.Elem != nil {
			elem = *t.Elem
		}
		parts := make([]string, len(v.L))
		for i, e := range v.L {
			parts[i] = renderValue(elem, e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return v.Kind.String() + " " + v.Text()
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

func clip(b []byte, n int) string {
	if len(b) > n {
		return strconv.Quote(string(b[:n])) + fmt.Sprintf("… (%d bytes)", len(b))
	}
	return strconv.Quote(string(b))
}

// checkRecord verifies what every Record must satisfy.
func checkRecord(t testing.TB, r *Record) {
	t.Helper()
	if r.ID != RecordID(r.LogType.Name, r.Raw) {
		t.Errorf("%s: id %s is not RecordID of its raw bytes", r.LogType.Name, r.ID)
	}
	if len(r.Values) != len(r.LogType.Fields) {
		t.Errorf("%s: %d values for %d fields", r.LogType.Name, len(r.Values), len(r.LogType.Fields))
	}
	if r.Extras != "" && !json.Valid([]byte(r.Extras)) {
		t.Errorf("%s: extras are not JSON: %s", r.LogType.Name, r.Extras)
	}
	if r.LogType.Parser.Type == "json" && !json.Valid(r.Raw) {
		t.Errorf("%s: raw is not JSON: %s", r.LogType.Name, clip(r.Raw, 200))
	}
	checkValues(t, r.LogType.Name, r.LogType.Fields, r.Values)
}

func checkValues(t testing.TB, where string, fields []Field, vals []Value) {
	t.Helper()
	for i, f := range fields {
		v := vals[i]
		if v.IsNull() {
			continue
		}
		want := f.Type.Kind
		if v.Kind != want {
			t.Errorf("%s.%s: value of kind %s, declared %s", where, f.Name, v.Kind, f.Type)
			continue
		}
		switch v.Kind {
		case KindObject:
			if len(v.L) != len(f.Type.Fields) {
				t.Errorf("%s.%s: %d values for %d sub-fields", where, f.Name, len(v.L), len(f.Type.Fields))
				continue
			}
			checkValues(t, where+"."+f.Name, f.Type.Fields, v.L)
		case KindJSON:
			if !json.Valid([]byte(v.S)) {
				t.Errorf("%s.%s: json value is not JSON: %q", where, f.Name, v.S)
			}
		}
	}
}

// TestClassify_Golden classifies each payload of testdata/classify/cases
// against the test registry (every type) and compares the rendered results
// with the .golden file beside it.
func TestClassify_Golden(t *testing.T) {
	reg := testRegistry(t)
	inputs, err := filepath.Glob("testdata/classify/cases/*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, in := range inputs {
		if strings.HasSuffix(in, ".golden") {
			continue
		}
		n++
		name := filepath.Base(in)
		t.Run(name, func(t *testing.T) {
			payload, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			res := classifyWith(t, NewClassifier(reg), payload)
			for _, r := range res.recs {
				checkRecord(t, r)
			}
			for _, u := range res.uncs {
				if u.Reason == "" || u.Source != "test" || !u.IngestTime.Equal(testIngestTime) {
					t.Errorf("unclassified record without reason, source or ingest time: %+v", u)
				}
			}
			got := res.render()
			golden := in + ".golden"
			if updateGolden() {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (UPDATE_GOLDEN=1 go test ./schema/ -run TestClassify_Golden writes it)", err)
			}
			if got != string(want) {
				t.Errorf("results differ from %s:\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
	if n < 10 {
		t.Errorf("only %d golden cases", n)
	}
}

// TestClassify_StratusCorpus classifies the Stratus Red Team CloudTrail
// files (35 JSON files beside their LICENSE) against every built-in type:
// all 310 events are cloudtrail:events, none is unclassified.
func TestClassify_StratusCorpus(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "corpus", "cloudtrail", "stratus")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		if _, err := os.Stat(dir); os.IsNotExist(err) && os.Getenv("CI") != "true" {
			t.Skipf("corpus %s is not here", dir)
		}
		t.Fatalf("no corpus files in %s", dir)
	}
	c := NewClassifier(Builtin())
	total, unclassified := 0, 0
	for _, f := range files {
		payload, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var events []json.RawMessage
		if err := json.Unmarshal(payload, &events); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		res := classifyWith(t, c, payload)
		for _, r := range res.recs {
			if r.LogType.Name != "cloudtrail:events" {
				t.Errorf("%s: record classified as %s", filepath.Base(f), r.LogType.Name)
			}
			checkRecord(t, r)
		}
		for _, u := range res.uncs {
			t.Errorf("%s: unclassified: %s", filepath.Base(f), u.Reason)
		}
		if len(res.recs) != len(events) {
			t.Errorf("%s: %d records for %d events", filepath.Base(f), len(res.recs), len(events))
		}
		total += len(res.recs)
		unclassified += len(res.uncs)
	}
	if total != 310 || unclassified != 0 {
		t.Errorf("%d cloudtrail:events and %d unclassified, want 310 and 0", total, unclassified)
	}
}

// TestClassify_CloudTrailValues checks typed values of one fixture event.
func TestClassify_CloudTrailValues(t *testing.T) {
	payload, err := os.ReadFile("testdata/classify/cloudtrail/aws.defense-evasion.organizations-leave.json")
	if err != nil {
		t.Fatal(err)
	}
	res := classifyWith(t, NewClassifier(testRegistry(t)), payload)
	if len(res.recs) != 3 || len(res.uncs) != 0 {
		t.Fatalf("%d records, %d unclassified; want 3 and 0", len(res.recs), len(res.uncs))
	}
	var r *Record
	for _, rec := range res.recs {
		if rec.Get("eventName").S == "LeaveOrganization" {
			r = rec
		}
	}
	if r == nil {
		t.Fatal("no LeaveOrganization event")
	}
	checks := []struct {
		path []string
		want string
	}{
		{[]string{"eventTime"}, "2024-08-02T08:30:00Z"},
		{[]string{"readOnly"}, "false"},
		{[]string{"errorCode"}, "AccessDenied"},
		{[]string{"userIdentity", "type"}, "AssumedRole"},
		{[]string{"userIdentity", "sessionContext", "attributes", "mfaAuthenticated"}, "false"},
		{[]string{"userIdentity", "sessionContext", "attributes", "creationDate"}, "2024-08-02T08:30:00Z"},
		{[]string{"userIdentity", "sessionContext", "sessionIssuer", "type"}, "Role"},
		{[]string{"tlsDetails", "tlsVersion"}, "TLSv1.3"},
	}
	for _, c := range checks {
		if got := r.Get(c.path...).Text(); got != c.want {
			t.Errorf("%s = %q, want %q", strings.Join(c.path, "."), got, c.want)
		}
	}
	if !r.EventTime.Equal(time.Date(2024, 8, 2, 8, 30, 0, 0, time.UTC)) {
		t.Errorf("event time %v", r.EventTime)
	}
	if got := res.recs[0].Get("resources"); got.Kind != KindArray || len(got.L) != 1 || got.L[0].Kind != KindJSON {
		t.Errorf("resources = %+v, want an array of one json value", got)
	}
	if got := r.Normalized["username"]; len(got) != 1 || got[0] != "stratus-red-team-leave-org-role" {
		t.Errorf("username %q, want the session issuer", got)
	}
	if acct := r.Normalized["aws_account_id"]; len(acct) == 0 {
		t.Errorf("no aws_account_id normalized: %v", r.Normalized)
	}
}

// TestClassify_Priority: candidates are tried by priority whatever their
// order in Input.Types, and the first that accepts a record wins it.
func TestClassify_Priority(t *testing.T) {
	reg := testRegistry(t)
	high, low := reg.Get("test:high"), reg.Get("test:low")
	cases := []struct {
		record string
		want   string
	}{
		{`{"kind":"prio","level":3}`, "test:high"},
		{`{"kind":"prio","level":"3"}`, "test:high"},
		{`{"kind":"prio","level":"three"}`, "test:low"}, // high cannot coerce level
		{`{"kind":"prio"}`, "test:low"},                 // high requires level
	}
	for _, order := range [][]*LogType{{high, low}, {low, high}} {
		for _, c := range cases {
			res := classifyWith(t, NewClassifier(reg), []byte(c.record), order...)
			if len(res.recs) != 1 || res.recs[0].LogType.Name != c.want {
				t.Errorf("%s with types %s, %s: got %s, want %s", c.record, order[0].Name, order[1].Name, res.render(), c.want)
			}
		}
	}
}

// TestClassify_ClosestReason: an unclassified record names the candidates
// that came closest, each with its refusal: most identifying keys present
// (log_patterns keys with a matching value, required fields) first, then
// coercion > required > pattern > parse, then priority.
func TestClassify_ClosestReason(t *testing.T) {
	reg := testRegistry(t)
	cases := []struct {
		name   string
		record string
		types  []string
		want   string
	}{
		{"coercion beats pattern", `{"kind":"prio","level":"x"}`, []string{"test:typed", "test:high"},
			`test:high: field level: "x" is not an integer (2 of 2 identifying keys)`},
		{"required beats pattern", `{"kind":"typed"}`, []string{"test:typed", "test:high"},
			`test:typed: field s is required (1 of 2 identifying keys)`},
		{"pattern beats parse", `{"kind":"other"}`, []string{"test:text", "test:strict"},
			`none of the 2 log types tried finds its identifying keys in it; nearest: test:strict: field kind: "other" does not match "strict"; also close: test:text: regex: line "{\"kind\":\"other\"}" does not match the pattern`},
		{"text candidates on JSON", `{"kind":"other"}`, []string{"test:text"},
			`test:text: regex: line "{\"kind\":\"other\"}" does not match the pattern`},
		{"json candidates on text", `hello world`, []string{"test:typed"}, `test:typed: not JSON`},
		{"tie goes to priority", `{"x":1}`, []string{"test:strict", "test:high"},
			`none of the 2 log types tried finds its identifying keys in it; nearest: test:strict: field kind is missing (log_patterns wants "strict"); also close: test:high: field kind is missing (log_patterns wants "prio*")`},
		{"cloudtrail example", `{"eventVersion":"1.08","eventTime":"yesterday","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1"}`,
			[]string{"cloudtrail:events", "cloudwatch:events"}, `cloudtrail:events: field eventTime: "yesterday" is not a timestamp (5 of 5 identifying keys)`},
		{"most identifying keys first", `{"eventVersion":"1.08","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","version":"0","id":"x"}`,
			[]string{"cloudwatch:events", "cloudtrail:events"}, `cloudtrail:events: field eventTime is required (4 of 5 identifying keys); also close: cloudwatch:events: field detail-type is required (2 of 8 identifying keys)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := classifyWith(t, NewClassifier(reg), []byte(c.record), typesNamed(t, reg, c.types...)...)
			if len(res.recs) != 0 || len(res.uncs) != 1 {
				t.Fatalf("got %s", res.render())
			}
			if res.uncs[0].Reason != c.want {
				t.Errorf("reason %q\n          want %q", res.uncs[0].Reason, c.want)
			}
			if string(res.uncs[0].Raw) != c.record {
				t.Errorf("raw %q, want the record", res.uncs[0].Raw)
			}
		})
	}
}

// TestClassify_EnvelopePerRecord: each record of an envelope is settled on
// its own, and a bad one does not take the others with it.
func TestClassify_EnvelopePerRecord(t *testing.T) {
	reg := testRegistry(t)
	good := `{"eventVersion":"1.08","eventTime":"2024-07-30T10:00:00Z","eventSource":"iam.amazonaws.com","eventName":"ListUsers","awsRegion":"us-east-1"}`
	bad := strings.Replace(good, "2024-07-30T10:00:00Z", "yesterday", 1)
	other := `{"kind":"prio","level":1}`
	payload := `{"Records":[` + good + `,` + bad + `,` + good + `,` + other + `,42]}`
	res := classifyWith(t, NewClassifier(reg), []byte(payload))
	var names []string
	for _, r := range res.recs {
		names = append(names, r.LogType.Name)
		checkRecord(t, r)
	}
	if want := "cloudtrail:events cloudtrail:events test:high"; strings.Join(names, " ") != want {
		t.Errorf("records %q, want %q", strings.Join(names, " "), want)
	}
	if len(res.uncs) != 2 {
		t.Fatalf("%d unclassified, want 2:\n%s", len(res.uncs), res.render())
	}
	if got, want := res.uncs[0].Reason, `cloudtrail:events: field eventTime: "yesterday" is not a timestamp`; got != want {
		t.Errorf("reason %q, want %q", got, want)
	}
	if string(res.uncs[0].Raw) != bad {
		t.Errorf("raw %s, want the bad record", res.uncs[0].Raw)
	}
	if got, want := res.uncs[1].Reason, "cloudtrail:events: record 4 is a number, not an object"; got != want {
		t.Errorf("reason %q, want %q", got, want)
	}
	if string(res.uncs[1].Raw) != "42" {
		t.Errorf("raw %q, want 42", res.uncs[1].Raw)
	}
}

// TestClassify_SameRecordSameID: a CloudTrail event has one id whether it
// comes in an S3 log file, as a JSON line, pretty-printed, in a CloudWatch
// Logs subscription or as an EventBridge event's detail.
func TestClassify_SameRecordSameID(t *testing.T) {
	reg := testRegistry(t)
	event := cloudTrailFixtureRecords(t)[0]
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, event, "", "    "); err != nil {
		t.Fatal(err)
	}
	quoted, _ := json.Marshal(string(event))
	payloads := map[string]string{
		"s3 file":     `{"Records":[` + string(event) + `]}`,
		"json line":   string(event) + "\n",
		"pretty":      pretty.String(),
		"array":       "[\n" + pretty.String() + "\n]",
		"cwl":         `{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"logEvents":[{"id":"1","timestamp":1,"message":` + string(quoted) + `}]}`,
		"eventbridge": `{"version":"0","id":"x","detail-type":"AWS API Call via CloudTrail","source":"aws.iam","account":"1","time":"2024-07-30T10:00:00Z","region":"us-east-1","resources":[],"detail":` + string(event) + `}`,
	}
	ids := map[string]string{}
	for name, p := range payloads {
		res := classifyWith(t, NewClassifier(reg), []byte(p))
		if len(res.recs) != 1 || len(res.uncs) != 0 || res.recs[0].LogType.Name != "cloudtrail:events" {
			t.Errorf("%s: got %s", name, res.render())
			continue
		}
		ids[res.recs[0].ID] = name
		if !bytes.Equal(res.recs[0].Raw, event) {
			t.Errorf("%s: raw is not the compact event:\n%s\n%s", name, res.recs[0].Raw, event)
		}
	}
	if len(ids) != 1 {
		t.Errorf("ids differ by delivery: %v", ids)
	}
}

// TestClassify_Compressed: gzip (also multi-member) and zlib payloads give
// the same results as the plain payload.
func TestClassify_Compressed(t *testing.T) {
	reg := testRegistry(t)
	plain, lines := benchPayloads(t, 20)
	for _, p := range [][]byte{plain, lines} {
		want := classifyWith(t, NewClassifier(reg), p).render()
		var gz, gz2, zl bytes.Buffer
		w := gzip.NewWriter(&gz)
		w.Write(p)
		w.Close()
		half := len(p) / 2
		for _, part := range [][]byte{p[:half], p[half:]} {
			w := gzip.NewWriter(&gz2)
			w.Write(part)
			w.Close()
		}
		z := zlib.NewWriter(&zl)
		z.Write(p)
		z.Close()
		for name, c := range map[string][]byte{"gzip": gz.Bytes(), "gzip members": gz2.Bytes(), "zlib": zl.Bytes()} {
			got := classifyWith(t, NewClassifier(reg), c).render()
			if got != want {
				t.Errorf("%s payload: results differ from the plain payload", name)
			}
		}
	}
}

// TestClassify_Garbage: bad payloads become Unclassified records with a
// clear reason; nothing panics and nothing is dropped.
func TestClassify_Garbage(t *testing.T) {
	reg := testRegistry(t)
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(bytes.Repeat([]byte(`{"kind":"prio","level":1}`+"\n"), 100))
	w.Close()
	truncated := gz.Bytes()[:gz.Len()/2]
	binary := make([]byte, 512)
	for i := range binary {
		binary[i] = byte(i * 7)
	}
	hugeText := bytes.Repeat([]byte("a"), DefaultMaxRecordBytes+1)
	hugeJSON := []byte(`{"kind":"typed","s":"` + strings.Repeat("b", DefaultMaxRecordBytes) + `"}`)
	cases := []struct {
		name    string
		payload []byte
		n       int    // unclassified records
		reason  string // of the first
	}{
		{"truncated gzip", truncated, 1, "gzip payload is truncated (in member 1)"},
		{"binary", binary, 1, "payload is binary data, not text, JSON, gzip or zlib"},
		{"broken document", []byte("{\n  \"kind\": \"prio\",\n  \"level\": 1\n"), 1, "payload is not valid JSON: "},
		{"10 MB text line", hugeText, 1, fmt.Sprintf("record is %d bytes, limit %d", len(hugeText), DefaultMaxRecordBytes)},
		{"10 MB JSON record", hugeJSON, 1, fmt.Sprintf("record is %d bytes, limit %d", len(hugeJSON), DefaultMaxRecordBytes)},
		{"JSON lines with a broken line", []byte("{\"kind\":\"prio\",\"level\":1}\n{\"kind\":\n{\"kind\":\"prio\",\"level\":2}\n"), 1, "cloudtrail:events: not JSON: "},
		{"wrong-typed field", []byte(`{"kind":"typed","s":"x","ts":true}`), 1, "test:typed: field ts: true is not a timestamp"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := classifyWith(t, NewClassifier(reg), c.payload)
			if len(res.uncs) != c.n {
				t.Fatalf("%d unclassified, want %d:\n%.2000s", len(res.uncs), c.n, res.render())
			}
			if !strings.HasPrefix(res.uncs[0].Reason, c.reason) {
				t.Errorf("reason %q, want it to start with %q", res.uncs[0].Reason, c.reason)
			}
			if len(res.uncs[0].Raw) == 0 {
				t.Errorf("unclassified record without its bytes")
			}
		})
	}
}

// TestClassify_MaxRecordBytes: the limit is configurable and applies to
// lines before parsing and to envelope records after.
func TestClassify_MaxRecordBytes(t *testing.T) {
	reg := testRegistry(t)
	c := NewClassifier(reg)
	c.MaxRecordBytes = 30
	short := `{"kind":"prio","level":1}`
	long := `{"kind":"prio","level":1,"pad":"xxxxxxxxxxxxxxxx"}`
	res := classifyWith(t, c, []byte(short+"\n"+long+"\n"))
	if len(res.recs) != 1 || len(res.uncs) != 1 || res.uncs[0].Reason != fmt.Sprintf("record is %d bytes, limit 30", len(long)) {
		t.Errorf("lines: got %s", res.render())
	}
	res = classifyWith(t, c, []byte(`[`+short+`,`+long+`]`))
	if len(res.recs) != 1 || len(res.uncs) != 1 || !strings.HasPrefix(res.uncs[0].Reason, "record is ") {
		t.Errorf("envelope: got %s", res.render())
	}
}

// TestClassify_CloudWatchLogs: subscription payloads are unwrapped; each
// message is classified as JSON or text and sees the subscription's keys.
func TestClassify_CloudWatchLogs(t *testing.T) {
	reg := testRegistry(t)
	payload := `{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"/app/auth","logStream":"i-1","subscriptionFilters":["all"],"logEvents":[
		{"id":"1","timestamp":1722333600000,"message":"user=alice action=login"},
		{"id":"2","timestamp":1722333600000,"message":"{\"id\":7}"},
		{"id":"3","timestamp":1722333600000,"message":"something else"}]}`
	res := classifyWith(t, NewClassifier(reg), []byte(payload))
	if len(res.recs) != 2 || len(res.uncs) != 1 {
		t.Fatalf("got %s", res.render())
	}
	text := res.recs[0]
	if text.LogType.Name != "test:text" || text.Get("envelope", "logGroup").S != "/app/auth" ||
		text.Get("envelope", "owner").S != "123456789012" || text.Get("user").S != "alice" {
		t.Errorf("text message: %s", res.render())
	}
	if string(text.Raw) != "user=alice action=login" {
		t.Errorf("text raw %q", text.Raw)
	}
	env := res.recs[1]
	if env.LogType.Name != "test:envelope" || env.Get("envelope", "logGroup").S != "/app/auth" || env.Get("id").I != 7 {
		t.Errorf("JSON message: %s", res.render())
	}
	if string(res.uncs[0].Raw) != "something else" {
		t.Errorf("unclassified raw %q", res.uncs[0].Raw)
	}

	control := `{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}`
	if res := classifyWith(t, NewClassifier(reg), []byte(control)); len(res.all) != 0 {
		t.Errorf("control message: %s", res.render())
	}
}

// TestClassify_ResultsOwnTheirMemory: records stay intact after the
// classifier has gone on to other payloads.
func TestClassify_ResultsOwnTheirMemory(t *testing.T) {
	reg := testRegistry(t)
	c := NewClassifier(reg)
	payload, _ := benchPayloads(t, 30)
	p := bytes.Clone(payload)
	first := classifyWith(t, c, p)
	want := first.render()
	scramble := func(b []byte) {
		for j := range b {
			if b[j] >= 'a' && b[j] <= 'f' {
				b[j] = 'a' + (b[j]-'a'+1)%6
			}
		}
	}
	scramble(p) // the caller reuses its buffer
	for i := 0; i < 3; i++ {
		other := bytes.Clone(payload)
		scramble(other)
		classifyWith(t, c, other)
		classifyWith(t, c, payload)
	}
	if got := first.render(); got != want {
		t.Errorf("records changed after later payloads")
	}
}

// FuzzClassify feeds arbitrary payloads, and arrays built from them, to
// the classifier: it must not panic, every record must be sound, and an
// array of N elements must give N results.
func FuzzClassify(f *testing.F) {
	seeds := []string{
		`{"kind":"typed","s":"x","i":1,"big":2,"f":1.5,"ok":"true","ts":"2024-01-02T03:04:05.5+02:00","addr":"::FFFF:1.2.3.4","tags":"one","nums":[1,null],"obj":{"n":1,"deep":{"x":"y"},"zz":1},"doc":{"host":"a"},"items":[{"host":"b"}]}`,
		`{"Records":[{"eventVersion":"1.08","eventTime":"2024-07-30T10:00:00Z","eventSource":"s","eventName":"n","awsRegion":"r"},1]}`,
		"user=bob action=login\n{\"kind\":\"prio\",\"level\":1}\n",
		`{"messageType":"DATA_MESSAGE","logGroup":"g","logEvents":[{"message":"{\"id\":1}"},{"message":"user=a action=b"},{}]}`,
		`{"records":["{\"msg\":\"m\",\"n\":1}","{"]}`,
		`{"data":{"items":[{"id":"1"},{"id":2.5}]},"source":"s"}`,
		`{"kind":"strict","user":{"name":"x","other":1}}`,
		"\x1f\x8b\x08\x00garbage",
		"[1,\"a\",null,{}]",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	reg := testRegistry(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		c := NewClassifier(reg)
		res := classifyWith(t, c, data)
		for _, r := range res.recs {
			checkRecord(t, r)
		}
		for _, u := range res.uncs {
			if u.Reason == "" {
				t.Errorf("unclassified without a reason: %q", u.Raw)
			}
		}
		// records in = records out: an array of the lines of data.
		var elems [][]byte
		for _, line := range bytes.Split(data, []byte("\n")) {
			line = bytes.TrimSpace(line)
			if len(line) == 0 {
				continue
			}
			if fastjson.ValidateBytes(line) != nil {
				line, _ = json.Marshal(string(line))
			}
			elems = append(elems, line)
		}
		doc := append(append([]byte("["), bytes.Join(elems, []byte(","))...), ']')
		if fastjson.ValidateBytes(doc) != nil {
			return // too deep for one more level of nesting
		}
		res = classifyWith(t, c, doc)
		if len(res.recs)+len(res.uncs) != len(elems) {
			t.Errorf("%d elements gave %d records and %d unclassified:\n%s\n%s", len(elems), len(res.recs), len(res.uncs), doc, res.render())
		}
	})
}

// TestClassify_ClosestReasonBuiltin: over every built-in type, a record
// with no identifying key says so instead of naming whichever type was
// tried last, and a near miss names its type first.
func TestClassify_ClosestReasonBuiltin(t *testing.T) {
	cases := []struct{ record, prefix, contains string }{
		{`{"a":1}`, fmt.Sprintf("none of the %d log types tried finds its identifying keys in it; nearest: ", len(Builtin().All())), "; also close: "},
		{`{"Version":"1.0","ClientIp":"198.51.100.7","VmName":"x"}`, "", ""},
		{`{"eventVersion":"1.08","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","eventTime":"soon"}`,
			`cloudtrail:events: field eventTime: "soon" is not a timestamp (5 of 5 identifying keys)`, ""},
	}
	for _, c := range cases {
		res := classifyWith(t, NewClassifier(nil), []byte(c.record))
		if len(res.uncs) != 1 {
			if c.prefix == "" {
				continue // it classified: nothing to explain
			}
			t.Fatalf("%s: got %s", c.record, res.render())
		}
		got := res.uncs[0].Reason
		if !strings.HasPrefix(got, c.prefix) || !strings.Contains(got, c.contains) {
			t.Errorf("%s: reason %q, want it to start with %q and contain %q", c.record, got, c.prefix, c.contains)
		}
		if strings.Count(got, "; ") > maxClosest {
			t.Errorf("%s: reason names more than %d candidates: %q", c.record, maxClosest, got)
		}
	}
}
