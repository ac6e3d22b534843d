package firehose

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// S3API is the part of the S3 client a bucket destination uses; *s3.Client
// implements it.
type S3API interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error)
	UploadPart(ctx context.Context, in *s3.UploadPartInput, optFns ...func(*s3.Options)) (*s3.UploadPartOutput, error)
	CompleteMultipartUpload(ctx context.Context, in *s3.CompleteMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error)
	AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
}

// MinPartSize is the smallest part S3 accepts in a multipart upload (all
// parts but the last).
const MinPartSize = 5 << 20

// Bucket is a Destination in an S3 bucket (or any S3-compatible store).
// Files up to PartSize go up in one PutObject; larger ones in a multipart
// upload of PartSize parts. Either way the object appears only when complete.
type Bucket struct {
	Client   S3API
	Name     string
	Prefix   string // key prefix without a trailing slash; "" for the bucket root
	PartSize int64  // default 64 MiB; at least MinPartSize
}

// NewBucket returns the destination for the lake at s3://name/prefix.
func NewBucket(client S3API, name, prefix string) *Bucket {
	return &Bucket{Client: client, Name: name, Prefix: strings.Trim(prefix, "/")}
}

func (b *Bucket) String() string {
	if b.Prefix == "" {
		return "s3://" + b.Name
	}
	return "s3://" + b.Name + "/" + b.Prefix
}

func (b *Bucket) objectKey(key string) string {
	if b.Prefix == "" {
		return key
	}
	return b.Prefix + "/" + key
}

func (b *Bucket) partSize() int64 {
	switch {
	case b.PartSize == 0:
		return 64 << 20
	case b.PartSize < MinPartSize:
		return MinPartSize
	}
	return b.PartSize
}

// Put uploads data to the object at key under the prefix.
func (b *Bucket) Put(ctx context.Context, key string, data []byte) error {
	if !validKey(key) {
		return fmt.Errorf("lake %s: invalid key %q", b, key)
	}
	okey := b.objectKey(key)
	if int64(len(data)) <= b.partSize() {
		_, err := b.Client.PutObject(ctx, &s3.PutObjectInput{
			Bucket:        aws.String(b.Name),
			Key:           aws.String(okey),
			Body:          bytes.NewReader(data),
			ContentLength: aws.Int64(int64(len(data))),
			ContentType:   aws.String(contentType(key)),
		})
		if err != nil {
			return fmt.Errorf("lake %s: put %s: %w", b, key, err)
		}
		return nil
	}
	if err := b.multipart(ctx, okey, contentType(key), data); err != nil {
		return fmt.Errorf("lake %s: multipart put %s: %w", b, key, err)
	}
	return nil
}

func (b *Bucket) multipart(ctx context.Context, okey, ctype string, data []byte) error {
	up, err := b.Client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String(b.Name), Key: aws.String(okey), ContentType: aws.String(ctype),
	})
	if err != nil {
		return fmt.Errorf("create upload: %w", err)
	}
	abort := func(cause error) error {
		// The abort gets its own context: the caller's may be what failed.
		_, aerr := b.Client.AbortMultipartUpload(context.WithoutCancel(ctx), &s3.AbortMultipartUploadInput{
			Bucket: aws.String(b.Name), Key: aws.String(okey), UploadId: up.UploadId,
		})
		if aerr != nil {
			return errors.Join(cause, fmt.Errorf("abort upload %s: %w", aws.ToString(up.UploadId), aerr))
		}
		return cause
	}
	size := b.partSize()
	var parts []types.CompletedPart
	for off, n := int64(0), int32(1); off < int64(len(data)); off, n = off+size, n+1 {
		part := data[off:min(off+size, int64(len(data)))]
		out, err := b.Client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String(b.Name), Key: aws.String(okey), UploadId: up.UploadId,
			PartNumber: aws.Int32(n), Body: bytes.NewReader(part), ContentLength: aws.Int64(int64(len(part))),
		})
		if err != nil {
			return abort(fmt.Errorf("upload part %d: %w", n, err))
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(n)})
	}
	_, err = b.Client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(b.Name), Key: aws.String(okey), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	if err != nil {
		return abort(fmt.Errorf("complete upload: %w", err))
	}
	return nil
}

func contentType(key string) string {
	if strings.HasSuffix(key, ".parquet") {
		return "application/vnd.apache.parquet"
	}
	return "application/octet-stream"
}

// OpenDestination returns the destination for a lake location: an
// s3://bucket/prefix URL (using the default AWS configuration) or a local
// directory.
func OpenDestination(ctx context.Context, lake string) (Destination, error) {
	if !strings.HasPrefix(lake, "s3://") {
		if lake == "" {
			return nil, fmt.Errorf("lake location is empty")
		}
		return NewDir(lake), nil
	}
	u, err := url.Parse(lake)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("lake %q: want s3://bucket/prefix", lake)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("lake %s: load AWS config: %w", lake, err)
	}
	return NewBucket(s3.NewFromConfig(cfg), u.Host, u.Path), nil
}
