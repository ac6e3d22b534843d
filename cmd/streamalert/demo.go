package main

import (
	"context"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/streamalert/streamalert/demo"
)

func newDemoCmd(g *globals) *cobra.Command {
	var opts demo.Options
	cmd := &cobra.Command{
		Use:   "demo [--records N] [--data DIR] [--seed S]",
		Short: "See the whole system work on a generated day of logs with an attack in it",
		Long: `demo generates a day of logs for a small company (CloudTrail, VPC flow,
the Linux auth log, osquery, Okta and nginx) with an attack woven in, runs
it through the pipeline on the embedded default config (classify, lake,
rules, alerts), prints the alerts and the attack as they tell it, re-runs
every rule as SQL over the lake and checks that both agree, and runs two
hunts and an ad-hoc query. No cloud account or config is needed.

Without --data it works in a temporary directory; with --data (a new or
empty directory) the lake and the alert store stay for exploring.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Out = cmd.OutOrStdout()
			bar := newProgress(cmd.ErrOrStderr(), 0)
			finished := false
			opts.Progress = func(done, total int64) {
				bar.total = total
				bar.set(done)
				if done == total && !finished {
					finished = true
					bar.finish()
				}
			}
			if g.logLevel != "debug" {
				opts.Logger = slog.New(warnOnly{slog.Default().Handler()})
			}
			_, err := demo.Run(cmd.Context(), opts)
			return err
		},
	}
	cmd.Flags().IntVar(&opts.Records, "records", demo.DefaultRecords, "how many records the day has (the attack is always in it)")
	cmd.Flags().StringVar(&opts.DataDir, "data", "", "keep the result in this new or empty directory (default: a temporary one)")
	cmd.Flags().Int64Var(&opts.Seed, "seed", 1, "seed of the generated day: the same seed gives the same logs")
	return cmd
}

// warnOnly passes on warnings and errors only: the demo's report is its
// output, the pipeline's info logs would bury it.
type warnOnly struct{ slog.Handler }

func (h warnOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

func (h warnOnly) WithAttrs(as []slog.Attr) slog.Handler { return warnOnly{h.Handler.WithAttrs(as)} }
func (h warnOnly) WithGroup(name string) slog.Handler    { return warnOnly{h.Handler.WithGroup(name)} }
