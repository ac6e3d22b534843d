package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/streamalert/streamalert/internal/bench"
	"github.com/streamalert/streamalert/internal/workload"
	"github.com/streamalert/streamalert/rules"
)

func newBenchCmd(g *globals) *cobra.Command {
	var kind, dir string
	var records int
	var seed uint64
	var keep bool
	cmd := &cobra.Command{
		Use:   "bench [--workload cloudtrail|vpcflow|syslog|mixed] [--records N]",
		Short: "Measure classify, rules run, ingest, serve and backtest on a generated workload",
		Long: `bench generates a seeded workload and runs the paths users run, each in
a process of its own: the library's classify (and classify + rules), the
classify, rules run and ingest commands on the file, serve with the file
posted over loopback, and backtest of every rule over the ingested lake. It
prints a Markdown table of records per CPU-second, per wall-second and peak
RSS, each beside the in-run baseline: encoding/json decoding of the same
number of CloudTrail lines into map[string]any. docs/performance.md is made
from its output. The example config (the shipped rule pack) is used.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := workload.ParseKind(kind)
			if err != nil {
				return err
			}
			bin, err := os.Executable()
			if err != nil {
				return err
			}
			if dir == "" {
				if dir, err = os.MkdirTemp("", "streamalert-bench-"); err != nil {
					return err
				}
				if !keep {
					defer os.RemoveAll(dir)
				}
			}
			rep, err := bench.Run(cmd.Context(), bench.Options{Binary: bin, Workload: k, Records: records, Seed: seed,
				Dir: dir, Progress: cmd.ErrOrStderr()})
			if err != nil {
				return err
			}
			return rep.WriteMarkdown(cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&kind, "workload", "cloudtrail", "cloudtrail, vpcflow, syslog or mixed")
	cmd.Flags().IntVar(&records, "records", 50_000, "records in the workload")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "the workload's seed")
	cmd.Flags().StringVar(&dir, "dir", "", "directory for the files and data directories (default a temporary one, removed after)")
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the temporary directory")
	cmd.AddCommand(newBenchBaselineCmd(), newBenchLibraryCmd(g))
	return cmd
}

// The paths bench runs in processes of their own that no other command
// runs: hidden.
func newBenchBaselineCmd() *cobra.Command {
	return &cobra.Command{
		Use: "baseline FILE", Hidden: true, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			n, err := bench.Baseline(f)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d lines decoded\n", n)
			return nil
		},
	}
}

func newBenchLibraryCmd(g *globals) *cobra.Command {
	var withRules bool
	cmd := &cobra.Command{
		Use: "library [--rules] FILE", Hidden: true, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, reg, set, err := g.ruleSet()
			if err != nil {
				return err
			}
			if !withRules {
				set = (*rules.Set)(nil)
			}
			c, u, m, err := bench.Library(args[0], reg, set)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d classified, %d unclassified, %d matches\n", c, u, m)
			return nil
		},
	}
	cmd.Flags().BoolVar(&withRules, "rules", false, "match every record against the rules")
	return cmd
}
