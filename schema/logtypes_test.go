package schema_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// sampleIngestTime is the ingest time every sample is classified at, so that
// the golden files do not depend on the clock (RFC 3164 timestamps take
// their year from it).
var sampleIngestTime = time.Date(2024, 3, 3, 12, 0, 0, 0, time.UTC)

const (
	samplesDir      = "testdata/samples"
	goldenDir       = "testdata/golden"
	unclassifiedDir = "_unclassified"
)

// TestBuiltinLogTypes_Definitions checks that every built-in definition
// loads, builds its parser and carries what the docs and the lake rely on.
func TestBuiltinLogTypes_Definitions(t *testing.T) {
	reg, errs := schema.LoadRegistry("")
	for _, err := range errs {
		t.Errorf("built-in definitions: %v", err)
	}
	types := reg.All()
	if len(types) < 40 {
		t.Errorf("%d built-in log types, want at least 40", len(types))
	}
	for _, lt := range types {
		if lt.Description == "" {
			t.Errorf("%s: no description", lt.Name)
		}
		if !strings.HasPrefix(lt.Reference, "https://") {
			t.Errorf("%s: reference %q is not an https URL", lt.Name, lt.Reference)
		}
		if _, err := schema.NewParser(lt.Parser, lt.Fields); err != nil {
			t.Errorf("%s: parser: %v", lt.Name, err)
		}
		if lt.EventTime == "" {
			t.Errorf("%s: no event_time", lt.Name)
		}
	}
}

// TestBuiltinLogTypes_Samples classifies every sample payload against all
// built-in types and compares the records with the golden files: each
// record must be of the type its folder names, and none may be left
// unclassified.
func TestBuiltinLogTypes_Samples(t *testing.T) {
	reg := schema.Builtin()
	dirs, err := os.ReadDir(samplesDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() || d.Name() == unclassifiedDir {
			continue
		}
		table := d.Name()
		lt := typeOfTable(reg, table)
		if lt == nil {
			t.Errorf("samples folder %s names no built-in log type", table)
			continue
		}
		files, err := os.ReadDir(filepath.Join(samplesDir, table))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			name := f.Name()
			t.Run(table+"/"+name, func(t *testing.T) {
				payload, err := os.ReadFile(filepath.Join(samplesDir, table, name))
				if err != nil {
					t.Fatal(err)
				}
				recs, uncs := classifySample(t, reg, table+"/"+name, payload)
				for _, u := range uncs {
					t.Errorf("unclassified: %s\n  raw: %.300s", u.Reason, u.Raw)
				}
				if len(recs) == 0 {
					t.Fatalf("no records")
				}
				for i, r := range recs {
					if r.LogType != lt {
						t.Errorf("record %d is %s, want %s\n  raw: %.300s", i, r.LogType.Name, lt.Name, r.Raw)
					}
				}
				got := renderGolden(t, recs)
				golden := filepath.Join(goldenDir, table, strings.TrimSuffix(name, filepath.Ext(name))+".json")
				if *update {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./schema/ -run TestBuiltinLogTypes -update)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("records differ from %s (run with -update to accept):\n%s", golden, lineDiff(string(want), string(got)))
				}
			})
		}
	}
}

// TestBuiltinLogTypes_SampleCoverage requires at least two sample files for
// every built-in type, and a golden file for every sample.
func TestBuiltinLogTypes_SampleCoverage(t *testing.T) {
	for _, lt := range schema.Builtin().All() {
		files, _ := filepath.Glob(filepath.Join(samplesDir, lt.Table(), "*"))
		if len(files) < 2 {
			t.Errorf("%s: %d sample files in %s, want at least 2", lt.Name, len(files), filepath.Join(samplesDir, lt.Table()))
		}
	}
	goldens, _ := filepath.Glob(filepath.Join(goldenDir, "*", "*.json"))
	for _, g := range goldens {
		rel, _ := filepath.Rel(goldenDir, g)
		base := strings.TrimSuffix(rel, ".json")
		if m, _ := filepath.Glob(filepath.Join(samplesDir, base+".*")); len(m) == 0 {
			t.Errorf("golden file %s has no sample", g)
		}
	}
}

// TestBuiltinLogTypes_Unclassified feeds payloads that are no built-in
// type and requires each record to come back unclassified with a reason.
func TestBuiltinLogTypes_Unclassified(t *testing.T) {
	reg := schema.Builtin()
	files, err := os.ReadDir(filepath.Join(samplesDir, unclassifiedDir))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no samples in " + unclassifiedDir)
	}
	for _, f := range files {
		name := f.Name()
		t.Run(name, func(t *testing.T) {
			payload, err := os.ReadFile(filepath.Join(samplesDir, unclassifiedDir, name))
			if err != nil {
				t.Fatal(err)
			}
			recs, uncs := classifySample(t, reg, unclassifiedDir+"/"+name, payload)
			for _, r := range recs {
				t.Errorf("classified as %s: %.300s", r.LogType.Name, r.Raw)
			}
			if len(uncs) == 0 {
				t.Fatal("no unclassified records")
			}
			for _, u := range uncs {
				if u.Reason == "" {
					t.Errorf("unclassified record without a reason: %.300s", u.Raw)
				}
				if u.Source != "samples" || !u.IngestTime.Equal(sampleIngestTime) {
					t.Errorf("unclassified record lost its source or ingest time: %q %v", u.Source, u.IngestTime)
				}
			}
		})
	}
}

