package demo

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/streamalert/streamalert/alerts"
)

// printIngest prints what the pipeline did with the day: records per log
// type, the alerts and the story.
func printIngest(out io.Writer, rep *Report, rules, correlations int) {
	rate := float64(rep.Records) / max(rep.Timings.Ingest.Seconds(), 0.001)
	fmt.Fprintf(out, "Ingested %s records in %s (%s records/s): classified, written to the Parquet lake, matched against %d rules and %d correlation rules.\n\n",
		thousands(rep.Records), round(rep.Timings.Ingest), thousands(int(rate)), rules, correlations)
	fmt.Fprintf(out, "  %-22s %-7s %10s %11s\n", "LOG TYPE", "SOURCE", "GENERATED", "CLASSIFIED")
	gen, cls := 0, 0
	for _, lt := range LogTypes {
		fmt.Fprintf(out, "  %-22s %-7s %10s %11s\n", lt, sourceOf(lt), thousands(rep.Generated[lt]), thousands(rep.Classified[lt]))
		gen += rep.Generated[lt]
		cls += rep.Classified[lt]
	}
	fmt.Fprintf(out, "  %-22s %-7s %10s %11s\n", "total", "", thousands(gen), thousands(cls))
	fmt.Fprintf(out, "  unclassified: %d\n\n", rep.Unclassified)

	merged, members := 0, 0
	for _, a := range rep.Alerts {
		if a.Merge != nil {
			merged++
			members += a.Merge.Count
		}
	}
	fmt.Fprintf(out, "%d rule matches and %d correlation crossings became %d alerts: %d matches stayed below a rule's threshold, %d were merged into %d alerts.\n\n",
		rep.Matches, rep.Crossings, len(rep.Alerts), rep.Suppressed, members, merged)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  FIRST SEEN\tSEVERITY\tRULE\tCOUNT\tKEY")
	for _, a := range rep.Alerts {
		mark := " "
		if rep.IsStoryAlert(a) {
			mark = "*"
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%5d\t%s\n", mark, firstSeen(a).Format("15:04:05"), a.Severity, a.Rule, count(a), clip(keyText(a), 64))
	}
	tw.Flush()
	story := 0
	for _, a := range rep.Alerts {
		if rep.IsStoryAlert(a) {
			story++
		}
	}
	fmt.Fprintf(out, "  (* %d alerts belong to the attack; the other %d are the everyday kind a team triages and closes)\n\n", story, len(rep.Alerts)-story)

	fmt.Fprintln(out, "The attack, as the alerts tell it (UTC):")
	tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, s := range rep.Story {
		var first time.Time
		var told []string
		for i, r := range s.Rules {
			as := s.Alerts[r]
			n := 0
			for _, a := range as {
				n += count(a)
				// The step's time is its own rule's first record; the other
				// rules only add detail.
				if t := firstSeen(a); (i == 0 || len(s.Alerts[s.Rules[0]]) == 0) && (first.IsZero() || t.Before(first)) {
					first = t
				}
			}
			if n > 0 {
				told = append(told, fmt.Sprintf("%s ×%d", r, n))
			}
		}
		when := "--:--:--"
		if !first.IsZero() {
			when = first.Format("15:04:05")
		}
		if miss := s.Missing(); len(miss) > 0 {
			told = append(told, "NO ALERT from "+strings.Join(miss, ", "))
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", when, s.Title, strings.Join(told, ", "))
	}
	tw.Flush()
	fmt.Fprintln(out)
}

// printNext ends the report with what to try next.
func printNext(out io.Writer, rep *Report) {
	dir := rep.DataDir
	if !rep.Kept {
		dir = "./demo-data"
		fmt.Fprintf(out, "Done in %s. The data directory was temporary; keep one to explore:\n", round(rep.Timings.Total))
		fmt.Fprintf(out, "  streamalert demo --data %s\n", dir)
	} else {
		fmt.Fprintf(out, "Done in %s. Everything is in %s (lake, alert store, alerts.jsonl). Try:\n", round(rep.Timings.Total), dir)
	}
	fmt.Fprintf(out, "  streamalert alerts list --data %s\n", dir)
	fmt.Fprintf(out, "  streamalert query --data %s \"SELECT eventname, count(*) AS n FROM cloudtrail_events GROUP BY 1 ORDER BY 2 DESC LIMIT 10\"\n", dir)
	fmt.Fprintf(out, "  streamalert backtest --data %s --all --since 7d\n", dir)
	fmt.Fprintf(out, "  streamalert serve      then post your own logs to http://127.0.0.1:8080/v1/ingest/http\n")
}

// keyText shows what an alert is about: its merge keys and their values.
func keyText(a *alerts.Alert) string {
	kv := a.KeyValues
	if a.Merge != nil && len(a.Merge.MergedBy) > 0 {
		kv = a.Merge.MergedBy
	}
	if len(kv) == 0 {
		kv = a.Matched
	}
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", k, kv[k])
	}
	return strings.Join(parts, " ")
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// thousands writes n with thousands separators.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func round(d time.Duration) time.Duration {
	switch {
	case d > 10*time.Second:
		return d.Round(100 * time.Millisecond)
	case d > time.Second:
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// durText writes a schedule as people do: 15m, 1h, 1d.
func durText(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%s %s", thousands(n), many)
}
