package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/streamalert/streamalert/historical"
	"github.com/streamalert/streamalert/historical/scheduler"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/internal/config/hunts"
	"github.com/streamalert/streamalert/internal/duration"
	"github.com/streamalert/streamalert/queries"
)

func newHuntCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hunt",
		Short: "Scheduled SQL over the lake: list hunts, run one, show its runs",
		Long: `Hunts are SQL over the lake that needs aggregation, joins or history: the
shipped pack plus the config's hunts/ (see docs/queries.md). They run on a
schedule in serve (and in the hunts Lambda on AWS), or by hand with
` + "`hunt run`" + `, on DuckDB over a local lake or on Athena.`,
	}
	cmd.AddCommand(newHuntListCmd(g), newHuntRunCmd(g), newHuntHistoryCmd(g))
	return cmd
}

// hunts loads the hunts that run, with historical.yaml's settings.
func (g *globals) hunts() (*config.Config, []*queries.Hunt, config.Historical, error) {
	cfg, err := g.loadConfig()
	if err != nil {
		return nil, nil, config.Historical{}, err
	}
	hs, hist, ps := hunts.Resolve(cfg)
	if len(ps) > 0 {
		ps.Sort()
		return nil, nil, hist, fmt.Errorf("hunts have problems:\n%w", ps.Err())
	}
	return cfg, hs, hist, nil
}

func findHunt(hs []*queries.Hunt, name string) (*queries.Hunt, error) {
	for _, h := range hs {
		if h.Name == name {
			return h, nil
		}
	}
	return nil, fmt.Errorf("no hunt %q (see `streamalert hunt list`)", name)
}

func newHuntListCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "list [--format table|json]",
		Short: "List the hunts: schedule, output, lookback, severity, where defined",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, hs, _, err := g.hunts()
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			switch format {
			case "json":
				enc := json.NewEncoder(w)
				enc.SetEscapeHTML(false)
				for _, h := range hs {
					if err := enc.Encode(map[string]any{"name": h.Name, "description": h.Description, "schedule": h.Schedule.String(),
						"output": h.Output.String(), "lookback": durationText(h.Lookback), "severity": h.Severity, "key": h.Key,
						"params": h.Params, "file": fmt.Sprintf("%s:%d", h.File, h.Line)}); err != nil {
						return err
					}
				}
				return nil
			case "table":
			default:
				return fmt.Errorf("--format %q: want table or json", format)
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tSCHEDULE\tOUTPUT\tLOOKBACK\tSEVERITY\tDEFINED IN\tDESCRIPTION")
			for _, h := range hs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s:%d\t%s\n", h.Name, h.Schedule, h.Output, durationText(h.Lookback), h.Severity, h.File, h.Line, clipText(h.Description, 70))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(w, "\n%d hunts\n", len(hs))
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "table or json (one hunt per line)")
	return cmd
}