func typeOfTable(reg *schema.Registry, table string) *schema.LogType {
	for _, lt := range reg.All() {
		if lt.Table() == table {
			return lt
		}
	}
	return nil
}

func classifySample(t *testing.T, reg *schema.Registry, name string, payload []byte) ([]*schema.Record, []*schema.Unclassified) {
	t.Helper()
	var recs []*schema.Record
	var uncs []*schema.Unclassified
	c := schema.NewClassifier(reg)
	err := c.Classify(payload, schema.Input{Source: "samples", IngestTime: sampleIngestTime},
		func(r *schema.Record) { recs = append(recs, r) },
		func(u *schema.Unclassified) { uncs = append(uncs, u) })
	if err != nil {
		t.Fatalf("classify %s: %v", name, err)
	}
	return recs, uncs
}

// goldenRecord is the JSON rendering of a Record in the golden files.
type goldenRecord struct {
	LogType    string              `json:"log_type"`
	ID         string              `json:"id"`
	EventTime  string              `json:"event_time"`
	Values     map[string]any      `json:"values"`
	Extras     json.RawMessage     `json:"extras,omitempty"`
	Demoted    int                 `json:"demoted,omitempty"`
	Normalized map[string][]string `json:"normalized,omitempty"`
}

func renderGolden(t *testing.T, recs []*schema.Record) []byte {
	t.Helper()
	out := make([]goldenRecord, len(recs))
	for i, r := range recs {
		g := goldenRecord{
			LogType:    r.LogType.Name,
			ID:         r.ID,
			EventTime:  r.EventTime.UTC().Format(time.RFC3339Nano),
			Values:     renderFields(r.LogType.Fields, r.Values),
			Normalized: r.Normalized,
			Demoted:    r.Demoted,
		}
		if r.ID != schema.RecordID(r.LogType.Name, r.Raw) {
			t.Errorf("record %d: id %s is not RecordID of its type and raw bytes", i, r.ID)
		}
		if !r.IngestTime.Equal(sampleIngestTime) || r.Source != "samples" {
			t.Errorf("record %d: ingest time %v, source %q", i, r.IngestTime, r.Source)
		}
		if r.Extras != "" {
			if !json.Valid([]byte(r.Extras)) {
				t.Errorf("record %d: extras are not JSON: %s", i, r.Extras)
			}
			g.Extras = json.RawMessage(r.Extras)
		}
		out[i] = g
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// renderFields renders non-null values by field name: objects as maps,
// arrays as lists, json fields as the JSON they hold, timestamps in RFC 3339.
func renderFields(fields []schema.Field, vals []schema.Value) map[string]any {
	m := map[string]any{}
	for i, f := range fields {
		if i < len(vals) && !vals[i].IsNull() {
			m[f.Name] = renderValue(f.Type, vals[i])
		}
	}
	return m
}

func renderValue(t schema.Type, v schema.Value) any {
	switch v.Kind {
	case schema.KindString, schema.KindIP:
		return v.S
	case schema.KindJSON:
		if json.Valid([]byte(v.S)) {
			return json.RawMessage(v.S)
		}
		return "INVALID JSON: " + v.S
	case schema.KindInt, schema.KindBigint:
		return v.I
	case schema.KindFloat:
		return v.Float()
	case schema.KindBool:
		return v.Bool()
	case schema.KindTimestamp:
		return v.Time().Format(time.RFC3339Nano)
	case schema.KindArray:
		elem := schema.Type{Kind: schema.KindString}
		if t.Elem != nil {
			elem = *t.Elem
		}
		l := make([]any, len(v.L))
		for i, e := range v.L {
			if e.IsNull() {
				continue
			}
			l[i] = renderValue(elem, e)
		}
		return l
	case schema.KindObject:
		return renderFields(t.Fields, v.L)
	}
	return fmt.Sprintf("unexpected kind %v", v.Kind)
}

// lineDiff lists the lines of got that differ from want, by position, with
// a little context; enough to see what changed in a golden file.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl == gl {
			continue
		}
		fmt.Fprintf(&b, "line %d:\n  want %s\n  got  %s\n", i+1, wl, gl)
		if shown++; shown == 10 {
			b.WriteString("  ...\n")
			break
		}
	}
	return b.String()
}

