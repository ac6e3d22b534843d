package bench

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes the report as the table of docs/performance.md:
// the machine and run first, then one row per path with each figure's
// ratio to the baseline.
func (r *Report) WriteMarkdown(w io.Writer) error {
	m := r.Machine
	b := r.Baseline()
	var sb strings.Builder
	fmt.Fprintf(&sb, "Machine: %s, %d CPUs, %s, %s; load average at the start %s; %s.\n",
		orUnknown(m.CPU), m.CPUs, m.OS, m.GoVersion, orUnknown(m.Load), m.Date.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&sb, "Workload: %s, %d records, %.1f MB, seed %d. Baseline: %.0f records/CPU-s, %.0f records/s, peak RSS %s.\n\n",
		r.Workload, r.Records, float64(r.Bytes)/1e6, r.Seed, b.PerCPUSecond(), b.PerWallSecond(), mib(b.PeakRSS))
	sb.WriteString("| path | records/CPU-s | × baseline | records/s (wall) | × baseline | peak RSS |\n")
	sb.WriteString("|---|---:|---:|---:|---:|---:|\n")
	for _, res := range r.Results {
		fmt.Fprintf(&sb, "| %s | %s | %s | %s | %s | %s |\n", res.Path,
			thousands(res.PerCPUSecond()), ratio(res.PerCPUSecond(), b.PerCPUSecond()),
			thousands(res.PerWallSecond()), ratio(res.PerWallSecond(), b.PerWallSecond()), mib(res.PeakRSS))
	}
	_, err := io.WriteString(w, sb.String())
	return err
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func ratio(x, base float64) string {
	if base <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2fx", x/base)
}

func mib(b int64) string {
	if b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%d MiB", b>>20)
}

// thousands rounds a rate to the nearest hundred and writes it as 12.3k.
func thousands(x float64) string {
	if x >= 1e6 {
		return fmt.Sprintf("%.2fM", x/1e6)
	}
	return fmt.Sprintf("%.1fk", x/1e3)
}
