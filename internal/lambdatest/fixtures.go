package lambdatest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"embed"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/firehose/firehosetest"
	"github.com/streamalert/streamalert/schema"
)

//go:embed testdata
var testdata embed.FS

// Names the fixtures use (testdata/conf and testdata/events).
const (
	Prefix      = "satest"
	Stream      = "satest-cloudtrail"
	StreamARN   = "arn:aws:kinesis:us-east-1:111122223333:stream/" + Stream
	HTTPToken   = "sa_lambdatest_token_0123456789"
	TrailBucket = "satest-cloudtrail-logs"
	AppBucket   = "satest-app-logs-bucket"
	// AlertsTable is the table the functions use by default.
	AlertsTable = Prefix + "_streamalert_alerts"
	// ConfigBucket and ConfigKey hold ConfigTarGz in FakeS3.
	ConfigBucket = "satest-config"
	ConfigKey    = "conf.tar.gz"
)

// Keys of the objects the S3 notifications of the fixtures name.
const (
	KeyPrettyGz = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/05/01/trail file_a1.json.gz"
	KeyLine     = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/05/01/111122223333_CloudTrail_us-east-1_a2.json"
	KeyApp      = "app/2026/05/01/app.jsonl"
)

// Event returns the event fixture testdata/events/NAME.json, with each
// old, new pair of replace applied.
func Event(tb testing.TB, name string, replace ...string) []byte {
	tb.Helper()
	b, err := testdata.ReadFile("testdata/events/" + name + ".json")
	if err != nil {
		tb.Fatalf("lambdatest: %v", err)
	}
	return []byte(strings.NewReplacer(replace...).Replace(string(b)))
}

// Object returns an object fixture (testdata/objects/NAME).
func Object(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := testdata.ReadFile("testdata/objects/" + name)
	if err != nil {
		tb.Fatalf("lambdatest: %v", err)
	}
	return b
}

// ConfigFS is the config directory of the fixtures: its own rules (no
// pack), sources for the fixtures' stream, buckets, queue, topic and HTTP,
// and a webhook output whose url and signing key are secrets.
func ConfigFS() fs.FS {
	sub, err := fs.Sub(testdata, "testdata/conf")
	if err != nil {
		panic(err)
	}
	return sub
}

// ConfigTarGz returns ConfigFS as a .tar.gz archive with ./ paths, as
// `tar czf conf.tar.gz -C conf .` makes it.
func ConfigTarGz(tb testing.TB) []byte {
	tb.Helper()
	return TarGz(tb, ConfigFS())
}

// TarGz archives a config directory as `tar czf conf.tar.gz -C conf .`
// does.
func TarGz(tb testing.TB, fsys fs.FS) []byte {
	tb.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: "./" + p, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err = tw.Write(b)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = gz.Close()
	}
	if err != nil {
		tb.Fatalf("lambdatest: config archive: %v", err)
	}
	return buf.Bytes()
}

// Gzip compresses b.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// S3Objects are the objects the fixtures' S3 notifications name, and the
// config archive: bucket → key → contents.
func S3Objects(tb testing.TB) map[string]map[string][]byte {
	tb.Helper()
	return map[string]map[string][]byte{
		TrailBucket: {
			KeyPrettyGz: Gzip(Object(tb, "cloudtrail_pretty.json")),
			KeyLine:     Object(tb, "cloudtrail_line.json"),
		},
		AppBucket:    {KeyApp: Object(tb, "app.jsonl")},
		ConfigBucket: {ConfigKey: ConfigTarGz(tb)},
	}
}

// S3Server is an in-memory S3 (gofakes3) served over plain HTTP on
// loopback: gofakes3 stores the SDK's chunked uploads wrongly over TLS.
type S3Server struct {
	URL string
	// Client is a path-style client for it.
	Client *s3.Client

	mu   sync.Mutex
	gets map[string]int // "bucket/key" → GET requests
}

// FakeS3 starts an S3Server holding objects (bucket → key → contents).
func FakeS3(tb testing.TB, objects map[string]map[string][]byte) *S3Server {
	tb.Helper()
	backend := s3mem.New()
	for bucket, objs := range objects {
		if err := backend.CreateBucket(bucket); err != nil {
			tb.Fatal(err)
		}
		for key, data := range objs {
			if _, err := backend.PutObject(bucket, key, map[string]string{}, bytes.NewReader(data), int64(len(data)), nil); err != nil {
				tb.Fatalf("lambdatest: put s3://%s/%s: %v", bucket, key, err)
			}
		}
	}
	s := &S3Server{gets: map[string]int{}}
	fake := gofakes3.New(backend).Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			s.mu.Lock()
			s.gets[strings.TrimPrefix(r.URL.Path, "/")]++
			s.mu.Unlock()
		}
		fake.ServeHTTP(w, r)
	}))
	tb.Cleanup(srv.Close)
	s.URL = srv.URL
	s.Client = s3.NewFromConfig(AWSConfig(), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
		o.UsePathStyle = true
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	return s
}

// Gets returns how many GET requests asked for an object.
func (s *S3Server) Gets(bucket, key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets[bucket+"/"+key]
}

// Firehose starts a local Firehose (firehosetest) on loopback with a
// delivery stream for every built-in log type, the unclassified table and
// the alerts table, named with Prefix.
func Firehose(tb testing.TB) *firehosetest.Server {
	tb.Helper()
	names := []string{firehose.StreamName(Prefix, firehose.UnclassifiedTableName), firehose.StreamName(Prefix, firehose.AlertsTableName)}
	for _, lt := range schema.Builtin().All() {
		names = append(names, firehose.StreamName(Prefix, lt.Table()))
	}
	s := firehosetest.NewServer(names...)
	tb.Cleanup(s.Close)
	return s
}

// DynamoClient returns a DynamoDB client for endpoint.
func DynamoClient(endpoint string) *dynamodb.Client {
	return dynamodb.NewFromConfig(AWSConfig(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(endpoint) })
}

// AlertTable creates the alert table named table in the DynamoDB at
// endpoint and returns a store over it.
func AlertTable(tb testing.TB, endpoint, table string) *alerts.DynamoStore {
	tb.Helper()
	client := DynamoClient(endpoint)
	if err := alerts.CreateDynamoTable(context.Background(), client, table); err != nil {
		tb.Fatalf("lambdatest: %v", err)
	}
	return alerts.NewDynamoStore(client, table)
}

// StreamOf returns the Firehose stream of a table under Prefix.
func StreamOf(table string) string { return firehose.StreamName(Prefix, table) }

// Records counts the records a firehosetest server got per stream,
// leaving out streams that got none.
func Records(s *firehosetest.Server) map[string]int {
	out := map[string]int{}
	for _, lt := range schema.Builtin().All() {
		if n := len(s.Records(StreamOf(lt.Table()))); n > 0 {
			out[lt.Table()] = n
		}
	}
	for _, t := range []string{firehose.UnclassifiedTableName, firehose.AlertsTableName} {
		if n := len(s.Records(StreamOf(t))); n > 0 {
			out[t] = n
		}
	}
	return out
}
