package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/internal/config/hunts"
)

func newValidateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "validate",
		Short: "Check the whole config and report every problem with file:line",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, loadProblems := config.Find(g.configDir)
			ps := config.Validate(cfg, loadProblems, hunts.Check, config.CheckIntel)
			where := cfg.Dir
			if where == "" {
				where = "embedded default config"
			}
			if len(ps) == 0 {
				sum := config.Summarize(cfg)
				for _, w := range sum.Warnings {
					if cfg.Dir != "" && w.File != "" {
						w.File = cfg.Dir + "/" + w.File
					}
					fmt.Fprintln(cmd.ErrOrStderr(), "warning: "+w.String())
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: ok: %d log types, %d rules (%d from the pack), %d sources, %d outputs, %d hunt files",
					where, sum.LogTypes, sum.Rules, sum.PackRules, sum.Sources, sum.Outputs, len(cfg.Files("hunts", ".yaml", ".yml")))
				if n := len(sum.Warnings); n > 0 {
					fmt.Fprintf(cmd.OutOrStdout(), "; %d warning(s)", n)
				}
				fmt.Fprintln(cmd.OutOrStdout())
				return nil
			}
			for _, p := range ps {
				if cfg.Dir != "" && p.File != "" {
					p.File = cfg.Dir + "/" + p.File
				}
				fmt.Fprintln(cmd.ErrOrStderr(), p.String())
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%s: %d problem(s)\n", where, len(ps))
			return exitError{code: 1}
		},
	}
}
