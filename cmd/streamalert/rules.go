package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

func newRulesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List, show, validate, test and run detection rules",
	}
	cmd.AddCommand(newRulesListCmd(g), newRulesShowCmd(g), newRulesValidateCmd(g), newRulesTestCmd(g), newRulesRunCmd(g),
		newRulesPromoteCmd(g), newRulesStagedCmd(g), newRulesSQLCmd(g))
	return cmd
}

// ruleSet loads the config, its log types and the rules that run.
func (g *globals) ruleSet() (*config.Config, *schema.Registry, *rules.Set, error) {
	r, err := g.resolve(config.Parts{Rules: true})
	if err != nil {
		return nil, nil, nil, err
	}
	return r.Config, r.Registry, r.Rules, nil
}

// namedRule returns the config's rule called name with the log types, or
// an error saying how to list the rules.
func (g *globals) namedRule(name string) (*schema.Registry, *rules.Rule, error) {
	_, reg, set, err := g.ruleSet()
	if err != nil {
		return nil, nil, err
	}
	r := set.Get(name)
	if r == nil {
		return nil, nil, fmt.Errorf("unknown rule %q (see `streamalert rules list`)", name)
	}
	return reg, r, nil
}

func newRulesListCmd(g *globals) *cobra.Command {
	var data string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "One rule per line: name, log types, outputs, status (staging as the alert store has it); correlation rules last",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, _, set, err := g.ruleSet()
			if err != nil {
				return err
			}
			states := g.statesOrWarn(cmd, data)
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tSEVERITY\tLOG TYPES\tOUTPUTS\tSTATUS")
			for _, r := range set.Rules() {
				outs := strings.Join(r.Outputs, ",")
				if outs == "" {
					outs = "(default)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Name, r.Severity, strings.Join(r.LogTypeNames(), ","), outs, ruleStatus(r, states))
			}
			for _, r := range set.Correlations() {
				outs := strings.Join(r.Outputs, ",")
				if outs == "" {
					outs = "(default)"
				}
				c := r.Correlation
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s (correlation: %s by %s within %s)\n", r.Name, r.Severity, strings.Join(r.LogTypeNames(), ","), outs,
					ruleStatus(r, states), c.Type, strings.Join(c.GroupBy, ","), c.Timespan)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&data, "data", "", "data directory whose alert store has the staging state (default global.yaml data_dir)")
	return cmd
}

// statesOrWarn reads the rules' staging state from the alert store; when
// it cannot, it says why on stderr and the status comes from the files.
func (g *globals) statesOrWarn(cmd *cobra.Command, data string) map[string]alerts.RuleState {
	states, err := g.ruleStates(cmd.Context(), data)
	if err != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "streamalert: staging state not read (%v); status as the rule files say\n", err)
	}
	return states
}

// ruleStatus is a rule's status: staged or promoted as the alert store
// records it (states, may be nil), else as its file says.
func ruleStatus(r *rules.Rule, states map[string]alerts.RuleState) string {
	fileStaged := r.Staged && (r.StagedUntil.IsZero() || time.Now().Before(r.StagedUntil))
	st, known := states[r.Name]
	switch {
	case known && st.Staged:
		return "staged since " + st.StagedSince.UTC().Format(time.RFC3339)
	case known && !st.PromotedAt.IsZero() && r.Staged:
		return fmt.Sprintf("promoted %s (%s)", st.PromotedAt.UTC().Format(time.RFC3339), st.PromotedBy)
	case fileStaged:
		return "staged"
	case r.Format == rules.Sigma && r.Status != "":
		return "enabled (sigma " + r.Status + ")"
	}
	return "enabled"
}

