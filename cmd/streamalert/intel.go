package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/historical"
	"github.com/streamalert/streamalert/intel"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/queries"
	"github.com/streamalert/streamalert/realtime"
)

// intelState loads the config's threat intel: intel.yaml, the iocs/ files,
// the feeds' cached bodies under the data directory, lookup tables.
func (g *globals) intelState(data string) (*config.Config, *config.IntelState, string, error) {
	cfg, err := g.loadConfig()
	if err != nil {
		return nil, nil, "", err
	}
	dir := dataDir(data, cfg)
	st, ps := cfg.LoadIntel(dir, time.Now())
	if len(ps) > 0 {
		ps.Sort()
		return nil, nil, "", fmt.Errorf("threat intel has problems:\n%w", ps.Err())
	}
	return cfg, st, dir, nil
}

func newIntelCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "intel",
		Short: "Threat intel: IOC sets and feeds, value tests, IOC sweeps over the lake",
		Long: `intel shows the IOC sets the config loads (files in iocs/ and the feeds of
intel.yaml), tests values against them, downloads feeds, and sweeps the lake
for records whose normalized values are IOCs. See docs/intel.md.`,
	}
	cmd.AddCommand(newIntelListCmd(g), newIntelShowCmd(g), newIntelTestCmd(g), newIntelFetchCmd(g), newIntelSweepCmd(g))
	return cmd
}

// setSummary is a set as `intel list --format json` prints it.
type setSummary struct {
	Name       string         `json:"name"`
	Origin     string         `json:"origin"`
	Format     string         `json:"format"`
	Loaded     time.Time      `json:"loaded"`
	Counts     map[string]int `json:"counts"`
	Total      int            `json:"total"`
	Duplicates int            `json:"duplicates,omitempty"`
	Skipped    map[string]int `json:"skipped,omitempty"`
	Sources    []string       `json:"sources"`
}

func summarize(s *intel.Set) setSummary {
	sum := setSummary{Name: s.Name, Origin: s.Origin, Format: s.Format.String(), Loaded: s.Loaded.UTC(), Counts: map[string]int{},
		Total: s.Total(), Duplicates: s.Duplicates(), Sources: s.Sources()}
	for _, t := range intel.Types {
		if n := s.Len(t); n > 0 {
			sum.Counts[t.String()] = n
		}
	}
	if len(s.Skipped) > 0 {
		sum.Skipped = s.Skipped
	}
	return sum
}

func newIntelListCmd(g *globals) *cobra.Command {
	var data, format string
	cmd := &cobra.Command{
		Use:   "list [--format table|json]",
		Short: "The IOC sets with their source and counts per type, the feeds, the allow-list and the lookup tables",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, st, _, err := g.intelState(data)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if format == "json" {
				enc := json.NewEncoder(w)
				enc.SetEscapeHTML(false)
				for _, s := range st.Store.Sets() {
					if err := enc.Encode(summarize(s)); err != nil {
						return err
					}
				}
				return nil
			} else if format != "table" {
				return fmt.Errorf("--format %q: want table or json", format)
			}
			return printIntelList(w, st)
		},
	}
	cmd.Flags().StringVar(&data, "data", "", "data directory holding fetched feeds (default global.yaml data_dir)")
	cmd.Flags().StringVar(&format, "format", "table", "table or json (one object per set)")
	return cmd
}

