package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	awsathena "github.com/aws/aws-sdk-go-v2/service/athena"

	"github.com/streamalert/streamalert/historical"
	"github.com/streamalert/streamalert/historical/athena"
	"github.com/streamalert/streamalert/historical/sqlengine"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/queries"
	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// engines are the names --engine takes.
var engines = []string{"duckdb", "athena"}

// lakeEngine is the engine a command runs on, with what it needs around it.
type lakeEngine struct {
	sqlengine.Engine
	duck  *historical.Engine // set for duckdb
	reg   *schema.Registry
	cfg   *config.Config
	close func()
}

// engineName picks the engine: the one asked for, else duckdb for a local
// lake and athena for an s3:// lake when a workgroup is configured.
func engineName(flag string, cfg *config.Config, hist config.Historical) (string, error) {
	switch flag {
	case "duckdb", "athena":
		return flag, nil
	case "":
	default:
		return "", fmt.Errorf("--engine %q: want %s", flag, strings.Join(engines, " or "))
	}
	if strings.HasPrefix(cfg.Global.Lake, "s3://") {
		if !hist.Athena.Configured() {
			return "", fmt.Errorf("the lake is %s: set athena.workgroup in %s to query it with Athena (the embedded engine reads a local file:// lake)", cfg.Global.Lake, config.HistoricalFile)
		}
		return "athena", nil
	}
	return "duckdb", nil
}

// openLakeEngine opens the engine named by --engine (see engineName).
func (g *globals) openLakeEngine(ctx context.Context, flag, data string) (*lakeEngine, error) {
	cfg, err := g.loadConfig()
	if err != nil {
		return nil, err
	}
	hist, ps := cfg.Historical()
	if len(ps) > 0 {
		return nil, fmt.Errorf("%s:\n%w", config.HistoricalFile, ps.Err())
	}
	name, err := engineName(flag, cfg, hist)
	if err != nil {
		return nil, err
	}
	if name == "duckdb" {
		e, reg, err := g.openEngine(ctx, data)
		if err != nil {
			return nil, err
		}
		return &lakeEngine{Engine: e, duck: e, reg: reg, cfg: cfg, close: func() { e.Close() }}, nil
	}
	reg, err := g.registry()
	if err != nil {
		return nil, err
	}
	e, err := newAthena(ctx, cfg, hist.Athena)
	if err != nil {
		return nil, err
	}
	return &lakeEngine{Engine: e, reg: reg, cfg: cfg, close: func() {}}, nil
}

// newAthena makes the Athena engine with the default AWS credentials and
// the config's region (AWS_ENDPOINT_URL_ATHENA points it elsewhere).
func newAthena(ctx context.Context, cfg *config.Config, a config.Athena) (*athena.Engine, error) {
	if !a.Configured() {
		return nil, fmt.Errorf("athena: no workgroup configured (athena.workgroup in %s)", config.HistoricalFile)
	}
	var opts []func(*awsconfig.LoadOptions) error
	if cfg.Global.Region != "" {
		opts = append(opts, awsconfig.WithRegion(cfg.Global.Region))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("athena: aws config: %w", err)
	}
	return athena.New(awsathena.NewFromConfig(awsCfg), athena.Config{
		WorkGroup: a.WorkGroup, OutputLocation: a.OutputLocation, Database: a.Database, Catalog: a.Catalog,
		PricePerTB: a.PricePerTB, Timeout: a.Timeout,
	})
}

// runOnEngine runs ad-hoc SQL on an engine other than the local DuckDB
// and prints its rows and cost like `query` does.
func runOnEngine(cmd *cobra.Command, e *lakeEngine, sql, format string) error {
	res, err := e.Execute(cmd.Context(), sql)
	if err != nil {
		return err
	}
	if _, err := historical.WriteResult(cmd.OutOrStdout(), res, format); err != nil {
		return err
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "%d rows, %s scanned on %s (query %s, $%.4f), %s\n", res.Stats.Rows, byteSize(res.Stats.BytesScanned),
		e.Name(), res.Stats.QueryID, res.Stats.CostUSD, res.Stats.Elapsed.Round(time.Millisecond))
	return nil
}

// backtestOnEngine back-tests on an engine other than the local DuckDB:
// matches per rule and day, or one JSON object per match.
func backtestOnEngine(cmd *cobra.Command, e *lakeEngine, set *rules.Set, rs []*rules.Rule, rng queries.TimeRange, reg rules.LogTypes, format string) error {
	var onMatch func(historical.Match) error
	switch format {
	case "json":
		enc := json.NewEncoder(cmd.OutOrStdout())
		enc.SetEscapeHTML(false)
		onMatch = func(m historical.Match) error { return enc.Encode(m) }
	case "table":
	default:
		return fmt.Errorf("--format %q: want table or json", format)
	}
	results, err := historical.BacktestOn(cmd.Context(), e, rs, rng, reg, onMatch)
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
}
