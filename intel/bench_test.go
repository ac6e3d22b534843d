package intel

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/internal/benchtest"
)

// generateCSV writes n IOCs in the CSV format: 40% IPv4 addresses, 10%
// IPv4 networks, 5% IPv6 addresses, 25% domains, 10% URLs, 10% SHA-256.
func generateCSV(n int) []byte {
	r := rand.New(rand.NewPCG(7, uint64(n)))
	var b bytes.Buffer
	b.Grow(n * 48)
	b.WriteString("type,value,source,expires\n")
	for i := 0; i < n; i++ {
		switch k := i % 20; {
		case k < 8:
			fmt.Fprintf(&b, "ip,%d.%d.%d.%d,feed-a,\n", r.IntN(224), r.IntN(256), r.IntN(256), r.IntN(256))
		case k < 10:
			fmt.Fprintf(&b, "ip,%d.%d.%d.0/%d,feed-b,2099-01-01\n", r.IntN(224), r.IntN(256), r.IntN(256), 16+r.IntN(9))
		case k < 11:
			fmt.Fprintf(&b, "ip,2001:db8:%x:%x::%x,feed-b,\n", r.IntN(65536), r.IntN(65536), r.IntN(65536))
		case k < 16:
			fmt.Fprintf(&b, "domain,%s.%s.example,feed-c,\n", word(r), word(r))
		case k < 18:
			fmt.Fprintf(&b, "url,http://%s.example/%s/%d,feed-c,\n", word(r), word(r), r.IntN(1e6))
		default:
			fmt.Fprintf(&b, "sha256,%016x%016x%016x%016x,feed-d,\n", r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64())
		}
	}
	return b.Bytes()
}

func word(r *rand.Rand) string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	n := 5 + r.IntN(8)
	var sb strings.Builder
	for i := 0; i < n; i++ {
		sb.WriteByte(letters[r.IntN(len(letters))])
	}
	return sb.String()
}

// rss returns the process's resident and peak resident memory in MiB
// (Linux; 0 elsewhere).
func rss() (cur, peak float64) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			cur = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return cur, peak
}

// BenchmarkLoadCSV reads and indexes generated IOC files (LoadFile, as
// the config's iocs/ folder is read). It reports the heap the finished set
// keeps (set-MiB), the resident memory after the load once freed memory
// is returned to the OS (rss-MiB), and the peak resident memory of the
// process (peak-rss-MiB, which includes generating the file).
func BenchmarkLoadCSV(b *testing.B) {
	for _, n := range []int{1_000_000, 10_000_000} {
		b.Run(fmt.Sprintf("%dM", n/1_000_000), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "gen.csv")
			data := generateCSV(n)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			data = nil
			var s *Set
			var cpu time.Duration
			for i := 0; i < b.N; i++ {
				s = nil
				runtime.GC()
				debug.FreeOSMemory()
				cpu0 := benchtest.CPUTime()
				var err error
				s, err = LoadFile(os.DirFS(filepath.Dir(path)), "gen.csv", path, "gen", 0, t0)
				if err != nil {
					b.Fatal(err)
				}
				cpu += benchtest.CPUTime() - cpu0
			}
			b.StopTimer()
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
			debug.FreeOSMemory()
			var with, without runtime.MemStats
			runtime.ReadMemStats(&with)
			cur, peak := rss()
			total := s.Total()
			s = nil
			runtime.GC()
			runtime.ReadMemStats(&without)
			b.ReportMetric(float64(with.HeapAlloc-without.HeapAlloc)/(1<<20), "set-MiB")
			b.ReportMetric(cur, "rss-MiB")
			b.ReportMetric(peak, "peak-rss-MiB")
			b.ReportMetric(float64(total), "iocs")
		})
	}
}

// BenchmarkLookup looks record values up in a generated set of 1M IOCs,
// half of them hits.
func BenchmarkLookup(b *testing.B) {
	s, err := Parse(Source{Name: "gen", Origin: "gen.csv", Format: FormatCSV}, generateCSV(1_000_000))
	if err != nil {
		b.Fatal(err)
	}
	byType := map[Type][]string{}
	s.Each(func(e Entry) bool {
		v := e.Value
		switch e.Type {
		case IP:
			v = e.Prefix.Addr().String()
			if e.Prefix.Bits() < e.Prefix.Addr().BitLen() {
				v = e.Prefix.Addr().Next().String()
			}
		case Domain:
			v = "www." + v
		}
		if len(byType[e.Type]) < 1000 {
			byType[e.Type] = append(byType[e.Type], v)
		}
		return true
	})
	miss := map[Type][]string{
		IP:     {"8.8.8.8", "1.1.1.1", "2001:db8:ffff:ffff::1"},
		Domain: {"www.google.com", "a.b.c.d.example.org"},
		SHA256: {"0000000000000000000000000000000000000000000000000000000000000000"},
	}
	for _, t := range []Type{IP, Domain, SHA256} {
		vals := append(byType[t], miss[t]...)
		b.Run(t.String(), func(b *testing.B) {
			hits := 0
			cpu0 := benchtest.CPUTime()
			for i := 0; i < b.N; i++ {
				v := vals[i%len(vals)]
				if i%2 == 1 {
					v = miss[t][i%len(miss[t])]
				}
				if _, ok := s.Lookup(t, v, t0); ok {
					hits++
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
			b.ReportMetric(float64(b.N)/(benchtest.CPUTime()-cpu0).Seconds(), "lookups/cpu-s")
			if hits == 0 {
				b.Fatal("no hits")
			}
		})
	}
}
