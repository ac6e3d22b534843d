package schema_test

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/streamalert/streamalert/schema"
)

// sharedFormats are the pairs of log types whose formats overlap by
// design: a claimer that accepts the samples of another type because it
// is a generic reader of the same framing, or the same vendor format
// under two names. Each is documented in the claimer's definition.
var sharedFormats = map[string][]string{
	// Generic syslog takes any well-formed syslog line; the types that
	// recognise a program's messages are tried first.
	"syslog:rfc3164": {"linux:auth", "cisco:asa", "syslog:rfc5424", "pan:threat", "pan:traffic"},
	"syslog:rfc5424": {"linux:auth"},
	// nginx's default "combined" is Apache's Combined Log Format.
	// Squid's "combined" is Apache's Combined Log Format plus %Ss:%Sh,
	// which the web server types read as trailing fields; squid:combined
	// is tried first.
	"apache:access": {"nginx:access", "squid:combined"},
	"nginx:access":  {"apache:access", "squid:combined"},
	// A VPC flow log with a header line in the default field order is a
	// custom-format log that happens to choose the default fields.
	"aws:vpc_flow_custom": {"aws:vpc_flow"},
	// EventBridge's envelope: samples delivered through EventBridge are
	// also generic EventBridge events; the specific type has priority.
	"cloudwatch:events": {"aws:config", "aws:guardduty", "aws:security_hub", "cloudtrail:events", "okta:system"},
}

// TestBuiltinLogTypes_NoTypeClaimsAnothersSamples classifies every sample
// of every built-in type with each other type as the only candidate (as
// --log-type would): no type may accept another type's samples, except the
// documented shared formats.
func TestBuiltinLogTypes_NoTypeClaimsAnothersSamples(t *testing.T) {
	reg := schema.Builtin()
	dirs, err := os.ReadDir(samplesDir)
	if err != nil {
		t.Fatal(err)
	}
	claims := map[string]map[string]int{} // claimer → owner → records
	checked := 0
	for _, d := range dirs {
		if !d.IsDir() || d.Name() == unclassifiedDir {
			continue
		}
		owner := typeOfTable(reg, d.Name())
		if owner == nil {
			continue
		}
		files, err := os.ReadDir(filepath.Join(samplesDir, d.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			payload, err := os.ReadFile(filepath.Join(samplesDir, d.Name(), f.Name()))
			if err != nil {
				t.Fatal(err)
			}
			for _, lt := range reg.All() {
				if lt == owner {
					continue
				}
				c := schema.NewClassifier(reg)
				err := c.Classify(payload, schema.Input{Source: "samples", Types: []*schema.LogType{lt}, IngestTime: sampleIngestTime},
					func(*schema.Record) {
						if claims[lt.Name] == nil {
							claims[lt.Name] = map[string]int{}
						}
						claims[lt.Name][owner.Name]++
					},
					func(*schema.Unclassified) {})
				if err != nil {
					t.Fatal(err)
				}
				checked++
			}
		}
	}
	var bad []string
	for claimer, owners := range claims {
		for owner, n := range owners {
			allowed := false
			for _, o := range sharedFormats[claimer] {
				allowed = allowed || o == owner
			}
			if !allowed {
				bad = append(bad, claimer+" accepts "+owner+" samples ("+itoa(n)+" records)")
			}
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("types claim other types' samples:\n  %s", strings.Join(bad, "\n  "))
	}
	if checked < 1000 {
		t.Errorf("only %d type × sample pairs checked", checked)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestBuiltinLogTypes_SamplesWithLogType classifies every sample with its
// own type as the only candidate (as --log-type does): every record must
// be accepted, as in auto mode.
func TestBuiltinLogTypes_SamplesWithLogType(t *testing.T) {
	reg := schema.Builtin()
	dirs, err := os.ReadDir(samplesDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		owner := typeOfTable(reg, d.Name())
		if !d.IsDir() || owner == nil {
			continue
		}
		files, err := os.ReadDir(filepath.Join(samplesDir, d.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			payload, err := os.ReadFile(filepath.Join(samplesDir, d.Name(), f.Name()))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			err = schema.NewClassifier(reg).Classify(payload, schema.Input{Source: "samples", Types: []*schema.LogType{owner}, IngestTime: sampleIngestTime},
				func(*schema.Record) { n++ },
				func(u *schema.Unclassified) {
					t.Errorf("%s/%s with --log-type %s: unclassified: %s", d.Name(), f.Name(), owner.Name, u.Reason)
				})
			if err != nil || n == 0 {
				t.Errorf("%s/%s: %d records, %v", d.Name(), f.Name(), n, err)
			}
		}
	}
}