// durationText prints a duration as days when whole ("7d"), "" for none.
func durationText(d time.Duration) string {
	switch {
	case d == 0:
		return ""
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

func newHuntRunCmd(g *globals) *cobra.Command {
	var from, to, late, engine, format, data string
	var params []string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "run NAME [--from T --to T] [--engine duckdb|athena] [--param k=v]... [--dry-run]",
		Short: "Run a hunt over its latest window (or --from/--to) and print its rows",
		Long: `hunt run renders a hunt for a window and runs it: by default its latest
scheduled window, or --from/--to. The rows are printed (nothing is alerted)
and the run is recorded in the hunt's history as manual. --dry-run prints the
SQL instead and, on Athena, the dt partitions the query will read.
--late widens the partitions read after the window, for records that arrived
long after their events (a backfill over an old lake).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, hs, hist, err := g.hunts()
			if err != nil {
				return err
			}
			h, err := findHunt(hs, args[0])
			if err != nil {
				return err
			}
			rng, err := huntRange(h, from, to, late)
			if err != nil {
				return err
			}
			overrides := map[string]string{}
			for k, v := range hist.Hunts.Params[h.Name] {
				overrides[k] = v
			}
			for _, p := range params {
				k, v, ok := strings.Cut(p, "=")
				if !ok {
					return fmt.Errorf("--param %q: want name=value", p)
				}
				overrides[k] = v
			}
			if dryRun {
				name, err := engineName(engine, cfg, hist)
				if err != nil {
					return err
				}
				return printDryRun(cmd, g, h, rng, overrides, name)
			}
			e, err := g.openLakeEngine(cmd.Context(), engine, data)
			if err != nil {
				return err
			}
			defer e.close()
			run, res, _ := scheduler.Execute(cmd.Context(), e, h, rng, overrides, time.Now())
			run.Manual = true
			store := scheduler.OpenStore(huntRunsDir(data, cfg))
			if err := store.Append(run); err != nil {
				return err
			}
			if run.Error != "" {
				return fmt.Errorf("hunt %s: %s", h.Name, run.Error)
			}
			if _, err := historical.WriteResult(cmd.OutOrStdout(), res, format); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "hunt %s over %s on %s: %d rows, %s scanned ($%.4f), %s\n", h.Name, rng, e.Name(),
				res.Stats.Rows, byteSize(res.Stats.BytesScanned), res.Stats.CostUSD, run.Duration.Round(time.Millisecond))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "start of the window (RFC 3339 or YYYY-MM-DD; default: the latest scheduled window)")
	f.StringVar(&to, "to", "", "end of the window (default now with --from)")
	f.StringVar(&late, "late", "", "read partitions this long after the window's end (default 1h)")
	f.StringVar(&engine, "engine", "", "duckdb or athena (default duckdb for a local lake, athena for an s3:// lake)")
	f.StringArrayVar(&params, "param", nil, "override a parameter: name=value (repeatable)")
	f.BoolVar(&dryRun, "dry-run", false, "print the SQL (and, on Athena, the partitions read) without running it")
	f.StringVar(&format, "format", "table", "table, json (one object per line) or csv")
	f.StringVar(&data, "data", "", "data directory (default global.yaml data_dir)")
	return cmd
}

// huntRange is the window of a manual run: --from/--to, else the latest
// scheduled window.
func huntRange(h *queries.Hunt, from, to, late string) (queries.TimeRange, error) {
	var rng queries.TimeRange
	if from == "" && to == "" {
		rng.From, rng.To = h.Window(time.Now())
	} else {
		var err error
		if rng, err = timeRange("", from, to, ""); err != nil {
			return rng, err
		}
	}
	if late != "" {
		d, err := duration.Parse(late)
		if err != nil {
			return rng, fmt.Errorf("--late: %w", err)
		}
		rng.Late = max(d, time.Nanosecond) // 0 would mean the default
	}
	return rng, nil
}

// printDryRun prints the statement and, on Athena, the partitions of each
// log table it reads.
func printDryRun(cmd *cobra.Command, g *globals, h *queries.Hunt, rng queries.TimeRange, overrides map[string]string, engine string) error {
	d := queries.DuckDB
	if engine == "athena" {
		d = queries.Athena
	}
	sql, err := h.RenderRange(d, rng, overrides)
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "-- hunt %s, window %s, %s\n%s;\n", h.Name, rng, engine, strings.TrimRight(sql, "\n;"))
	if d != queries.Athena {
		return nil
	}
	reg, err := g.registry()
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, lt := range reg.All() {
		known[lt.Table()] = true
	}
	from, to := h.Partitions(rng)
	f, _ := time.Parse("2006-01-02-15", from)
	t, _ := time.Parse("2006-01-02-15", to)
	hours := int(t.Sub(f).Hours()) + 1
	tables := queries.Tables(sql, func(s string) bool { return known[s] })
	sort.Strings(tables)
	fmt.Fprintf(w, "\n-- partitions read (partition projection, dt by arrival hour):\n")
	for _, tb := range tables {
		fmt.Fprintf(w, "--   %s: dt=%s … dt=%s (%d hourly partitions)\n", tb, from, to, hours)
	}
	return nil
}

// huntRunsDir is where hunt runs are recorded: <data>/hunts.
func huntRunsDir(data string, cfg *config.Config) string {
	return filepath.Join(dataDir(data, cfg), "hunts")
}

func newHuntHistoryCmd(g *globals) *cobra.Command {
	var format, data string
	var last int
	cmd := &cobra.Command{
		Use:   "history NAME [--last N] [--format table|json]",
		Short: "Show a hunt's runs: window, rows, bytes scanned, cost, duration, error",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, hs, _, err := g.hunts()
			if err != nil {
				return err
			}
			if _, err := findHunt(hs, args[0]); err != nil {
				return err
			}
			runs, err := scheduler.OpenStore(huntRunsDir(data, cfg)).History(args[0])
			if err != nil {
				return err
			}
			if last > 0 && len(runs) > last {
				runs = runs[len(runs)-last:]
			}
			w := cmd.OutOrStdout()
			switch format {
			case "json":
				enc := json.NewEncoder(w)
				enc.SetEscapeHTML(false)
				for _, r := range runs {
					if err := enc.Encode(r); err != nil {
						return err
					}
				}
				return nil
			case "table":
			default:
				return fmt.Errorf("--format %q: want table or json", format)
			}
			if len(runs) == 0 {
				fmt.Fprintf(w, "hunt %s has not run (runs are recorded in %s)\n", args[0], huntRunsDir(data, cfg))
				return nil
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "WINDOW START\tWINDOW END\tENGINE\tKIND\tROWS\tALERTS\tSCANNED\tCOST $\tDURATION\tERROR")
			for _, r := range runs {
				kind := "scheduled"
				switch {
				case r.Manual:
					kind = "manual"
				case r.Skipped:
					kind = "skipped"
				case r.GaveUp:
					kind = "gave up"
				case r.Attempt > 1:
					kind = fmt.Sprintf("attempt %d", r.Attempt)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%.4f\t%s\t%s\n", r.WindowStart.Format(time.RFC3339), r.WindowEnd.Format(time.RFC3339),
					r.Engine, kind, r.Rows, r.Alerts, byteSize(r.BytesScanned), r.CostUSD, r.Duration.Round(time.Millisecond), clipText(r.Error, 80))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "table or json (one run per line)")
	cmd.Flags().IntVar(&last, "last", 50, "show the last N runs (0: all)")
	cmd.Flags().StringVar(&data, "data", "", "data directory (default global.yaml data_dir)")
	return cmd
}
