// Package laketest writes lakes for tests: JSON payloads classified into
// records of a log type and written with the embedded firehose, the same
// Parquet files serve and Firehose write.
package laketest

import (
	"context"
	"testing"
	"time"

	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/schema"
)

// Classify turns payloads into records of a log type arriving at the
// given times (one per payload, cycling; default 2024-06-01 10:00 UTC).
// A payload that does not classify fails the test.
func Classify(tb testing.TB, reg *schema.Registry, logType string, payloads []string, arrivals ...time.Time) []*schema.Record {
	tb.Helper()
	lt := reg.Get(logType)
	if lt == nil {
		tb.Fatalf("laketest: no log type %s", logType)
	}
	if len(arrivals) == 0 {
		arrivals = []time.Time{time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)}
	}
	cls := schema.NewClassifier(reg)
	var out []*schema.Record
	for i, p := range payloads {
		in := schema.Input{Source: "test", Types: []*schema.LogType{lt}, IngestTime: arrivals[i%len(arrivals)]}
		err := cls.Classify([]byte(p), in, func(r *schema.Record) { out = append(out, r) },
			func(u *schema.Unclassified) {
				tb.Fatalf("laketest: payload %s did not classify as %s: %s", p, logType, u.Reason)
			})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return out
}

// Write writes records into a lake directory with the embedded firehose.
func Write(tb testing.TB, dir string, recs []*schema.Record) {
	tb.Helper()
	ctx := context.Background()
	lake, err := firehose.NewLake(firehose.NewDir(dir), firehose.Options{BufferInterval: time.Hour})
	if err != nil {
		tb.Fatal(err)
	}
	for _, r := range recs {
		if err := lake.Write(r); err != nil {
			tb.Fatal(err)
		}
	}
	if err := lake.Close(ctx); err != nil {
		tb.Fatal(err)
	}
}
