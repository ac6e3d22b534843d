package demo

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"time"
)

// Example is a sample log file the README's commands use.
type Example struct {
	Name    string // file name in examples/
	LogType string
	Records int
	Data    []byte
}

// ExampleDay and ExampleSeed pin the generated day the examples come from.
var (
	ExampleDay  = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	ExampleSeed = int64(1)
)

// Examples writes small sample files in the formats the vendors deliver,
// cut from a generated day (with its attack story): CloudTrail as one
// {"Records":[…]} file as CloudTrail writes to S3, sshd/sudo lines as in
// /var/log/auth.log, and an nginx access log compressed as logrotate
// leaves it. The same seed always gives the same bytes.
func Examples() ([]Example, error) {
	var trail []json.RawMessage
	var auth, access bytes.Buffer
	var nAuth, nAccess int
	for _, b := range Generate(ExampleSeed, 300, ExampleDay) {
		switch b.LogType {
		case CloudTrail:
			var env struct{ Records []json.RawMessage }
			if err := json.Unmarshal(b.Payload, &env); err != nil {
				return nil, fmt.Errorf("demo: CloudTrail batch of %s: %w", b.Hour.Format(time.RFC3339), err)
			}
			trail = append(trail, env.Records...)
		case LinuxAuth:
			auth.Write(b.Payload)
			nAuth += b.Records
		case Nginx:
			access.Write(b.Payload)
			nAccess += b.Records
		}
	}
	var ct bytes.Buffer
	ct.WriteString("{\"Records\": [\n")
	for i, r := range trail {
		if i > 0 {
			ct.WriteString(",\n")
		}
		ct.Write(r)
	}
	ct.WriteString("\n]}\n")
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Name = "access.log"
	zw.ModTime = ExampleDay
	zw.Write(access.Bytes())
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return []Example{
		{Name: "cloudtrail.json", LogType: CloudTrail, Records: len(trail), Data: ct.Bytes()},
		{Name: "auth.log", LogType: LinuxAuth, Records: nAuth, Data: auth.Bytes()},
		{Name: "access.log.gz", LogType: Nginx, Records: nAccess, Data: gz.Bytes()},
	}, nil
}
