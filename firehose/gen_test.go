package firehose

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/firehose/internal/synth"
	"github.com/streamalert/streamalert/schema"
)

// testLogTypes returns the log types of testdata/logtypes.yaml and the
// synthetic CloudTrail type.
func testLogTypes(t testing.TB) []*schema.LogType {
	t.Helper()
	data, err := os.ReadFile("testdata/logtypes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lts, errs := schema.ParseDefinitions("testdata/logtypes.yaml", data)
	if len(errs) > 0 {
		t.Fatalf("testdata/logtypes.yaml: %v", errs)
	}
	return append(lts, synth.CloudTrail())
}

// gen generates values of declared types deterministically.
type gen struct{ rng *rand.Rand }

func newGen(seed uint64) *gen { return &gen{rand.New(rand.NewPCG(seed, 7))} }

var texts = []string{"", "GET", "POST", "héllo wörld", "日本語", `quote " and \ backslash`, "tab\tnewline\n", "emoji 🙂", "x"}

// value returns a random value of t, null one time in nullEvery.
func (g *gen) value(t schema.Type, nullEvery int) schema.Value {
	if nullEvery > 0 && g.rng.IntN(nullEvery) == 0 {
		return schema.Value{}
	}
	switch t.Kind {
	case schema.KindString:
		return schema.Str(texts[g.rng.IntN(len(texts))] + fmt.Sprint(g.rng.IntN(50)))
	case schema.KindIP:
		return schema.Value{Kind: schema.KindIP, S: fmt.Sprintf("10.%d.%d.%d", g.rng.IntN(256), g.rng.IntN(256), g.rng.IntN(256))}
	case schema.KindJSON:
		return schema.JSONText(fmt.Sprintf(`{"k":%d,"s":"v\"%d","a":[1,null,{}]}`, g.rng.IntN(1000), g.rng.IntN(9)))
	case schema.KindInt:
		return schema.Value{Kind: schema.KindInt, I: int64(int32(g.rng.Uint32()))}
	case schema.KindBigint:
		return schema.Int(int64(g.rng.Uint64()))
	case schema.KindFloat:
		return schema.Float([]float64{0, -1.5, math.MaxFloat64, math.SmallestNonzeroFloat64, g.rng.NormFloat64() * 1e6}[g.rng.IntN(5)])
	case schema.KindBool:
		return schema.BoolValue(g.rng.IntN(2) == 1)
	case schema.KindTimestamp:
		// 1950 to 2100, microsecond precision
		return schema.Value{Kind: schema.KindTimestamp, I: -631152000_000000 + g.rng.Int64N(4733510400_000000)}
	case schema.KindArray:
		n := g.rng.IntN(4) // 0: an empty array, distinct from null
		l := make([]schema.Value, n)
		for i := range l {
			l[i] = g.value(*t.Elem, 6)
		}
		return schema.Value{Kind: schema.KindArray, L: l}
	case schema.KindObject:
		l := make([]schema.Value, len(t.Fields))
		for i, f := range t.Fields {
			l[i] = g.value(f.Type, 5)
		}
		return schema.Value{Kind: schema.KindObject, L: l}
	}
	panic("no generator for " + t.String())
}

// record generates a record of lt arriving at ingest.
func (g *gen) record(lt *schema.LogType, i int, ingest time.Time) *schema.Record {
	rec := &schema.Record{LogType: lt, Source: "test-source", IngestTime: ingest}
	rec.Values = make([]schema.Value, len(lt.Fields))
	for j, f := range lt.Fields {
		rec.Values[j] = g.value(f.Type, 8)
	}
	rec.Raw = []byte(fmt.Sprintf(`{"n":%d,"type":%q}`, i, lt.Name))
	rec.ID = schema.RecordID(lt.Name, rec.Raw)
	if lt.EventTime != "" {
		if v := rec.Get(strings.Split(lt.EventTime, ".")...); v.Kind == schema.KindTimestamp {
			rec.EventTime = v.Time()
		}
	}
	if types := lt.NormalizedTypes(); len(types) > 0 {
		rec.Normalized = map[string][]string{}
		for _, typ := range types {
			for k := g.rng.IntN(3); k > 0; k-- {
				rec.Normalized[typ] = append(rec.Normalized[typ], fmt.Sprintf("%s-%d", typ, g.rng.IntN(100)))
			}
		}
	}
	if g.rng.IntN(4) == 0 {
		rec.Extras = fmt.Sprintf(`{"extra":%d}`, g.rng.IntN(100))
	}
	return rec
}

// expectedRow is a row as the DuckDB driver returns it (see duckdbtest.Query).
func expectedRow(cols []schema.Column, row []schema.Value) []any {
	out := make([]any, len(cols))
	for i, c := range cols {
		var v schema.Value
		if i < len(row) {
			v = row[i]
		}
		out[i] = expectedValue(c.Type, v)
	}
	return out
}

func expectedValue(t schema.Type, v schema.Value) any {
	return valueAs(t, v, func(us int64) any { return time.UnixMicro(us).UTC() })
}

// valueAs is v as a reader gives it back; timestamps (microseconds) are
// turned into what that reader uses by ts.
func valueAs(t schema.Type, v schema.Value, ts func(int64) any) any {
	if v.Kind == schema.KindNull {
		return nil
	}
	switch t.Kind {
	case schema.KindString, schema.KindIP, schema.KindJSON:
		return strings.ToValidUTF8(v.S, "\uFFFD")
	case schema.KindInt:
		return int32(v.I)
	case schema.KindBigint:
		return v.I
	case schema.KindFloat:
		return v.Float()
	case schema.KindBool:
		return v.I != 0
	case schema.KindTimestamp:
		return ts(v.I)
	case schema.KindArray:
		l := make([]any, len(v.L))
		for i, e := range v.L {
			l[i] = valueAs(*t.Elem, e, ts)
		}
		return l
	case schema.KindObject:
		m := make(map[string]any, len(t.Fields))
		for i, f := range t.Fields {
			var e schema.Value
			if i < len(v.L) {
				e = v.L[i]
			}
			m[f.Column] = valueAs(f.Type, e, ts)
		}
		return m
	}
	panic("no expectation for " + t.String())
}

// normalizeTimes puts every time.Time in a driver value in UTC so that
// reflect.DeepEqual compares instants.
func normalizeTimes(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC()
	case []any:
		for i := range x {
			x[i] = normalizeTimes(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = normalizeTimes(x[k])
		}
	}
	return v
}

func sortByID(recs []*schema.Record) {
	sort.Slice(recs, func(i, j int) bool { return recs[i].ID < recs[j].ID })
}