func printIntelList(w io.Writer, st *config.IntelState) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SET\tFORMAT\tIOCS\tPER TYPE\tSKIPPED\tSOURCE")
	for _, s := range st.Store.Sets() {
		sum := summarize(s)
		var per []string
		for _, t := range intel.Types {
			if n := sum.Counts[t.String()]; n > 0 {
				per = append(per, fmt.Sprintf("%s %d", t, n))
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%s\n", s.Name, sum.Format, sum.Total, strings.Join(per, ", "), s.SkippedTotal(), s.Origin)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(st.Store.Sets()) == 0 {
		fmt.Fprintln(w, "(no IOC sets: put files in the config's iocs/ folder or configure feeds in intel.yaml)")
	}
	for _, f := range st.Feeds {
		status := "not fetched yet (streamalert intel fetch)"
		if s := st.Store.Get(f.Name); s != nil {
			status = "fetched " + s.Loaded.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(w, "feed %s: %s, %s\n", f.Name, f.URL, status)
	}
	if ex := st.Store.Exclusions(); ex != nil {
		fmt.Fprintf(w, "allow-list: %d values and networks (intel.yaml excluded_iocs)\n", ex.Total())
	}
	for _, n := range st.Lookups.Names() {
		t := st.Lookups.Table(n)
		fmt.Fprintf(w, "lookup table %s: %d keys (%s)\n", n, t.Len(), t.Origin)
	}
	return nil
}

func newIntelShowCmd(g *globals) *cobra.Command {
	var data, format string
	var limit int
	cmd := &cobra.Command{
		Use:   "show SET [--limit N] [--format table|json]",
		Short: "The IOCs of one set",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, st, _, err := g.intelState(data)
			if err != nil {
				return err
			}
			s := st.Store.Get(args[0])
			if s == nil {
				var names []string
				for _, o := range st.Store.Sets() {
					names = append(names, o.Name)
				}
				return fmt.Errorf("no IOC set %q (sets: %s)", args[0], strings.Join(names, ", "))
			}
			w := cmd.OutOrStdout()
			enc := json.NewEncoder(w)
			enc.SetEscapeHTML(false)
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			if format == "table" {
				fmt.Fprintln(tw, "TYPE\tVALUE\tSOURCE\tEXPIRES")
			} else if format != "json" {
				return fmt.Errorf("--format %q: want table or json", format)
			}
			n := 0
			var werr error
			s.Each(func(e intel.Entry) bool {
				if limit > 0 && n >= limit {
					return false
				}
				n++
				exp := ""
				if !e.Expires.IsZero() {
					exp = e.Expires.Format(time.RFC3339)
				}
				if format == "json" {
					werr = enc.Encode(map[string]any{"type": e.Type.String(), "value": e.Value, "source": e.Source, "expires": exp})
					return werr == nil
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Type, e.Value, e.Source, exp)
				return true
			})
			if werr != nil {
				return werr
			}
			if format == "table" {
				if err := tw.Flush(); err != nil {
					return err
				}
				if n < s.Total() {
					fmt.Fprintf(cmd.ErrOrStderr(), "(%d of %d IOCs; --limit 0 shows all)\n", n, s.Total())
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", "", "data directory holding fetched feeds (default global.yaml data_dir)")
	cmd.Flags().StringVar(&format, "format", "table", "table or json (one object per IOC)")
	cmd.Flags().IntVar(&limit, "limit", 50, "show at most this many IOCs (0: all)")
	return cmd
}

func newIntelTestCmd(g *globals) *cobra.Command {
	var data, typ string
	cmd := &cobra.Command{
		Use:   "test VALUE [--type ip|domain|url|md5|sha1|sha256|email]",
		Short: "Which IOC sets contain a value, and whether the allow-list stops it (exit status 1: no match)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, st, _, err := g.intelState(data)
			if err != nil {
				return err
			}
			var t intel.Type
			if typ != "" {
				t, err = intel.ParseType(typ)
			} else {
				t, err = intel.Guess(args[0])
			}
			if err != nil {
				return err
			}
			e := st.Store.Explain(t, args[0])
			w := cmd.OutOrStdout()
			if !e.Valid {
				fmt.Fprintf(w, "%q is not a valid %s value: it never matches\n", args[0], t)
				return errNoMatch
			}
			fmt.Fprintf(w, "%s %s\n", t, e.Value)
			for _, h := range e.Hits {
				exp := "never expires"
				if !h.Expires.IsZero() {
					exp = "expires " + h.Expires.Format(time.RFC3339)
				}
				fmt.Fprintf(w, "  in set %s as %s (source %s, %s)\n", h.Set, h.IOC, h.Source, exp)
			}
			if e.Excluded != nil {
				fmt.Fprintf(w, "  allow-listed by %s (intel.yaml excluded_iocs): never matches\n", e.Excluded.IOC)
			}
			if len(e.Hits) == 0 {
				fmt.Fprintf(w, "  in no active set\n")
			}
			if !e.Matches() {
				return errNoMatch
			}
			fmt.Fprintln(w, "  matches")
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", "", "data directory holding fetched feeds (default global.yaml data_dir)")
	cmd.Flags().StringVar(&typ, "type", "", "the value's IOC type (default: guessed from the value)")
	return cmd
}

// errNoMatch makes `intel test` exit 1 without a message of its own.
var errNoMatch = exitError{code: 1}

func newIntelFetchCmd(g *globals) *cobra.Command {
	var data string
	cmd := &cobra.Command{
		Use:   "fetch",
		Short: "Download the feeds of intel.yaml (conditional requests); a broken feed keeps its previous set",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, st, _, err := g.intelState(data)
			if err != nil {
				return err
			}
			if len(st.Feeds) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no feeds configured (intel.yaml feeds)")
				return nil
			}
			failed := 0
			for _, r := range st.Fetcher.FetchAll(cmd.Context(), st.Feeds) {
				switch r.Status {
				case intel.FeedFailed:
					failed++
					fmt.Fprintf(cmd.OutOrStdout(), "%s: failed: %v\n", r.Feed, r.Err)
				default:
					fmt.Fprintf(cmd.OutOrStdout(), "%s: %s, %d IOCs\n", r.Feed, r.Status, r.Set.Total())
				}
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d feeds failed", failed, len(st.Feeds))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", "", "data directory to keep fetched feeds in (default global.yaml data_dir)")
	return cmd
}

func newIntelSweepCmd(g *globals) *cobra.Command {
	var since, from, to, format, data, engine string
	var noAlert, printSQL bool
	cmd := &cobra.Command{
		Use:   "sweep --since D [--engine duckdb] [--format json|table] [--no-alert] [--sql]",
		Short: "Find the records of the lake whose normalized values are IOCs of the active sets, and alert on them",
		Long: `sweep writes a snapshot of the active IOC sets to the lake (table iocs),
joins every log type's normalized values against it in SQL and prints one
hit per line. Each hit becomes the alert of the pack's intel rule for its
value's type (intel_ioc_ip_address, …), with "sweep": true in its matched
values; the alert id is the one streaming gives the same rule and record,
so a record already alerted on, or found by an earlier sweep, is not
alerted on again. --sql prints the statements instead (--engine athena for
Athena's).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rng, err := timeRange(since, from, to, "30d")
			if err != nil {
				return err
			}
			d, err := queries.ParseDialect(engine)
			if err != nil {
				return fmt.Errorf("--engine: %w", err)
			}
			if format != "json" && format != "table" {
				return fmt.Errorf("--format %q: want json or table", format)
			}
			cfg, st, dir, err := g.intelState(data)
			if err != nil {
				return err
			}
			res, err := config.Resolve(cfg, config.Parts{})
			if err != nil {
				return err
			}
			reg := res.Registry
			if printSQL {
				for _, lt := range reg.All() {
					sw, ok, err := queries.Options{}.CompileSweep(lt, d, rng)
					if err != nil {
						return err
					}
					if ok {
						fmt.Fprintf(cmd.OutOrStdout(), "-- %s\n%s;\n\n", lt.Name, sw.SQL)
					}
				}
				return nil
			}
			if d != queries.DuckDB {
				return fmt.Errorf("--engine %s: this build runs sweeps with DuckDB over a local lake; print the Athena SQL with --sql --engine athena", engine)
			}
			lake, ok := cfg.Global.LocalLake(dir)
			if !ok {
				return fmt.Errorf("the lake is %s: sweep it with Athena (--sql --engine athena prints the statements)", cfg.Global.Lake)
			}
			if _, err := os.Stat(lake); err != nil {
				return fmt.Errorf("no lake at %s (load data with `streamalert ingest` or `streamalert serve`, or pass --data)", lake)
			}
			if err := historical.WriteIntelDir(cmd.Context(), lake, st.Store, st.Lookups, time.Now()); err != nil {
				return err
			}
			eng, err := historical.Open(cmd.Context(), lake, append(reg.All(), intel.LakeTables(st.Lookups)...), historical.Options{})
			if err != nil {
				return err
			}
			defer eng.Close()
			w := cmd.OutOrStdout()
			enc := json.NewEncoder(w)
			enc.SetEscapeHTML(false)
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			if format == "table" {
				fmt.Fprintln(tw, "EVENT TIME\tLOG TYPE\tVALUE\tIOC\tTYPE\tSET\tSOURCE\tRECORD")
			}
			var hits []historical.SweepHit
			stats, err := eng.Sweep(cmd.Context(), reg.All(), rng, func(h historical.SweepHit) error {
				hits = append(hits, h)
				if format == "json" {
					return enc.Encode(h)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", h.EventTime.Format(time.RFC3339), h.LogType, h.Value, h.IOC, h.IOCType, h.Set, h.Source, h.RecordID)
				return nil
			})
			if err != nil {
				return err
			}
			if format == "table" {
				if err := tw.Flush(); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "swept %d log types in %s: %d hits\n", stats.LogTypes, stats.Elapsed.Round(time.Millisecond), stats.Hits)
			if noAlert || len(hits) == 0 {
				return nil
			}
			return sweepAlerts(cmd, g, data, hits)
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "time range ending now (e.g. 24h, 90d; default 30d)")
	cmd.Flags().StringVar(&from, "from", "", "start of the time range (instead of --since)")
	cmd.Flags().StringVar(&to, "to", "", "end of the time range")
	cmd.Flags().StringVar(&engine, "engine", "duckdb", "duckdb (runs the sweep) or athena (with --sql)")
	cmd.Flags().StringVar(&format, "format", "json", "json (one hit per line) or table")
	cmd.Flags().StringVar(&data, "data", "", "data directory holding the lake (default global.yaml data_dir)")
	cmd.Flags().BoolVar(&noAlert, "no-alert", false, "print the hits without making alerts")
	cmd.Flags().BoolVar(&printSQL, "sql", false, "print the sweep statements instead of running them")
	return cmd
}

// sweepAlerts turns hits into alerts of the pack's intel rules through the
// alert processor: hits already alerted on are replays.
func sweepAlerts(cmd *cobra.Command, g *globals, data string, hits []historical.SweepHit) error {
	_, _, set, err := g.ruleSet()
	if err != nil {
		return err
	}
	p, st, rc, err := g.openProcessor(cmd, data)
	if err != nil {
		return err
	}
	if rc != nil {
		return fmt.Errorf("a serve runs on this data directory and owns its alerts: rerun with --no-alert (sweep alerts through a running serve are not wired yet)")
	}
	defer st.Close()
	matches := make([]alerts.Match, 0, len(hits))
	missing := map[string]bool{}
	for _, h := range hits {
		r := set.Get(historical.SweepRule(h.NormalizedType))
		if r == nil || !r.Enabled {
			missing[historical.SweepRule(h.NormalizedType)] = true
			continue
		}
		matches = append(matches, h.Match(realtime.RuleInfo(r)))
	}
	res, err := p.Process(cmd.Context(), matches)
	if err != nil {
		return err
	}
	var names []string
	for n := range missing {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(cmd.ErrOrStderr(), "alerts: %d new, %d already raised", res.New, res.Replayed)
	if len(names) > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "; no alerts for hits of disabled or missing rules %s", strings.Join(names, ", "))
	}
	fmt.Fprintln(cmd.ErrOrStderr())
	return nil
}
