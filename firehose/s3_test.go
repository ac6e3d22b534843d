package firehose

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/streamalert/streamalert/internal/duckdbtest"
)

// newFakeS3 serves an in-memory S3 with one bucket over plain HTTP (gofakes3
// stores the SDK's chunked, trailing-checksum uploads corrupted over TLS)
// and returns a client for it.
func newFakeS3(t *testing.T, bucket string) *s3.Client {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	return s3.New(s3.Options{
		Region:                     "us-east-1",
		BaseEndpoint:               aws.String(srv.URL),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

// recordingDest keeps a copy of every file put through it.
type recordingDest struct {
	Destination
	mu    sync.Mutex
	files map[string][]byte
}

func (d *recordingDest) Put(ctx context.Context, key string, data []byte) error {
	d.mu.Lock()
	d.files[key] = bytes.Clone(data)
	d.mu.Unlock()
	return d.Destination.Put(ctx, key, data)
}

func getObject(t *testing.T, client *s3.Client, bucket, key string) []byte {
	t.Helper()
	out, err := client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get s3://%s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBucket_LakeFilesReadBackUnchanged(t *testing.T) {
	client := newFakeS3(t, "lake")
	rec := &recordingDest{Destination: NewBucket(client, "lake", "/team/prod/"), files: map[string][]byte{}}
	if got := rec.Destination.String(); got != "s3://lake/team/prod" {
		t.Errorf("String() = %q", got)
	}
	w, err := NewLake(rec, Options{BufferSize: 20 << 10, BufferInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	lts := testLogTypes(t)
	g := newGen(9)
	at := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
	const n = 3000
	for i := range n {
		if err := w.Write(g.record(lts[i%2], i, at)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(rec.files) < 3 {
		t.Fatalf("%d files written, want several", len(rec.files))
	}
	list, err := client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("lake")})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range list.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	var want []string
	for k := range rec.files {
		want = append(want, "team/prod/"+k)
	}
	sort.Strings(keys)
	sort.Strings(want)
	if strings.Join(keys, "\n") != strings.Join(want, "\n") {
		t.Fatalf("objects:\n%s\nwant:\n%s", strings.Join(keys, "\n"), strings.Join(want, "\n"))
	}
	// Every object's bytes are the file's, and the files read as the lake.
	local := t.TempDir()
	for key, data := range rec.files {
		got := getObject(t, client, "lake", "team/prod/"+key)
		if !bytes.Equal(got, data) {
			t.Fatalf("s3 object %s: %d bytes differ from the %d written", key, len(got), len(data))
		}
		p := filepath.Join(local, filepath.FromSlash(key))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db := duckdbtest.Open(t)
	if got := duckdbtest.QueryInt(t, db, "SELECT count(*) FROM "+duckdbtest.ReadParquet(local)); got != n {
		t.Errorf("read %d rows back, want %d", got, n)
	}
}

// partCounter counts multipart calls and can fail one part.
type partCounter struct {
	*s3.Client
	mu      sync.Mutex
	parts   int
	aborts  int
	failOn  int32
	puts    int
	creates int
}

func (p *partCounter) PutObject(ctx context.Context, in *s3.PutObjectInput, o ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	p.mu.Lock()
	p.puts++
	p.mu.Unlock()
	return p.Client.PutObject(ctx, in, o...)
}

func (p *partCounter) CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, o ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	p.mu.Lock()
	p.creates++
	p.mu.Unlock()
	return p.Client.CreateMultipartUpload(ctx, in, o...)
}

func (p *partCounter) UploadPart(ctx context.Context, in *s3.UploadPartInput, o ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	p.mu.Lock()
	p.parts++
	p.mu.Unlock()
	if aws.ToInt32(in.PartNumber) == p.failOn {
		return nil, errors.New("connection reset")
	}
	return p.Client.UploadPart(ctx, in, o...)
}

func (p *partCounter) AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, o ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	p.mu.Lock()
	p.aborts++
	p.mu.Unlock()
	return p.Client.AbortMultipartUpload(ctx, in, o...)
}

func randomBytes(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func TestBucket_PutSizes(t *testing.T) {
	for _, c := range []struct {
		name         string
		size         int
		puts, create int
		parts        int
	}{
		{"empty", 0, 1, 0, 0},
		{"one part", MinPartSize, 1, 0, 0},
		{"multipart", 2*MinPartSize + 3, 0, 1, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			client := newFakeS3(t, "lake")
			pc := &partCounter{Client: client}
			b := NewBucket(pc, "lake", "")
			b.PartSize = 1 // raised to MinPartSize
			data := randomBytes(c.size, uint64(c.size))
			if err := b.Put(context.Background(), "parquet/t/x.parquet", data); err != nil {
				t.Fatal(err)
			}
			if got := getObject(t, client, "lake", "parquet/t/x.parquet"); !bytes.Equal(got, data) {
				t.Errorf("read back %d bytes that differ from the %d put", len(got), len(data))
			}
			if pc.puts != c.puts || pc.creates != c.create || pc.parts != c.parts {
				t.Errorf("PutObject %d, CreateMultipartUpload %d, UploadPart %d; want %d, %d, %d",
					pc.puts, pc.creates, pc.parts, c.puts, c.create, c.parts)
			}
		})
	}
}

func TestBucket_FailedMultipartLeavesNoObject(t *testing.T) {
	client := newFakeS3(t, "lake")
	pc := &partCounter{Client: client, failOn: 2}
	b := NewBucket(pc, "lake", "p")
	b.PartSize = MinPartSize
	err := b.Put(context.Background(), "parquet/t/x.parquet", randomBytes(3*MinPartSize, 1))
	if err == nil || !strings.Contains(err.Error(), "upload part 2") || !strings.Contains(err.Error(), "s3://lake/p") {
		t.Fatalf("Put = %v, want an error naming part 2 and the lake", err)
	}
	if pc.aborts != 1 {
		t.Errorf("aborts = %d, want 1", pc.aborts)
	}
	_, err = client.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("lake"), Key: aws.String("p/parquet/t/x.parquet")})
	if err == nil {
		t.Error("the object exists after a failed upload")
	}
}

func TestValidKey(t *testing.T) {
	for key, want := range map[string]bool{
		"parquet/t/dt=2024-01-01-00/f.parquet": true,
		"":                                     false,
		"/abs":                                 false,
		"dir/":                                 false,
		"a//b":                                 false,
		"a/../b":                               false,
		"./a":                                  false,
	} {
		if got := validKey(key); got != want {
			t.Errorf("validKey(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestOpenDestination(t *testing.T) {
	d, err := OpenDestination(context.Background(), "/var/lake")
	if err != nil || d.String() != "/var/lake" {
		t.Errorf("local: %v, %v", d, err)
	}
	if _, err := OpenDestination(context.Background(), ""); err == nil {
		t.Error("empty location accepted")
	}
	if _, err := OpenDestination(context.Background(), "s3:///nobucket"); err == nil {
		t.Error("s3 URL without bucket accepted")
	}
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	d, err = OpenDestination(context.Background(), "s3://bucket/some/prefix/")
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := d.(*Bucket); !ok || b.Name != "bucket" || b.Prefix != "some/prefix" {
		t.Errorf("OpenDestination(s3://bucket/some/prefix/) = %#v", d)
	}
}