func newRulesShowCmd(g *globals) *cobra.Command {
	var data string
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a rule: metadata, log types, detection and its compiled form",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, r, err := g.namedRule(args[0])
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%s (%s rule, %s:%d)\n", r.Name, r.Format, r.File, r.Line)
			line := func(k, v string) {
				if v != "" {
					fmt.Fprintf(w, "%-13s %s\n", k+":", v)
				}
			}
			line("title", r.Title)
			line("description", strings.TrimSpace(r.Description))
			line("severity", r.Severity)
			line("status", ruleStatus(r, g.statesOrWarn(cmd, data)))
			line("log types", strings.Join(r.LogTypeNames(), ", "))
			line("datatypes", strings.Join(r.Datatypes, ", "))
			line("outputs", strings.Join(r.Outputs, ", "))
			line("merge by", strings.Join(r.MergeByKeys, ", "))
			if r.MergeWindow > 0 {
				line("merge window", r.MergeWindow.String())
			}
			if r.DedupPeriod > 0 {
				line("dedup period", r.DedupPeriod.String())
			}
			if r.Threshold > 0 {
				line("threshold", fmt.Sprint(r.Threshold))
			}
			line("tags", strings.Join(r.Tags, ", "))
			line("references", strings.Join(r.References, ", "))
			line("runbook", strings.TrimSpace(r.Runbook))
			line("tests", fmt.Sprint(len(r.Tests)))
			fmt.Fprintf(w, "detection:    %s\n", r.Expr)
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", "", "data directory whose alert store has the staging state (default global.yaml data_dir)")
	return cmd
}

func newRulesValidateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "validate [FILE...]",
		Short: "Check the config's rules, or just the named rule files",
		RunE: func(cmd *cobra.Command, args []string) error {
			var n int
			var problems []string
			if len(args) > 0 {
				r, err := g.resolve(config.Parts{})
				if err != nil {
					return err
				}
				set, errs := rules.LoadFiles(args, r.Registry)
				n = set.Len()
				for _, e := range errs {
					problems = append(problems, e.Error())
				}
			} else {
				r, err := g.resolve(config.Parts{Rules: true})
				var pe *config.ProblemsError
				switch {
				case errors.As(err, &pe):
					for _, p := range pe.Problems {
						problems = append(problems, p.String())
					}
				case err != nil:
					return err
				default:
					n = r.Rules.Len()
				}
			}
			for _, p := range problems {
				fmt.Fprintln(cmd.ErrOrStderr(), p)
			}
			if len(problems) > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "%d problem(s)\n", len(problems))
				return exitError{code: 1}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d rules: ok\n", n)
			return nil
		},
	}
}

func newRulesTestCmd(g *globals) *cobra.Command {
	var only string
	var verbose bool
	cmd := &cobra.Command{
		Use:   "test [--rule NAME] [--verbose]",
		Short: "Run every rule's inline tests and the test-event files, through the classifier",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := g.resolve(config.All)
			if err != nil {
				return err
			}
			reg, set, events := r.Registry, r.Rules, r.TestEvents
			if only != "" && set.Get(only) == nil {
				return fmt.Errorf("unknown rule %q", only)
			}
			// The |ioc and |lookup tests answer from the config's own
			// intel; a config without IOC sets tests against the shipped
			// sample feed (rules.Tester's default).
			_, st, _, err := g.intelState("")
			if err != nil {
				return err
			}
			iocs := st.Store
			if len(iocs.Sets()) == 0 {
				iocs = nil
			}
			t := &rules.Tester{Set: set, Registry: reg, Rule: only, IOCs: iocs, Lookups: st.Lookups,
				SourceTypes: func(name string) ([]*schema.LogType, bool) {
					types, ok := r.SourceTypes[name]
					return types, ok
				}}
			results := t.Run(events)
			w := cmd.OutOrStdout()
			pass, fail := 0, 0
			for _, r := range results {
				label := r.Name
				if r.Rule != "" {
					label = r.Rule + ": " + r.Name
				}
				if r.Pass {
					pass++
					if verbose {
						fmt.Fprintf(w, "PASS %s (%s:%d)\n", label, r.File, r.Line)
					}
					continue
				}
				fail++
				fmt.Fprintf(w, "FAIL %s (%s:%d)\n", label, r.File, r.Line)
				for _, l := range strings.Split(strings.TrimRight(r.Diff, "\n"), "\n") {
					fmt.Fprintf(w, "    %s\n", l)
				}
			}
			fmt.Fprintf(w, "%d passed, %d failed\n", pass, fail)
			if fail > 0 {
				return exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&only, "rule", "", "run only this rule's tests")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "print passing cases too")
	return cmd
}

