package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/streamalert/streamalert/internal/config"
)

// globals are the persistent flags every command shares.
type globals struct {
	configDir string
	logFormat string
	logLevel  string
	// cpuProfile, when set, receives a CPU profile of the command.
	cpuProfile  string
	stopProfile func() error
}

func newRoot() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "streamalert",
		Short: "Real-time and historical security detection over your logs",
		Long: `streamalert classifies raw logs against log type schemas, runs detection
rules on every record as it arrives, writes every record to a Parquet lake,
and runs the same rules as SQL over history.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := g.setupLogging(cmd.ErrOrStderr()); err != nil {
				return err
			}
			var err error
			g.stopProfile, err = startCPUProfile(g.cpuProfile)
			return err
		},
		PersistentPostRunE: func(cmd *cobra.Command, args []string) error {
			if g.stopProfile == nil {
				return nil
			}
			return g.stopProfile()
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&g.configDir, "config", "", "config directory (default ./conf, else the embedded example config)")
	pf.StringVar(&g.logFormat, "log-format", "", "log format: text or json (default text on a terminal, json otherwise)")
	pf.StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	pf.StringVar(&g.cpuProfile, "cpuprofile", "", "write a CPU profile of the command to this file (go tool pprof)")
	pf.MarkHidden("cpuprofile")
	root.AddCommand(
		newVersionCmd(),
		newInitCmd(),
		newValidateCmd(g),
		newSchemasCmd(g),
		newClassifyCmd(g),
		newRulesCmd(g),
		newServeCmd(g),
		newIngestCmd(g),
		newAlertsCmd(g),
		newOutputsCmd(g),
		newQueryCmd(g),
		newBacktestCmd(g),
		newLambdaCmd(g),
		newDeployCmd(g),
		newDemoCmd(g),
		newHuntCmd(g),
		newBenchCmd(g),
		newIntelCmd(g),
	)
	return root
}

// setupLogging installs the default slog logger: text on a terminal, JSON
// when asked or when running inside AWS Lambda.
func (g *globals) setupLogging(w io.Writer) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", g.logLevel)
	}
	format := g.logFormat
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			format = "text"
		}
		if os.Getenv("AWS_LAMBDA_FUNCTION_NAME") != "" {
			format = "json"
		}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "text":
		slog.SetDefault(slog.New(slog.NewTextHandler(w, opts)))
	case "json":
		slog.SetDefault(slog.New(slog.NewJSONHandler(w, opts)))
	default:
		return fmt.Errorf("--log-format %q: want text or json", format)
	}
	return nil
}

// loadConfig finds and loads the configuration, failing on any problem.
func (g *globals) loadConfig() (*config.Config, error) {
	cfg, ps := config.Find(g.configDir)
	if len(ps) > 0 {
		ps.Sort()
		return nil, fmt.Errorf("config has problems (run `streamalert validate`):\n%w", ps.Err())
	}
	return cfg, nil
}

// resolve loads the configuration and builds its running objects.
func (g *globals) resolve(parts config.Parts) (*config.Resolved, error) {
	cfg, err := g.loadConfig()
	if err != nil {
		return nil, err
	}
	return config.Resolve(cfg, parts)
}
