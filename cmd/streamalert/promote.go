package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/realtime"
	"github.com/streamalert/streamalert/realtime/serve"
)

// openProcessor opens the alert store and a processor over it, with the
// config's rules known to it; while a serve runs on the data directory, it
// returns that serve's admin client instead (p and st nil).
func (g *globals) openProcessor(cmd *cobra.Command, data string) (*alerts.Processor, *alerts.BoltStore, *serve.AdminClient, error) {
	cfg, _, set, err := g.ruleSet()
	if err != nil {
		return nil, nil, nil, err
	}
	if rc := serve.DialAdmin(dataDir(data, cfg)); rc != nil {
		return nil, nil, rc, nil
	}
	st, err := alerts.OpenBolt(alerts.DefaultStorePath(dataDir(data, cfg)))
	if err != nil {
		return nil, nil, nil, err
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
		return nil, nil, nil, err
	}
	return p, st, nil, nil
}

func newRulesPromoteCmd(g *globals) *cobra.Command {
	var data string
	var release bool
	cmd := &cobra.Command{
		Use:   "promote NAME",
		Short: "End a staged rule's staging: its alerts go to its outputs from now on",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, _, err := g.namedRule(args[0]); err != nil {
				return err
			}
			p, st, rc, err := g.openProcessor(cmd, data)
			if err != nil {
				return err
			}
			var n int
			if rc != nil {
				n, err = rc.Promote(cmd.Context(), args[0], release)
			} else {
				defer st.Close()
				n, err = p.Promote(cmd.Context(), args[0], release)
			}
			if err != nil {
				return err
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
			p, st, rc, err := g.openProcessor(cmd, data)
			if err != nil {
				return err
			}
			var d alerts.Digest
			if rc != nil {
				d, err = rc.Digest(cmd.Context())
			} else {
				defer st.Close()
				d, err = p.Digest(cmd.Context())
			}
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), d.String())
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", "", "data directory (default global.yaml data_dir)")
	return cmd
}
