// Package schematest builds what tests classify: log type registries (the
// built-in types plus test definitions from a file) and CloudTrail records.
package schematest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/streamalert/streamalert/schema"
)

// Registry returns the built-in log types plus the definitions in the YAML
// file at path, failing the test on any problem.
func Registry(tb testing.TB, path string) *schema.Registry {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	extra, errs := schema.ParseDefinitions(filepath.Base(path), data)
	if len(errs) > 0 {
		tb.Fatal(errs)
	}
	reg, err := schema.NewRegistry(append(schema.Builtin().All(), extra...))
	if err != nil {
		tb.Fatal(err)
	}
	return reg
}

// CloudTrailRecord is CloudTrail record number i with the event name given:
// a distinct event id, time, source address and user per i, as the
// realtime tests post them.
func CloudTrailRecord(i int, event string) string {
	return fmt.Sprintf(`{"eventVersion":"1.08","eventTime":"2026-05-01T10:%02d:%02dZ","eventSource":"cloudtrail.amazonaws.com","eventName":%q,"awsRegion":"us-east-1","sourceIPAddress":"198.51.100.%d","userAgent":"aws-cli/2","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u%d","accountId":"111122223333","userName":"u%d"},"requestParameters":{"name":"trail-%d"},"eventID":"00000000-0000-4000-8000-%012d","eventType":"AwsApiCall","recipientAccountId":"111122223333"}`,
		(i/60)%60, i%60, event, i%250+1, i%7, i%7, i, i)
}

// CloudTrailCorpusBatch builds a JSON-lines batch of n CloudTrail records
// from the Stratus corpus (rules/testdata/stratus), made distinct by their
// eventID (salt tells batches apart).
func CloudTrailCorpusBatch(tb testing.TB, n, salt int) []byte {
	tb.Helper()
	_, here, _, _ := runtime.Caller(0)
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(here), "..", "..", "rules", "testdata", "stratus", "*.json"))
	var recs [][]byte
	cls := schema.NewClassifier(nil)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		cls.Classify(data, schema.Input{}, func(r *schema.Record) { recs = append(recs, bytes.Clone(r.Raw)) }, func(*schema.Unclassified) {})
	}
	if len(recs) == 0 {
		tb.Fatal("schematest: no CloudTrail records in the Stratus corpus")
	}
	var buf bytes.Buffer
	for i := 0; i < n; i++ {
		r := recs[i%len(recs)]
		r = bytes.Replace(r, []byte(`"eventID":"`), []byte(fmt.Sprintf(`"eventID":"b%d-%d-`, salt, i)), 1)
		buf.Write(r)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}
