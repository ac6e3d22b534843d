package equivalence

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// Corpus is the standard input of the suite, read from the repository:
// the rule pack, the Sigma CloudTrail rules, the compiler's test rules,
// their test records and the Stratus Red Team CloudTrail corpus.
type Corpus struct {
	Registry *schema.Registry
	Rules    []*rules.Rule
	// Payloads are the records to classify, by log type name.
	Payloads map[string][][]byte
	// Templates hold one real record per log type, for Generate.
	Templates map[string][]byte
}

// LoadCorpus reads the corpus from the repository rooted at root.
func LoadCorpus(root string) (*Corpus, error) {
	data, err := os.ReadFile(filepath.Join(root, "queries", "testdata", "logtypes.yaml"))
	if err != nil {
		return nil, err
	}
	extra, errs := schema.ParseDefinitions("queries/testdata/logtypes.yaml", data)
	if len(errs) > 0 {
		return nil, fmt.Errorf("test log types: %v", errs)
	}
	reg, err := schema.NewRegistry(append(schema.Builtin().All(), extra...))
	if err != nil {
		return nil, err
	}
	c := &Corpus{Registry: reg, Payloads: map[string][][]byte{}, Templates: map[string][]byte{}}

	pack, errs := rules.Pack(reg)
	if len(errs) > 0 {
		return nil, fmt.Errorf("rule pack: %v", errs)
	}
	sigmaFiles, err := filepath.Glob(filepath.Join(root, "rules", "testdata", "sigma", "aws_cloudtrail", "*.yml"))
	if err != nil {
		return nil, err
	}
	sigma, errs := rules.LoadFiles(sigmaFiles, reg)
	if len(errs) > 0 {
		return nil, fmt.Errorf("sigma rules: %v", errs)
	}
	own, errs := rules.LoadDir(filepath.Join(root, "queries", "testdata", "rules"), reg)
	if len(errs) > 0 {
		return nil, fmt.Errorf("compiler test rules: %v", errs)
	}
	all, errs := rules.Merge(pack, sigma, own)
	if len(errs) > 0 {
		return nil, fmt.Errorf("rules: %v", errs)
	}
	c.Rules = all.Rules()

	for _, r := range c.Rules {
		for _, tc := range r.Tests {
			c.add(tc.LogType, tc.Record)
		}
	}
	events, errs := rules.PackTestEvents()
	if len(errs) > 0 {
		return nil, fmt.Errorf("pack test events: %v", errs)
	}
	for _, ev := range events {
		if ev.LogType != "" {
			c.add(ev.LogType, ev.Record)
		}
	}
	stratus, err := filepath.Glob(filepath.Join(root, "rules", "testdata", "stratus", "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(stratus)
	for _, f := range stratus {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		c.add("cloudtrail:events", data)
	}
	return c, nil
}

func (c *Corpus) add(logType string, payload []byte) {
	c.Payloads[logType] = append(c.Payloads[logType], payload)
	if _, ok := c.Templates[logType]; !ok && len(payload) > 0 && payload[0] == '{' {
		c.Templates[logType] = payload
	}
}

// Generated derives records from every rule's literals, at most perRule
// for each rule and log type: JSON payloads through the classifier for
// log types parsed as JSON (Generate), and records varied directly from a
// classified test record for the others (GenerateRecords). It returns the
// records and how many payloads did not classify.
func (c *Corpus) Generated(perRule int) ([]*schema.Record, int, error) {
	payloads := map[string][][]byte{}
	var recs []*schema.Record
	templates := map[string]*schema.Record{}
	for _, r := range c.Rules {
		if r.Expr == nil {
			continue
		}
		for _, lt := range r.LogTypes {
			if lt.Parser.Type == "json" {
				payloads[lt.Name] = append(payloads[lt.Name], Generate(r, lt, c.Templates[lt.Name], perRule)...)
				continue
			}
			tmpl, ok := templates[lt.Name]
			if !ok {
				tmpl = c.templateRecord(lt)
				templates[lt.Name] = tmpl
			}
			if tmpl != nil {
				recs = append(recs, GenerateRecords(r, tmpl, perRule)...)
			}
		}
	}
	more, unclassified, err := c.Classify(payloads)
	return append(recs, more...), unclassified, err
}

// templateRecord classifies the first test payload of a log type that
// classifies, or returns nil.
func (c *Corpus) templateRecord(lt *schema.LogType) *schema.Record {
	for _, p := range c.Payloads[lt.Name] {
		recs, _, err := c.Classify(map[string][][]byte{lt.Name: {p}})
		if err == nil && len(recs) > 0 {
			return recs[0]
		}
	}
	return nil
}

// Classify turns payloads into records with the real classifier. Payloads
// that do not classify as their log type are counted, not returned. The
// ingest times are spread over a few hours, so that the lake has several
// dt partitions.
func (c *Corpus) Classify(payloads map[string][][]byte) (recs []*schema.Record, unclassified int, err error) {
	cls := schema.NewClassifier(c.Registry)
	base := time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)
	names := make([]string, 0, len(payloads))
	for n := range payloads {
		names = append(names, n)
	}
	sort.Strings(names)
	i := 0
	for _, name := range names {
		lt := c.Registry.Get(name)
		if lt == nil {
			return nil, 0, fmt.Errorf("unknown log type %s", name)
		}
		for _, p := range payloads[name] {
			in := schema.Input{Source: "equivalence", Types: []*schema.LogType{lt}, IngestTime: base.Add(time.Duration(i%4) * time.Hour)}
			i++
			err := cls.Classify(p, in, func(r *schema.Record) { recs = append(recs, r) },
				func(*schema.Unclassified) { unclassified++ })
			if err != nil {
				return nil, 0, fmt.Errorf("classify %s payload: %w", name, err)
			}
		}
	}
	return recs, unclassified, nil
}
