package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/internal/duration"
	"github.com/streamalert/streamalert/realtime/serve"
)

// openStore opens the alert store of the data directory; while a serve
// runs on it, it returns that serve's admin client instead (st nil).
func (g *globals) openStore(data string) (cfg *config.Config, st *alerts.BoltStore, rc *serve.AdminClient, dir string, err error) {
	if cfg, err = g.loadConfig(); err != nil {
		return nil, nil, nil, "", err
	}
	dir = dataDir(data, cfg)
	if rc = serve.DialAdmin(dir); rc != nil {
		return cfg, nil, rc, dir, nil
	}
	if st, err = alerts.OpenBolt(alerts.DefaultStorePath(dir)); err != nil {
		return nil, nil, nil, "", err
	}
	return cfg, st, nil, dir, nil
}

func newAlertsCmd(g *globals) *cobra.Command {
	var data string
	cmd := &cobra.Command{
		Use:   "alerts",
		Short: "List, show and retry alerts in the alert store",
	}
	cmd.PersistentFlags().StringVar(&data, "data", "", "data directory (default global.yaml data_dir)")

	var rule, since, format string
	var statuses []string
	var failed bool
	list := &cobra.Command{
		Use:   "list [--rule R] [--since 24h] [--status S] [--failed] [--format table|json]",
		Short: "List alerts, newest last (json: one alert per line)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var src interface {
				List(context.Context, alerts.Filter) ([]*alerts.Alert, error)
			}
			_, st, rc, _, err := g.openStore(data)
			switch {
			case err != nil:
				return err
			case rc != nil:
				src = rc
			default:
				defer st.Close()
				src = st
			}
			f := alerts.Filter{Rule: rule}
			if since != "" {
				d, err := duration.Parse(since)
				if err != nil {
					return fmt.Errorf("--since: %w", err)
				}
				f.Since = time.Now().Add(-d)
			}
			if failed {
				statuses = append(statuses, string(alerts.StatusFailed))
			}
			for _, s := range statuses {
				status, ok := alerts.ParseStatus(s)
				if !ok {
					return fmt.Errorf("--status %q: want one of %v", s, alerts.Statuses)
				}
				f.Status = append(f.Status, status)
			}
			list, err := src.List(cmd.Context(), f)
			if err != nil {
				return err
			}
			out := bufio.NewWriter(cmd.OutOrStdout())
			defer out.Flush()
			switch format {
			case "json":
				enc := json.NewEncoder(out)
				enc.SetEscapeHTML(false)
				for _, a := range list {
					if err := enc.Encode(a); err != nil {
						return err
					}
				}
			case "table":
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "CREATED\tID\tRULE\tSEVERITY\tSTATUS\tCOUNT\tKEY")
				for _, a := range list {
					count := 1
					if a.Merge != nil {
						count = a.Merge.Count
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", a.Created.Format(time.RFC3339), a.ID[:12], a.Rule, a.Severity, a.Status, count, clipText(a.KeyText(), 60))
				}
				tw.Flush()
			default:
				return fmt.Errorf("--format %q: want table or json", format)
			}
			return nil
		},
	}
	list.Flags().StringVar(&rule, "rule", "", "only this rule's alerts")
	list.Flags().StringVar(&since, "since", "", "only alerts created in this period (e.g. 24h, 7d)")
	list.Flags().StringSliceVar(&statuses, "status", nil, "only these statuses: "+joinStatuses())
	list.Flags().BoolVar(&failed, "failed", false, "only alerts parked as failed (same as --status failed)")
	list.Flags().StringVar(&format, "format", "table", "table or json")

	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one alert in full (JSON); a unique id prefix is enough",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, st, rc, _, err := g.openStore(data)
			if err != nil {
				return err
			}
			var a *alerts.Alert
			if rc != nil {
				a, err = rc.Find(cmd.Context(), args[0])
			} else {
				defer st.Close()
				a, err = alerts.Find(cmd.Context(), st, args[0])
			}
			if err != nil {
				return err
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			return enc.Encode(a)
		},
	}

	retry := &cobra.Command{
		Use:   "retry [ID...]",
		Short: "Re-send alerts parked as failed (all of them, or those named) to the outputs that failed",
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, st, rc, dir, err := g.openStore(data)
			if err != nil {
				return err
			}
			if rc != nil {
				n, err := rc.Retry(cmd.Context(), args)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%d alerts made pending again; the running serve sends them on its next dispatch round\n", n)
				return nil
			}
			defer st.Close()
			d, err := newDispatcher(cfg, st, dir)
			if err != nil {
				return err
			}
			n, err := d.Retry(cmd.Context(), args...)
			if err != nil {
				return err
			}
			r, err := d.DispatchDue(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d alerts made pending again; sent %d, delivered %d, failed sends %d\n", n, r.Sent, r.Delivered, r.Errors)
			return nil
		},
	}
	cmd.AddCommand(list, show, retry)
	return cmd
}

func joinStatuses() string {
	s := make([]string, len(alerts.Statuses))
	for i, st := range alerts.Statuses {
		s[i] = string(st)
	}
	return strings.Join(s, ", ")
}

// clipText cuts s to at most n runes, ending a cut text with "...".
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-3]) + "..."
}
