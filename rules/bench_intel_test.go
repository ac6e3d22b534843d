package rules

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/intel"
	"github.com/streamalert/streamalert/internal/benchtest"
	"github.com/streamalert/streamalert/schema"
)

// benchIOCStore is a store of 1M generated IPv4 IOCs (90% addresses, 10%
// networks) plus the sample feed.
func benchIOCStore(tb testing.TB) *intel.Store {
	tb.Helper()
	r := rand.New(rand.NewPCG(3, 4))
	b := intel.NewBuilder("generated", "generated", intel.FormatCSV)
	for i := 0; i < 1_000_000; i++ {
		v := fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), r.IntN(256))
		if i%10 == 0 {
			v = fmt.Sprintf("%d.%d.%d.0/%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 16+r.IntN(9))
		}
		if err := b.Add(intel.IP, v, "", time.Time{}); err != nil {
			tb.Fatal(err)
		}
	}
	st := intel.NewStore()
	st.Replace(b.Set(time.Now()))
	st.Replace(intel.SampleSet())
	return st
}

// BenchmarkClassifyIOC measures the cost of IOC checks against the cost of
// classification on CloudTrail: the Stratus payloads classified alone, and
// classified then matched against the pack's intel rules with 1M IOCs
// loaded (what serve does per record once IOC sets are wired in), and the
// matching alone.
func BenchmarkClassifyIOC(b *testing.B) {
	files, _ := filepath.Glob("testdata/stratus/*.json")
	var payloads [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		payloads = append(payloads, data)
	}
	reg := schema.Builtin()
	cls := schema.NewClassifier(reg)
	in := schema.Input{Source: "bench", Types: []*schema.LogType{reg.Get("cloudtrail:events")}}
	pack, errs := Pack(reg)
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	var intelRules []*Rule
	for _, r := range pack.Rules() {
		if strings.HasPrefix(r.Name, "intel_ioc_") {
			intelRules = append(intelRules, r)
		}
	}
	set, errs := NewSet(intelRules...)
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	m := NewMatcher(set)
	m.UseIntel(benchIOCStore(b), nil)
	var classified []*schema.Record
	for _, p := range payloads {
		if err := cls.Classify(p, in, func(r *schema.Record) { classified = append(classified, r) }, func(*schema.Unclassified) {}); err != nil {
			b.Fatal(err)
		}
	}
	// ioc alone: the matching of records classified beforehand.
	b.Run("ioc", func(b *testing.B) {
		hits := 0
		cpu0 := benchtest.CPUTime()
		for i := 0; i < b.N; i++ {
			for _, r := range classified {
				m.Match(r, func(*Rule, Match) { hits++ })
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(classified)), "ns/record")
		b.ReportMetric(float64((benchtest.CPUTime()-cpu0).Nanoseconds())/float64(b.N*len(classified)), "cpu-ns/record")
		b.ReportMetric(0, "ns/op")
	})
	for _, mode := range []string{"classify", "classify+ioc"} {
		b.Run(mode, func(b *testing.B) {
			recs, hits := 0, 0
			cpu0 := benchtest.CPUTime()
			for i := 0; i < b.N; i++ {
				for _, p := range payloads {
					err := cls.Classify(p, in, func(r *schema.Record) {
						recs++
						if mode == "classify+ioc" {
							m.Match(r, func(*Rule, Match) { hits++ })
						}
					}, func(*schema.Unclassified) {})
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(recs), "ns/record")
			b.ReportMetric(float64((benchtest.CPUTime()-cpu0).Nanoseconds())/float64(recs), "cpu-ns/record")
			b.ReportMetric(0, "ns/op")
			_ = hits
		})
	}
}
