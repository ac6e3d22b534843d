package lambdafn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/streamalert/streamalert/schema"
)

// S3API is the part of the S3 client the classifier function uses;
// *s3.Client implements it.
type S3API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// objects classifies the objects of S3 event records. fallback names the
// source of objects whose bucket no source names ("": the bucket name).
func (f *ClassifierFunction) objects(ctx context.Context, fallback string, recs []events.S3EventRecord) error {
	for i := range recs {
		r := &recs[i]
		if !strings.HasPrefix(r.EventName, "ObjectCreated:") {
			continue
		}
		bucket, key := r.S3.Bucket.Name, r.S3.Object.URLDecodedKey
		if key == "" {
			key = r.S3.Object.Key
		}
		if strings.HasSuffix(key, "/") {
			continue // a "folder"
		}
		source := f.sources.lookup(EventS3, bucket)
		if source == "" {
			source = fallback
		}
		if source == "" {
			source = bucket
		}
		if err := f.object(ctx, source, bucket, key, r.S3.Object.VersionID); err != nil {
			return err
		}
	}
	return nil
}

// object streams one object through the pipeline in batches.
func (f *ClassifierFunction) object(ctx context.Context, source, bucket, key, version string) error {
	if f.s3 == nil {
		return fmt.Errorf("s3://%s/%s: the function has no S3 client", bucket, key)
	}
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if version != "" {
		in.VersionId = aws.String(version)
	}
	out, err := f.s3.GetObject(ctx, in)
	if err != nil {
		var nsk *types.NoSuchKey
		if errors.As(err, &nsk) {
			// Deleted before we read it: a retry cannot help.
			f.log.Warn("s3 object gone before it was read; skipped", "bucket", bucket, "key", key)
			return nil
		}
		return fmt.Errorf("get s3://%s/%s: %w", bucket, key, err)
	}
	defer out.Body.Close()
	received := time.Now().UTC()
	if out.LastModified != nil {
		received = out.LastModified.UTC()
	}
	err = schema.SplitPayload(out.Body, f.batch, func(batch []byte) error {
		return f.process(ctx, source, received, batch)
	})
	if err != nil {
		return fmt.Errorf("s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}
