package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/internal/config"
)

// newDispatcher builds the configured outputs with their stored secrets.
func newDispatcher(cfg *config.Config, st alerts.Store, dir string) (*alerts.Dispatcher, error) {
	outs, errs := alerts.BuildOutputs(cfg.OutputConfigs(dir), alerts.OpenCredentials(dir), alerts.OutputOptions{})
	for _, e := range errs {
		fmt.Fprintln(os.Stderr, "warning:", e)
	}
	return alerts.NewDispatcher(alerts.DispatcherConfig{Store: st, Outputs: outs, MaxAttempts: cfg.Global.Alerts.MaxAttempts})
}

func newOutputsCmd(g *globals) *cobra.Command {
	var data string
	cmd := &cobra.Command{
		Use:   "outputs",
		Short: "List configured outputs, store their secrets, send test alerts",
	}
	cmd.PersistentFlags().StringVar(&data, "data", "", "data directory holding the encrypted credentials (default global.yaml data_dir)")

	var all bool
	list := &cobra.Command{
		Use:   "list [--all]",
		Short: "List configured outputs and whether their secrets are set (never the values); --all lists every supported service",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			if all {
				for _, s := range alerts.Services() {
					var secrets []string
					for _, sec := range s.Secrets {
						secrets = append(secrets, sec.Name)
					}
					fmt.Fprintf(w, "%s\t%s", s.Name, s.Description)
					if len(secrets) > 0 {
						fmt.Fprintf(w, " (secrets: %s)", strings.Join(secrets, ", "))
					}
					fmt.Fprintln(w)
				}
				return nil
			}
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			dir := dataDir(data, cfg)
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "OUTPUT\tSERVICE\tREADY\tSECRETS SET\tMISSING\tPROBLEM")
			for _, s := range alerts.StatusOf(cfg.OutputConfigs(dir), alerts.OpenCredentials(dir)) {
				fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\t%s\n", s.Name, s.Service, s.Ready, strings.Join(s.SecretsSet, ","), strings.Join(s.SecretsMissing, ","), s.Problem)
			}
			return tw.Flush()
		},
	}
	list.Flags().BoolVar(&all, "all", false, "list every supported service, one per line, name first")

	var ssmPrefix, kmsKey string
	set := &cobra.Command{
		Use:   "set NAME",
		Short: "Store the secrets of an output (read from a prompt, or KEY=VALUE lines on stdin), encrypted",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			name := args[0]
			o, ok := cfg.Output(name)
			if !ok {
				return fmt.Errorf("output %q is not in outputs.yaml", name)
			}
			svc, ok := alerts.LookupService(o.Service)
			if !ok {
				return fmt.Errorf("output %s: unknown service %q (see `streamalert outputs list --all`)", name, o.Service)
			}
			if len(svc.Secrets) == 0 {
				return fmt.Errorf("output %s: the %s service takes no secrets", name, o.Service)
			}
			secrets := map[string]string{}
			in := cmd.InOrStdin()
			if f, isFile := in.(*os.File); isFile && term.IsTerminal(int(f.Fd())) {
				for _, s := range svc.Secrets {
					req := ""
					if s.Required {
						req = " (required)"
					}
					fmt.Fprintf(cmd.ErrOrStderr(), "%s — %s%s: ", s.Name, s.Doc, req)
					b, err := term.ReadPassword(int(f.Fd()))
					fmt.Fprintln(cmd.ErrOrStderr())
					if err != nil {
						return err
					}
					secrets[s.Name] = strings.TrimSpace(string(b))
				}
			} else {
				sc := bufio.NewScanner(in)
				for sc.Scan() {
					line := strings.TrimSpace(sc.Text())
					if line == "" || strings.HasPrefix(line, "#") {
						continue
					}
					k, v, ok := strings.Cut(line, "=")
					if !ok {
						return fmt.Errorf("stdin: want KEY=VALUE lines (keys: %s)", secretNames(svc))
					}
					secrets[strings.TrimSpace(k)] = strings.TrimSpace(v)
				}
				if err := sc.Err(); err != nil {
					return err
				}
			}
			for k := range secrets {
				if !strings.Contains(","+secretNames(svc)+",", ","+k+",") {
					return fmt.Errorf("output %s: %q is not a secret of %s (keys: %s)", name, k, o.Service, secretNames(svc))
				}
			}
			if ssmPrefix != "" {
				awsCfg, err := awsconfig.LoadDefaultConfig(cmd.Context(), awsconfig.WithRegion(cfg.Global.Region))
				if err != nil {
					return err
				}
				store, err := alerts.NewSSMSecrets(ssm.NewFromConfig(awsCfg), ssmPrefix)
				if err != nil {
					return err
				}
				store.KMSKeyID = kmsKey
				if err := store.Set(name, secrets); err != nil {
					return err
				}
				param, _ := store.ParameterName(name)
				fmt.Fprintf(cmd.OutOrStdout(), "stored %d secret(s) for %s in SSM SecureString %s\n", len(secrets), name, param)
				return nil
			}
			dir := dataDir(data, cfg)
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
			if err := alerts.OpenCredentials(dir).Set(name, secrets); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "stored %d secret(s) for %s (encrypted in %s)\n", len(secrets), name, dir)
			return nil
		},
	}
	set.Flags().StringVar(&ssmPrefix, "ssm-prefix", "", "store in AWS SSM Parameter Store under this prefix (e.g. /streamalert/outputs) instead of locally; what the alerts Lambda reads with STREAMALERT_SECRETS_SSM_PREFIX")
	set.Flags().StringVar(&kmsKey, "kms-key", "", "with --ssm-prefix: the KMS key (id, ARN or alias/…) encrypting the SecureString (default alias/aws/ssm)")

	test := &cobra.Command{
		Use:   "test NAME",
		Short: "Send a test alert to an output",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			if _, ok := cfg.Output(args[0]); !ok {
				return fmt.Errorf("output %q is not in outputs.yaml", args[0])
			}
			dir := dataDir(data, cfg)
			d, err := newDispatcher(cfg, alerts.NewMemoryStore(), dir)
			if err != nil {
				return err
			}
			now := time.Now().UTC()
			if err := d.SendNow(cmd.Context(), args[0], alerts.TestAlert(now, args[0]), 3); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "test alert sent to %s\n", args[0])
			return nil
		},
	}
	cmd.AddCommand(list, set, test)
	return cmd
}

func secretNames(s alerts.Service) string {
	names := make([]string, len(s.Secrets))
	for i, sec := range s.Secrets {
		names[i] = sec.Name
	}
	return strings.Join(names, ",")
}
