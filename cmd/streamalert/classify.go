package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/streamalert/streamalert/schema"
)

func newClassifyCmd(g *globals) *cobra.Command {
	var source, logType string
	cmd := &cobra.Command{
		Use:   "classify [--source NAME | --log-type T] FILE|-...",
		Short: "Classify raw input (plain or gzip) and print one JSON line per record",
		Long: `Classify reads raw input and prints one JSON line per classified record
(log_type, record_id, event_time, fields, normalized) and one per unclassified
record (with the reason). Without --source or --log-type every known log type
is a candidate. A summary goes to stderr.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg, err := g.registry()
			if err != nil {
				return err
			}
			in, err := g.classifyInput(reg, source, logType)
			if err != nil {
				return err
			}
			out := bufio.NewWriterSize(cmd.OutOrStdout(), 1<<16)
			enc := json.NewEncoder(out)
			enc.SetEscapeHTML(false)
			c := schema.NewClassifier(reg)
			var classified, unclassified int
			var werr error
			var lw recordLineWriter
			onRecord := func(r *schema.Record) {
				classified++
				if werr == nil {
					_, werr = out.Write(lw.line(r))
				}
			}
			onUnclassified := func(u *schema.Unclassified) {
				unclassified++
				if werr == nil {
					werr = enc.Encode(unclassifiedLine(u))
				}
			}
			for _, name := range args {
				in.IngestTime = time.Now().UTC()
				if err := classifyInputFile(cmd.InOrStdin(), name, c, in, onRecord, onUnclassified); err != nil {
					return err
				}
			}
			if werr != nil {
				return werr
			}
			if err := out.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%d records: %d classified, %d unclassified\n", classified+unclassified, classified, unclassified)
			return nil
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "classify as this configured source (its log types are the candidates)")
	cmd.Flags().StringVar(&logType, "log-type", "", "classify only against this log type (or source prefix such as osquery)")
	return cmd
}

// classifyInput picks the candidate log types from --source or --log-type.
func (g *globals) classifyInput(reg *schema.Registry, source, logType string) (schema.Input, error) {
	var in schema.Input
	switch {
	case source != "" && logType != "":
		return in, fmt.Errorf("give --source or --log-type, not both")
	case source != "":
		cfg, err := g.loadConfig()
		if err != nil {
			return in, err
		}
		s, ok := cfg.Source(source)
		if !ok {
			return in, fmt.Errorf("unknown source %q (see sources.yaml)", source)
		}
		types, err := reg.Select(s.LogTypes)
		if err != nil {
			return in, fmt.Errorf("source %s: %w", source, err)
		}
		in.Source, in.Types = source, types
	case logType != "":
		types, err := reg.Select([]string{logType})
		if err != nil {
			return in, err
		}
		in.Source, in.Types = "cli", types
	default:
		in.Source = "cli"
	}
	return in, nil
}

// classifyInputFile classifies a named file, or standard input for "-", as
// a stream (schema.Classifier.ClassifyReader: the S3 path's batches).
func classifyInputFile(stdin io.Reader, name string, c *schema.Classifier, in schema.Input, onRecord func(*schema.Record), onUnclassified func(*schema.Unclassified)) error {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	if err := c.ClassifyReader(r, in, schema.DefaultBatchBytes, onRecord, onUnclassified); err != nil {
		return fmt.Errorf("classify %s: %w", name, err)
	}
	return nil
}

// recordLineWriter writes classify's line of a record, {"log_type",
// "record_id", "event_time", "source", "fields", "normalized"}, straight
// from the record's typed values (schema.RecordWriter: the bytes
// encoding/json would write for its Map()).
type recordLineWriter struct {
	fields schema.RecordWriter
	buf    []byte
	keys   []string
}

// line returns the record's line with its "\n"; it is reused by the next call.
func (w *recordLineWriter) line(r *schema.Record) []byte {
	b := append(w.buf[:0], `{"log_type":`...)
	b = schema.AppendJSONString(b, r.LogType.Name)
	b = append(b, `,"record_id":`...)
	b = schema.AppendJSONString(b, r.ID)
	b = append(b, `,"event_time":"`...)
	b = r.EventTime.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","source":`...)
	b = schema.AppendJSONString(b, r.Source)
	b = append(b, `,"fields":`...)
	b = w.fields.AppendFields(b, r)
	if len(r.Normalized) > 0 {
		w.keys = w.keys[:0]
		for k := range r.Normalized {
			w.keys = append(w.keys, k)
		}
		slices.Sort(w.keys)
		b = append(b, `,"normalized":{`...)
		for i, k := range w.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = schema.AppendJSONString(b, k)
			b = append(b, ':')
			vals := r.Normalized[k]
			if vals == nil {
				b = append(b, "null"...)
				continue
			}
			b = append(b, '[')
			for j, v := range vals {
				if j > 0 {
					b = append(b, ',')
				}
				b = schema.AppendJSONString(b, v)
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	b = append(b, "}\n"...)
	w.buf = b
	return b
}

type unclassifiedLineT struct {
	Unclassified bool   `json:"unclassified"`
	RecordID     string `json:"record_id"`
	Source       string `json:"source"`
	Reason       string `json:"reason"`
	Raw          string `json:"raw"`
}

func unclassifiedLine(u *schema.Unclassified) unclassifiedLineT {
	raw := u.Raw
	const show = 2048
	if len(raw) > show {
		raw = raw[:show]
	}
	return unclassifiedLineT{Unclassified: true, RecordID: u.ID, Source: u.Source, Reason: u.Reason, Raw: string(raw)}
}
