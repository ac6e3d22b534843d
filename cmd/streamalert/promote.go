package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/realtime"
)

// openProcessor opens the alert store and a processor over it, with the
// config's rules known to it.
func (g *globals) openProcessor(cmd *cobra.Command, data string) (*alerts.Processor, *alerts.BoltStore, error) {
	cfg, _, set, err := g.ruleSet()
	if err != nil {
		return nil, nil, err
	}
	if err := serveHolds(dataDir(data, cfg)); err != nil {
		return nil, nil, err
	}
	st, err := alerts.OpenBolt(alerts.DefaultStorePath(dataDir(data, cfg)))
	if err != nil {
		return nil, nil, err
	}
	p, err := alerts.NewProcessor(alerts.ProcessorConfig{Store: st, DefaultOutputs: cfg.Global.Alerts.DefaultOutputs,
		StagingPeriod: time.Duration(cfg.Global.Alerts.StagingPeriod)})
	if err == nil {
		infos := make([]alerts.RuleInfo, 0, set.Len())
		for _, r := range set.Rules() {
			infos = append(infos, realtime.RuleInfo(r))
		}
		err = p.SetRules(cmd.Context(), infos)
	}
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return p, st, nil
}

func newRulesPromoteCmd(g *globals) *cobra.Command {
	var data string
	var release bool
	cmd := &cobra.Command{
		Use:   "promote NAME",
		Short: "End a staged rule's staging: its alerts go to its outputs from now on",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, _, set, err := g.ruleSet()
			if err != nil {
				return err
			}
			if set.Get(args[0]) == nil {
				return fmt.Errorf("unknown rule %q (see `streamalert rules list`)", args[0])
			}
			var n int
			p, st, err := g.openProcessor(cmd, data)
			switch {
			case errors.Is(err, alerts.ErrStoreLocked):
				rc, err := g.remoteStore(data, err)
				if err != nil {
					return err
				}
				if n, err = rc.Promote(cmd.Context(), args[0], release); err != nil {
					return err
				}
			case err != nil:
				return err
			default:
				defer st.Close()
				if n, err = p.Promote(cmd.Context(), args[0], release); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "promoted %s", args[0])
			if release {
				fmt.Fprintf(cmd.OutOrStdout(), "; %d staged alerts released for delivery", n)
			}
			fmt.Fprintln(cmd.OutOrStdout())
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", "", "data directory (default global.yaml data_dir)")
	cmd.Flags().BoolVar(&release, "release", false, "also deliver the alerts the rule raised while staged")
	return cmd
}

func newRulesStagedCmd(g *globals) *cobra.Command {
	var data string
	cmd := &cobra.Command{
		Use:   "staged",
		Short: "Print the digest of staged rules: alerts raised, last 24 hours, promotion time",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var d alerts.Digest
			p, st, err := g.openProcessor(cmd, data)
			switch {
			case errors.Is(err, alerts.ErrStoreLocked):
				rc, err := g.remoteStore(data, err)
				if err != nil {
					return err
				}
				if d, err = rc.Digest(cmd.Context()); err != nil {
					return err
				}
			case err != nil:
				return err
			default:
				defer st.Close()
				if d, err = p.Digest(cmd.Context()); err != nil {
					return err
				}
			}
			fmt.Fprint(cmd.OutOrStdout(), d.String())
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", "", "data directory (default global.yaml data_dir)")
	return cmd
}
