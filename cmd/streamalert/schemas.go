package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/historical"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/schema"
)

func newSchemasCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schemas",
		Short: "List and inspect log types and their lake tables",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List every log type (name, parser, table, description)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			reg, err := g.registry()
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "LOG TYPE\tPARSER\tTABLE\tDESCRIPTION")
			for _, t := range reg.All() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Name, t.Parser.Type, t.Table(), firstLine(t.Description))
			}
			return tw.Flush()
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "show TYPE",
		Short: "Show a log type's fields, event time, patterns and normalization",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := g.logType(args[0])
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%s (table %s, parser %s, priority %d)\n%s\n", t.Name, t.Table(), t.Parser.Type, t.Priority, t.Description)
			if t.Reference != "" {
				fmt.Fprintf(w, "reference: %s\n", t.Reference)
			}
			if t.EventTime != "" {
				fmt.Fprintf(w, "event time: %s\n", t.EventTime)
			}
			fmt.Fprintf(w, "defined in: %s:%d\n\nfields:\n", t.File, t.Line)
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			printFields(tw, t.Fields, "  ")
			tw.Flush()
			if len(t.Patterns) > 0 {
				fmt.Fprintln(w, "\nlog patterns:")
				for _, p := range t.Patterns {
					fmt.Fprintf(w, "  %s: %s\n", strings.Join(p.Path, "."), p.Glob)
				}
			}
			if len(t.Normalize) > 0 {
				fmt.Fprintln(w, "\nnormalization:")
				for _, n := range t.Normalize {
					cond := ""
					if n.When != nil {
						cond = fmt.Sprintf(" when %s %s %s", strings.Join(n.When.Path, "."), n.When.Op, strings.Join(n.When.Values, ","))
					}
					fmt.Fprintf(w, "  %s <- %s%s\n", n.Type, strings.Join(n.Path, "."), cond)
				}
			}
			return nil
		},
	})
	var dialect, database, location, lake string
	ddl := &cobra.Command{
		Use:   "ddl TYPE|unclassified|alerts",
		Short: "Print the table definition: Athena CREATE EXTERNAL TABLE or the DuckDB view the engine makes over --lake",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := g.lakeTable(args[0])
			if err != nil {
				return err
			}
			switch dialect {
			case "athena":
				if location == "" {
					location = "s3://" + strings.ReplaceAll(database, "_", "-") + "-data/" + schema.TablePrefix(t.Table())
				}
				fmt.Fprintln(cmd.OutOrStdout(), t.AthenaDDL(database, location))
			case "duckdb":
				// The view the engine makes over this lake, as it makes it.
				e, err := historical.Open(cmd.Context(), lake, []*schema.LogType{t}, historical.Options{Threads: 1})
				if err != nil {
					return err
				}
				defer e.Close()
				view, _ := e.View(t.Table())
				fmt.Fprintln(cmd.OutOrStdout(), view)
			default:
				return fmt.Errorf("--dialect %q: want athena or duckdb", dialect)
			}
			return nil
		},
	}
	ddl.Flags().StringVar(&dialect, "dialect", "athena", "athena or duckdb")
	ddl.Flags().StringVar(&database, "database", "streamalert", "Glue database (athena)")
	ddl.Flags().StringVar(&location, "location", "", "S3 location of the table (athena; default derived from the database)")
	ddl.Flags().StringVar(&lake, "lake", "./data/lake", "lake directory (duckdb)")
	cmd.AddCommand(ddl)
	return cmd
}

func printFields(tw *tabwriter.Writer, fields []schema.Field, indent string) {
	for _, f := range fields {
		req := ""
		if f.Required {
			req = "required"
		}
		fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\n", indent, f.Name, f.Type, req, firstLine(f.Description))
		if f.Type.Kind == schema.KindObject {
			printFields(tw, f.Type.Fields, indent+"  ")
		}
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// registry loads the log types of the config.
func (g *globals) registry() (*schema.Registry, error) {
	r, err := g.resolve(config.Parts{})
	if err != nil {
		return nil, err
	}
	return r.Registry, nil
}

// lakeTable is a log type, or one of the lake tables beside them
// (unclassified, alerts).
func (g *globals) lakeTable(name string) (*schema.LogType, error) {
	switch name {
	case firehose.UnclassifiedTableName:
		return firehose.Unclassified, nil
	case firehose.AlertsTableName:
		return firehose.Alerts, nil
	}
	return g.logType(name)
}

func (g *globals) logType(name string) (*schema.LogType, error) {
	reg, err := g.registry()
	if err != nil {
		return nil, err
	}
	t := reg.Get(name)
	if t == nil {
		return nil, fmt.Errorf("unknown log type %q (see `streamalert schemas list`)", name)
	}
	return t, nil
}