func newRulesRunCmd(g *globals) *cobra.Command {
	var only, format, source, logType string
	cmd := &cobra.Command{
		Use:   "run [--rule NAME] [--format table|json] FILE|-...",
		Short: "Classify input and run the rules over it, printing each match",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, reg, set, err := g.ruleSet()
			if err != nil {
				return err
			}
			if only != "" {
				if set.Get(only) == nil {
					return fmt.Errorf("unknown rule %q", only)
				}
				set = set.Filter(func(r *rules.Rule) bool { return r.Name == only })
			}
			if format != "table" && format != "json" {
				return fmt.Errorf("--format %q: want table or json", format)
			}
			in, err := g.classifyInput(reg, source, logType)
			if err != nil {
				return err
			}
			m := rules.NewMatcher(set)
			c := schema.NewClassifier(reg)
			out := bufio.NewWriter(cmd.OutOrStdout())
			enc := json.NewEncoder(out)
			enc.SetEscapeHTML(false)
			var tw *tabwriter.Writer
			if format == "table" {
				tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "RULE\tLOG TYPE\tRECORD ID\tEVENT TIME\tMATCHED")
			}
			counts := map[string]int{}
			records, unclassified := 0, 0
			onRecord := func(rec *schema.Record) {
				records++
				m.Match(rec, func(r *rules.Rule, match rules.Match) {
					counts[r.Name]++
					if tw != nil {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Name, rec.LogType.Name, rec.ID,
							rec.EventTime.UTC().Format(time.RFC3339), matchedText(match.Fields))
						return
					}
					enc.Encode(matchLine{Rule: r.Name, LogType: rec.LogType.Name, RecordID: rec.ID,
						EventTime: rec.EventTime.UTC().Format(time.RFC3339Nano), Severity: r.Severity, Matched: match.Values()})
				})
			}
			for _, name := range args {
				in.IngestTime = time.Now().UTC()
				if err := classifyInputFile(cmd.InOrStdin(), name, c, in, onRecord, func(*schema.Unclassified) { unclassified++ }); err != nil {
					return err
				}
			}
			if tw != nil {
				tw.Flush()
				names := make([]string, 0, len(counts))
				for n := range counts {
					names = append(names, n)
				}
				sort.Strings(names)
				fmt.Fprintln(out)
				for _, n := range names {
					fmt.Fprintf(out, "%6d  %s\n", counts[n], n)
				}
			}
			if err := out.Flush(); err != nil {
				return err
			}
			total := 0
			for _, c := range counts {
				total += c
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%d records (%d unclassified), %d rules, %d matches\n", records+unclassified, unclassified, set.Len(), total)
			return nil
		},
	}
	cmd.Flags().StringVar(&only, "rule", "", "run only this rule")
	cmd.Flags().StringVar(&format, "format", "table", "table or json (one match per line)")
	cmd.Flags().StringVar(&source, "source", "", "classify as this configured source")
	cmd.Flags().StringVar(&logType, "log-type", "", "classify only against this log type")
	return cmd
}

type matchLine struct {
	Rule      string         `json:"rule"`
	LogType   string         `json:"log_type"`
	RecordID  string         `json:"record_id"`
	EventTime string         `json:"event_time"`
	Severity  string         `json:"severity"`
	Matched   map[string]any `json:"matched,omitempty"`
}

func matchedText(fs []rules.MatchedField) string {
	parts := make([]string, 0, len(fs))
	for _, f := range fs {
		k := f.Field
		if k == "" {
			k = "keyword"
		}
		v := f.Value
		if len(v) > 60 {
			v = v[:57] + "..."
		}
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, " ")
}
