package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/streamalert/streamalert/historical"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/internal/duration"
	"github.com/streamalert/streamalert/queries"
	"github.com/streamalert/streamalert/realtime"
	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// timeRange reads --since or --from/--to; with neither, the last def.
func timeRange(since, from, to, def string) (queries.TimeRange, error) {
	now := time.Now().UTC()
	if from != "" || to != "" {
		if since != "" {
			return queries.TimeRange{}, fmt.Errorf("give --since or --from/--to, not both")
		}
		rng := queries.TimeRange{To: now}
		var err error
		if from == "" {
			return rng, fmt.Errorf("--to needs --from")
		}
		if rng.From, err = queries.ParseTime(from); err != nil {
			return rng, fmt.Errorf("--from: %w", err)
		}
		if to != "" {
			if rng.To, err = queries.ParseTime(to); err != nil {
				return rng, fmt.Errorf("--to: %w", err)
			}
		}
		return rng, nil
	}
	if since == "" {
		since = def
	}
	d, err := duration.Parse(since)
	if err != nil {
		return queries.TimeRange{}, fmt.Errorf("--since: %w", err)
	}
	return queries.Since(d, now), nil
}

func newRulesSQLCmd(g *globals) *cobra.Command {
	var dialect, since, from, to string
	cmd := &cobra.Command{
		Use:   "sql NAME [--dialect athena|duckdb] [--since 7d | --from T --to T]",
		Short: "Print the SQL a rule compiles to, for Athena (Trino) or DuckDB",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg, r, err := g.namedRule(args[0])
			if err != nil {
				return err
			}
			d, err := queries.ParseDialect(dialect)
			if err != nil {
				return err
			}
			rng, err := timeRange(since, from, to, "7d")
			if err != nil {
				return err
			}
			q, err := queries.Compile(r, reg, d, rng)
			if err != nil {
				return err
			}
			for _, w := range q.Warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
			}
			fmt.Fprintln(cmd.OutOrStdout(), strings.TrimRight(q.SQL, "\n")+";")
			return nil
		},
	}
	cmd.Flags().StringVar(&dialect, "dialect", "athena", "athena or duckdb")
	cmd.Flags().StringVar(&since, "since", "", "time range ending now (e.g. 24h, 7d; default 7d)")
	cmd.Flags().StringVar(&from, "from", "", "start of the time range (RFC 3339 or YYYY-MM-DD)")
	cmd.Flags().StringVar(&to, "to", "", "end of the time range (default now)")
	return cmd
}

// openEngine opens the DuckDB engine over the config's local lake.
func (g *globals) openEngine(ctx context.Context, data string) (*historical.Engine, *schema.Registry, error) {
	r, err := g.resolve(config.Parts{})
	if err != nil {
		return nil, nil, err
	}
	cfg, reg := r.Config, r.Registry
	lake, ok := cfg.Global.LocalLake(dataDir(data, cfg))
	if !ok {
		return nil, nil, fmt.Errorf("the lake is %s: query it with Athena; the embedded engine reads a local (file://) lake", cfg.Global.Lake)
	}
	if _, err := os.Stat(lake); err != nil {
		return nil, nil, fmt.Errorf("no lake at %s (load data with `streamalert ingest` or `streamalert serve`, or pass --data)", lake)
	}
	e, err := historical.Open(ctx, lake, reg.All(), historical.Options{})
	return e, reg, err
}

// progressLine reports elapsed time of long scans on stderr, on a terminal.
func progressLine(cmd *cobra.Command) func(historical.Progress) {
	p := newProgress(cmd.ErrOrStderr(), 0)
	if !p.tty {
		return nil
	}
	return func(pr historical.Progress) {
		fmt.Fprintf(cmd.ErrOrStderr(), "\rscanning… %s ", pr.Elapsed.Round(time.Second))
	}
}

