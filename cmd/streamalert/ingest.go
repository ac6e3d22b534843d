package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/realtime/serve"
	"github.com/streamalert/streamalert/schema"
)

func newIngestCmd(g *globals) *cobra.Command {
	var source, logType, data, url, token string
	cmd := &cobra.Command{
		Use:   "ingest [--source NAME | --log-type T] FILE...",
		Short: "Load log files (plain or gzip) through the whole pipeline and exit when all is written",
		Long: `ingest runs the same pipeline as serve, in this process, on the data
directory: records go to the lake, rules run, alerts are stored (and sent).
It exits once everything is committed. With --url it posts the files to a
running serve instead.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			if source != "" && logType != "" {
				return fmt.Errorf("give --source or --log-type, not both")
			}
			if url != "" {
				if logType != "" {
					return fmt.Errorf("--log-type does not apply with --url: the server classifies by the source's log types")
				}
				client, err := httpIngestClient(cfg, url, source, token)
				if err != nil {
					return err
				}
				return postFiles(cmd, cfg, args, func(payload []byte) (int, error) {
					return client.Post(cmd.Context(), payload)
				})
			}
			ctx := cmd.Context()
			if rc := serve.DialAdmin(dataDir(data, cfg)); rc != nil {
				// serve holds the data directory: the files go through it.
				if source == "" {
					return fmt.Errorf("`streamalert serve` (pid %d) is running on data directory %s and loads the files for you; name the source they come from: --source %s", rc.Info().PID, dataDir(data, cfg), strings.Join(sourceNames(cfg), " | --source "))
				}
				if err := postFiles(cmd, cfg, args, func(payload []byte) (int, error) {
					return rc.Ingest(cmd.Context(), source, payload)
				}); err != nil {
					return err
				}
				// As on its own, ingest returns once the records are in the lake.
				lake, err := rc.Commit(cmd.Context())
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "processed and committed to the lake %s by serve (pid %d)\n", lake, rc.Info().PID)
				return nil
			}
			app, err := serve.OpenApp(ctx, cfg, dataDir(data, cfg), serve.AppOptions{Logger: nil, MaxPendingBytes: serve.IngestPendingBytes})
			if err != nil {
				return err
			}
			batchSource := source
			switch {
			case logType != "":
				types, err := app.Registry.Select([]string{logType})
				if err != nil {
					app.Close(ctx)
					return err
				}
				batchSource = "ingest:" + logType
				app.Pipeline.AddSource(batchSource, types)
			case source != "":
				if _, ok := cfg.Source(source); !ok {
					app.Close(ctx)
					return fmt.Errorf("unknown source %q (see sources.yaml)", source)
				}
			default:
				batchSource = "ingest"
				app.Pipeline.AddSource(batchSource, nil)
			}
			app.Start(ctx)
			var total int64
			sizes := make([]int64, len(args))
			for i, f := range args {
				if st, err := os.Stat(f); err == nil {
					sizes[i] = st.Size()
					total += st.Size()
				}
			}
			bar := newProgress(cmd.ErrOrStderr(), total)
			var done int64
			for i, f := range args {
				err := app.IngestFile(ctx, batchSource, f, serve.IngestOptions{Progress: func(read int64) { bar.set(done + min(read, sizes[i])) }})
				if err != nil {
					app.Close(ctx)
					return err
				}
				done += sizes[i]
				bar.set(done)
			}
			app.Runner.Drain()
			bar.finish()
			m, proc := app.Metrics, app.Processor
			if err := app.Finish(ctx); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d records: %d classified, %d unclassified; %d rule matches; lake %s\n",
				m.Sum("streamalert_records_in_total"), m.Sum("streamalert_records_classified_total"),
				m.Sum("streamalert_records_unclassified_total"), m.Sum("streamalert_rule_matches_total"), app.LakeRoot)
			printAlertCounts(cmd, proc.Totals(), app.DataDir)
			return nil
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "the configured source the files come from (its log types are the candidates)")
	cmd.Flags().StringVar(&logType, "log-type", "", "classify only against this log type (or source prefix)")
	cmd.Flags().StringVar(&data, "data", "", "data directory (default global.yaml data_dir)")
	cmd.Flags().StringVar(&url, "url", "", "post to a running serve at this base URL instead (e.g. http://127.0.0.1:8080)")
	cmd.Flags().StringVar(&token, "token", "", "bearer token for --url (default: the source's token in sources.yaml)")
	return cmd
}

// httpIngestClient posts to serve's HTTP route of source (default: the
// first HTTP source), which must be an HTTP source: other sources are fed
// through the admin API by running ingest where serve runs, without --url.
func httpIngestClient(cfg *config.Config, base, source, token string) (*serve.IngestClient, error) {
	var httpNames []string
	for _, s := range cfg.Sources {
		if s.Kind == "http" {
			httpNames = append(httpNames, s.Name)
		}
	}
	if source == "" {
		if len(httpNames) == 0 {
			return nil, fmt.Errorf("--url posts to an HTTP source, and sources.yaml has none")
		}
		source = httpNames[0]
	}
	s, ok := cfg.Source(source)
	switch {
	case !ok:
		return nil, fmt.Errorf("unknown source %q (sources.yaml has: %s)", source, strings.Join(sourceNames(cfg), ", "))
	case s.Kind != "http":
		suggest := "NAME"
		if len(httpNames) > 0 {
			suggest = httpNames[0]
		}
		return nil, fmt.Errorf("source %q is a %s source, and --url posts to serve's HTTP route, which takes HTTP sources only (here: %s); use --source %s, or run `streamalert ingest --source %s FILE...` without --url on the machine where serve runs",
			source, s.Kind, strings.Join(httpNames, ", "), suggest, source)
	}
	if token == "" {
		token = s.Token
	}
	return &serve.IngestClient{URL: base, Source: source, Token: token}, nil
}

// sourceNames lists the configured sources.
func sourceNames(cfg *config.Config) []string {
	var names []string
	for _, s := range cfg.Sources {
		names = append(names, s.Name)
	}
	return names
}

// postFiles sends each file, decompressed, to a running serve with post.
func postFiles(cmd *cobra.Command, cfg *config.Config, files []string, post func(payload []byte) (int, error)) error {
	accepted := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		payload, err := schema.Inflate(raw, 16<<30)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		n, err := post(payload)
		accepted += n
		if err != nil {
			return fmt.Errorf("post %s: %w", f, err)
		}
	}
	fmt.Fprintf(cmd.OutOrStdout(), "posted %d files, %d records accepted\n", len(files), accepted)
	return nil
}

// printAlertCounts prints the alerts this load stored, by the status each
// was stored with (counted as they were stored: the store also holds
// every earlier run's alerts).
func printAlertCounts(cmd *cobra.Command, t alerts.Totals, dir string) {
	var parts []string
	for _, p := range []struct {
		n    int
		what string
	}{
		{t.Pending, "for outputs"}, {t.Staged, "staged"}, {t.Suppressed, "suppressed"}, {t.Merging, "merging"},
	} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	if t.Merged > 0 {
		parts = append(parts, fmt.Sprintf("%d merged alerts made of merging ones", t.Merged))
	}
	summary := "none"
	if len(parts) > 0 {
		summary = fmt.Sprintf("%d: %s", t.New+t.Merged, strings.Join(parts, ", "))
	}
	fmt.Fprintf(cmd.OutOrStdout(), "alerts stored by this load: %s (see `streamalert alerts list --data %s`)\n", summary, dir)
}