// TestBuiltinLogTypes_Priorities checks the orderings classification
// relies on: specific types are tried before the generic ones that would
// also accept their records.
func TestBuiltinLogTypes_Priorities(t *testing.T) {
	reg := schema.Builtin()
	before := [][2]string{
		{"cloudtrail:events", "streamquery:results"}, // the most common type first: cheaper
		{"streamquery:results", "cloudwatch:events"},
		{"cloudtrail:events", "cloudwatch:events"},
		{"aws:guardduty", "cloudwatch:events"},
		{"aws:security_hub", "cloudwatch:events"},
		{"aws:config", "cloudwatch:events"},
		{"aws:vpc_flow", "aws:vpc_flow_custom"},
		{"linux:auth", "syslog:rfc3164"},
		{"cisco:asa", "syslog:rfc3164"},
		{"apache:access", "nginx:access"},
		{"syslog:rfc5424", "syslog:rfc3164"},
	}
	pos := map[string]int{}
	for i, lt := range reg.All() {
		pos[lt.Name] = i
	}
	for _, p := range before {
		a, aok := pos[p[0]]
		b, bok := pos[p[1]]
		switch {
		case !aok || !bok:
			t.Errorf("%s or %s is not a built-in type", p[0], p[1])
		case a > b:
			t.Errorf("%s is tried after %s", p[0], p[1])
		}
	}
	names := make([]string, 0, len(pos))
	for n := range pos {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !strings.Contains(n, ":") {
			t.Errorf("log type %q is not source:subtype", n)
		}
	}
}

// TestSchemasDoc_Example checks that the full example in docs/schemas.md
// loads and does what the page says it does with the payload it shows.
func TestSchemasDoc_Example(t *testing.T) {
	doc, err := os.ReadFile("../docs/schemas.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	_, rest, ok := strings.Cut(text, "## A full example")
	if !ok {
		t.Fatal("docs/schemas.md has no full example section")
	}
	_, rest, _ = strings.Cut(rest, "```yaml\n")
	def, rest, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("the example has no yaml block")
	}
	_, rest, _ = strings.Cut(rest, "Given `")
	payload, _, ok := strings.Cut(rest, "`")
	if !ok {
		t.Fatal("the example shows no payload")
	}
	types, errs := schema.ParseDefinitions("docs/schemas.md", []byte(def))
	for _, err := range errs {
		t.Errorf("example definition: %v", err)
	}
	if len(types) != 1 {
		t.Fatalf("example defines %d types, want 1", len(types))
	}
	reg, err := schema.NewRegistry(types)
	if err != nil {
		t.Fatal(err)
	}
	recs, uncs := classifySample(t, reg, "docs example", []byte(payload))
	for _, u := range uncs {
		t.Errorf("unclassified: %s", u.Reason)
	}
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	r := recs[0]
	if got, want := r.EventTime.Format(time.RFC3339Nano), "2024-03-03T10:15:01.482Z"; got != want {
		t.Errorf("event time %s, want %s", got, want)
	}
	if r.Extras != `{"os":"macOS"}` {
		t.Errorf("extras %s, want the undeclared os key", r.Extras)
	}
	want := map[string][]string{
		"ip_address": {"203.0.113.5"}, "username": {"alice"},
		"email": {"alice@example.com"}, "hostname": {"vpn-1"},
	}
	got, _ := json.Marshal(r.Normalized)
	wantJSON, _ := json.Marshal(want)
	if string(got) != string(wantJSON) {
		t.Errorf("normalized %s, want %s", got, wantJSON)
	}
}

// TestBuiltinLogTypes_ClassifierReuse classifies every sample with one
// classifier, one payload after another, and requires the same results as
// a fresh classifier per payload: no state (csv headers, scratch memory)
// may leak from one payload into the next.
func TestBuiltinLogTypes_ClassifierReuse(t *testing.T) {
	reg := schema.Builtin()
	files, _ := filepath.Glob(filepath.Join(samplesDir, "*", "*"))
	if len(files) == 0 {
		t.Fatal("no samples")
	}
	shared := schema.NewClassifier(reg)
	summary := func(c *schema.Classifier, payload []byte) []string {
		var out []string
		err := c.Classify(payload, schema.Input{Source: "samples", IngestTime: sampleIngestTime},
			func(r *schema.Record) {
				out = append(out, r.LogType.Name+" "+r.ID+" "+r.EventTime.Format(time.RFC3339Nano)+" "+r.Extras)
			},
			func(u *schema.Unclassified) { out = append(out, "unclassified "+u.ID+" "+u.Reason) })
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, f := range files {
		payload, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got := summary(shared, payload)
		want := summary(schema.NewClassifier(reg), payload)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: a reused classifier gives\n%s\nwant\n%s", f, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// TestSchemasDoc_ListsBuiltinTypes keeps the table of built-in types in
// docs/schemas.md in step with the definitions.
func TestSchemasDoc_ListsBuiltinTypes(t *testing.T) {
	doc, err := os.ReadFile("../docs/schemas.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(doc), "## Built-in log types")
	if !ok {
		t.Fatal("docs/schemas.md has no built-in log types section")
	}
	for _, lt := range schema.Builtin().All() {
		row := "| `" + lt.Name + "` | " + lt.Parser.Type + " | " + fmt.Sprint(lt.Priority) + " |"
		if !strings.Contains(table, row) {
			t.Errorf("docs/schemas.md: no row starting %q", row)
		}
	}
}