func newQueryCmd(g *globals) *cobra.Command {
	var format, data, engine string
	cmd := &cobra.Command{
		Use:   `query "SQL" [--format table|json|csv]`,
		Short: "Run ad-hoc SQL (DuckDB) over the lake: one view per table, read-only",
		Long: `query runs a read-only SQL statement over the local lake with the embedded
DuckDB engine. Every log type is a view named by its table (cloudtrail_events,
aws_vpc_flow, …), beside unclassified and alerts; dt is the hour partition
(string YYYY-MM-DD-HH). The row count and bytes scanned are printed at the end.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			le, err := g.openLakeEngine(cmd.Context(), engine, data)
			if err != nil {
				return err
			}
			defer le.close()
			if le.duck == nil {
				return runOnEngine(cmd, le, args[0], format)
			}
			e := le.duck
			st, err := e.Run(cmd.Context(), args[0], cmd.OutOrStdout(), format, progressLine(cmd))
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%d rows, %d files, %s scanned (Athena: $%.4f), %s\n",
				st.Rows, st.Files, byteSize(st.Bytes), historical.AthenaCostUSD(st.Bytes), st.Elapsed.Round(time.Millisecond))
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "table, json (one object per line) or csv")
	cmd.Flags().StringVar(&data, "data", "", "data directory holding the lake (default global.yaml data_dir)")
	cmd.Flags().StringVar(&engine, "engine", "", "duckdb or athena (default duckdb for a local lake, athena for an s3:// lake)")
	return cmd
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func newBacktestCmd(g *globals) *cobra.Command {
	var since, from, to, format, data, engine string
	var all bool
	var samples int
	cmd := &cobra.Command{
		Use:   "backtest RULE|FILE... | --all [--since 30d] [--format table|json]",
		Short: "Run rules as SQL over the lake and report what they would have caught, without alerting",
		Long: `backtest compiles rules to DuckDB SQL and runs them over the lake. It
reports matches per day, sample records, the alerts the matches would have
made after the rules' threshold, dedup and merging, and the bytes scanned
(with what Athena would charge). Nothing is sent. With --format json it
prints one object per match (rule, log_type, record_id), comparable with
` + "`rules run --format json`" + `. A FILE argument is a rule file, loaded on its own.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if all == (len(args) > 0) {
				return fmt.Errorf("name rules (or rule files), or give --all")
			}
			_, reg, set, err := g.ruleSet()
			if err != nil {
				return err
			}
			var picked []*rules.Rule
			if all {
				picked = append(append(picked, set.Rules()...), set.Correlations()...)
			}
			for _, a := range args {
				if r := set.Get(a); r != nil {
					picked = append(picked, r)
					continue
				}
				if _, err := os.Stat(a); err == nil {
					fs, errs := rules.LoadFiles([]string{a}, reg)
					if len(errs) > 0 {
						return errs[0]
					}
					picked = append(picked, fs.Rules()...)
					continue
				}
				return fmt.Errorf("%q is neither a rule nor a rule file", a)
			}
			rng, err := timeRange(since, from, to, "30d")
			if err != nil {
				return err
			}
			le, err := g.openLakeEngine(cmd.Context(), engine, data)
			if err != nil {
				return err
			}
			defer le.close()
			if le.duck == nil {
				return backtestOnEngine(cmd, le, set, picked, rng, reg, format)
			}
			// The lake is partitioned by arrival hour. Over the local lake
			// a back-test reads every partition from the range's start on,
			// so history loaded today (ingest of last month's files) is
			// found by its event time; reading more partitions costs
			// little here, unlike on Athena.
			rng.Late = queries.AnyLate
			e := le.duck
			opts := historical.BacktestOptions{Samples: samples, Records: format == "table", LogTypes: reg}
			if format == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetEscapeHTML(false)
				opts.OnMatch = func(m historical.Match) error { return enc.Encode(m) }
				opts.Records = false
			} else if format != "table" {
				return fmt.Errorf("--format %q: want table or json", format)
			}
			results, err := e.Backtest(cmd.Context(), picked, rng, opts)
			if err != nil {
				return err
			}
			if format == "json" {
				for _, r := range results {
					if r.Err != nil {
						fmt.Fprintf(cmd.ErrOrStderr(), "%s: %v\n", r.Rule, r.Err)
					}
				}
				return nil
			}
			return printBacktest(cmd, set, results)
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "every rule that runs")
	cmd.Flags().StringVar(&since, "since", "", "time range ending now (default 30d)")
	cmd.Flags().StringVar(&from, "from", "", "start of the time range (instead of --since)")
	cmd.Flags().StringVar(&to, "to", "", "end of the time range")
	cmd.Flags().StringVar(&format, "format", "table", "table or json (one match per line)")
	cmd.Flags().StringVar(&data, "data", "", "data directory holding the lake (default global.yaml data_dir)")
	cmd.Flags().IntVar(&samples, "samples", 3, "sample records to show per rule")
	cmd.Flags().StringVar(&engine, "engine", "", "duckdb or athena (default duckdb for a local lake, athena for an s3:// lake)")
	return cmd
}

