package schema

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestClassifyReader_SameRecordsAsWholePayload: reading a file as a stream
// in small batches gives the records, in order, that classifying it whole
// gives, for the framings SplitPayload keeps apart.
func TestClassifyReader_SameRecordsAsWholePayload(t *testing.T) {
	var lines strings.Builder
	for i := range 500 {
		fmt.Fprintf(&lines, `{"eventVersion":"1.08","eventTime":"2026-05-01T10:00:%02dZ","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u%d"},"eventID":"id-%d","eventType":"AwsApiCall"}`+"\n", i%60, i%7, i)
		if i%50 == 0 {
			lines.WriteString("not a record\n\n")
		}
	}
	pretty := "{\n  \"Records\": [\n" + strings.Repeat(`    {"eventVersion":"1.08","eventTime":"2026-05-01T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventType":"AwsApiCall"},`+"\n", 40) +
		`    {"eventVersion":"1.08","eventTime":"2026-05-01T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"PutObject","eventType":"AwsApiCall"}` + "\n  ]\n}\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(lines.String()))
	zw.Close()
	cases := []struct {
		name    string
		payload []byte
		want    []byte // what Classify is given whole (inflated)
	}{
		{"json lines", []byte(lines.String()), []byte(lines.String())},
		{"gzip json lines", gz.Bytes(), []byte(lines.String())},
		{"pretty-printed document", []byte(pretty), []byte(pretty)},
	}
	in := Input{Source: "test", IngestTime: time.Date(2026, 5, 1, 11, 0, 0, 0, time.UTC)}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			collect := func(run func(c *Classifier, onR func(*Record), onU func(*Unclassified)) error) []string {
				var got []string
				err := run(NewClassifier(nil),
					func(r *Record) { got = append(got, r.LogType.Name+" "+r.ID+" "+string(r.Raw)) },
					func(u *Unclassified) { got = append(got, "unclassified "+u.ID+" "+string(u.Raw)) })
				if err != nil {
					t.Fatal(err)
				}
				return got
			}
			want := collect(func(c *Classifier, onR func(*Record), onU func(*Unclassified)) error {
				return c.Classify(tc.want, in, onR, onU)
			})
			got := collect(func(c *Classifier, onR func(*Record), onU func(*Unclassified)) error {
				return c.ClassifyReader(bytes.NewReader(tc.payload), in, 4096, onR, onU)
			})
			if len(want) < 40 {
				t.Fatalf("only %d results classifying whole", len(want))
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("streamed: %d results, whole: %d; first difference:\n%s", len(got), len(want), firstDiff(got, want))
			}
		})
	}
}

func firstDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("got  %s\nwant %s", got[i], want[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(got), len(want))
}

// TestClassifyReader_TruncatedGzipIsAnError: a broken stream is the
// caller's error, not records quietly missing.
func TestClassifyReader_TruncatedGzipIsAnError(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(bytes.Repeat([]byte(`{"a":1}`+"\n"), 10000))
	zw.Close()
	cut := gz.Bytes()[:gz.Len()/2]
	err := NewClassifier(nil).ClassifyReader(bytes.NewReader(cut), Input{}, 1024, func(*Record) {}, func(*Unclassified) {})
	if err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("err = %v, want a truncated gzip payload", err)
	}
}
