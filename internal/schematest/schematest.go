// Package schematest builds log type registries for tests: the built-in
// types plus test definitions from a file.
package schematest

import (
	"fmt"
	"os"
	"path/filepath"
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