// printBacktest prints the per-rule report, with the alerts the matches
// would have made (historical.WouldAlert).
func printBacktest(cmd *cobra.Command, set *rules.Set, results []historical.RuleResult) error {
	w := cmd.OutOrStdout()
	ctx := cmd.Context()
	var total int64
	var bytes int64
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tMATCHES\tWOULD ALERT\tDAYS\tSCANNED\tATHENA $")
	for _, r := range results {
		if r.Err != nil {
			fmt.Fprintf(tw, "%s\terror: %v\t\t\t\t\n", r.Rule, r.Err)
			continue
		}
		total += r.Matches
		bytes += r.BytesScanned
		wouldAlert := 0
		if rule := set.Get(r.Rule); rule != nil && len(r.Records) > 0 {
			var err error
			if wouldAlert, err = historical.WouldAlert(ctx, realtime.RuleInfo(rule), r.Records); err != nil {
				return err
			}
		}
		days := make([]string, 0, len(r.PerDay))
		for _, d := range r.PerDay {
			days = append(days, fmt.Sprintf("%s:%d", d.Day, d.Matches))
		}
		sort.Strings(days)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%.4f\n", r.Rule, r.Matches, wouldAlert, clipText(strings.Join(days, " "), 60), byteSize(r.BytesScanned), r.CostUSD)
	}
	tw.Flush()
	for _, r := range results {
		if len(r.Samples) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s — first %d of %d matches:\n", r.Rule, len(r.Samples), r.Matches)
		for _, s := range r.Samples {
			b, _ := json.Marshal(s)
			fmt.Fprintf(w, "  %s\n", clipText(string(b), 200))
		}
	}
	printCorrelationWindows(w, set, results)
	fmt.Fprintf(w, "\n%d rules, %d matches, %s scanned (Athena: $%.4f)\n", len(results), total, byteSize(bytes), historical.AthenaCostUSD(bytes))
	return nil
}

// maxWindowsShown bounds the crossings printed per correlation rule.
const maxWindowsShown = 10

// printCorrelationWindows lists, for each correlation rule, the groups
// and windows that crossed its condition: a match of a correlation rule
// is the crossing record, its fields the group-by values.
func printCorrelationWindows(w io.Writer, set *rules.Set, results []historical.RuleResult) {
	for _, r := range results {
		rule := set.Get(r.Rule)
		if rule == nil || rule.Correlation == nil || r.Err != nil || len(r.Records) == 0 {
			continue
		}
		c := rule.Correlation
		fmt.Fprintf(w, "\n%s (%s by %s within %s) — %d crossings:\n", r.Rule, c.Type, strings.Join(c.GroupBy, ", "), c.Timespan, r.Matches)
		for i, m := range r.Records {
			if i == maxWindowsShown {
				fmt.Fprintf(w, "  … %d more (--format json lists every one)\n", len(r.Records)-i)
				break
			}
			group := make([]string, len(c.GroupBy))
			for j, g := range c.GroupBy {
				group[j] = g + "=" + m.Fields[g]
			}
			fmt.Fprintf(w, "  group %s  window %s … %s  crossing record %s\n", strings.Join(group, " "),
				m.EventTime.Add(-c.Timespan).Format(time.RFC3339), m.EventTime.Format(time.RFC3339), m.RecordID)
		}
	}
}
