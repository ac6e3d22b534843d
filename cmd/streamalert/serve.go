package main

import (
	"fmt"
	"log/slog"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/realtime"
	"github.com/streamalert/streamalert/realtime/serve"
)

// dataDir picks the data directory: --data, else global.yaml's data_dir.
func dataDir(flag string, cfg *config.Config) string {
	if flag != "" {
		return flag
	}
	if cfg.Global.DataDir != "" {
		return cfg.Global.DataDir
	}
	return "./data"
}

func newServeCmd(g *globals) *cobra.Command {
	var listen, data string
	var workers int
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the whole pipeline in one process: HTTP and syslog ingest, lake, rules, alerts",
		Long: `serve runs the embedded deployment: it accepts logs over HTTP
(POST /v1/ingest/{source} with the source's bearer token) and syslog (the
sources in sources.yaml), classifies them, writes every record to the
Parquet lake, runs the rules and delivers alerts. An ingest is answered 202
only once it is durably in the ingest log; after a crash, what was accepted
is replayed. /healthz and /metrics (Prometheus) are served beside the API.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			app, err := serve.OpenApp(ctx, cfg, dataDir(data, cfg), serve.AppOptions{Workers: workers, Logger: slog.Default()})
			if err != nil {
				return err
			}
			return app.Serve(ctx, listen, func(addr string) {
				if cfg.Dir == "" {
					// The embedded config makes a fresh token per run; say it,
					// or nobody could post.
					for _, s := range realtime.SourcesOf[*realtime.HTTPSource](app.Sources) {
						fmt.Fprintf(cmd.ErrOrStderr(), "embedded config: post logs with\n  curl -H 'Authorization: Bearer %s' --data-binary @FILE http://%s/v1/ingest/%s\n", s.Token, addr, s.Name)
					}
				}
			})
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8080", "HTTP listen address")
	cmd.Flags().StringVar(&data, "data", "", "data directory: ingest log, lake, alert store (default global.yaml data_dir)")
	cmd.Flags().IntVar(&workers, "workers", 0, "classification workers (default 2)")
	return cmd
}
