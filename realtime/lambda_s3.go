package realtime

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// S3API is the part of the S3 client the classifier function uses;
// *s3.Client implements it.
type S3API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// MaxObjectDocument bounds an S3 object that is one JSON document spread
// over many lines (pretty-printed): it must be classified whole, so it is
// held in memory whole. Larger ones are cut at lines like any text.
const MaxObjectDocument = 256 << 20

// maxObjectLine bounds one line of an object; a longer line is cut (its
// pieces end as unclassified records).
const maxObjectLine = 64 << 20

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
		source := f.sources.lookup("s3", bucket)
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
	err = SplitObject(out.Body, f.batch, func(batch []byte) error {
		return f.process(ctx, source, received, batch)
	})
	if err != nil {
		return fmt.Errorf("s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}

// SplitObject reads an object (plain, gzip — members concatenated or not —
// or zlib) as a stream and calls fn with batches of about size bytes cut at
// line ends, so that a large object is never held whole. An object that is
// one JSON document over several lines cannot be cut: it is one batch (up
// to MaxObjectDocument). fn's batch is reused after fn returns.
func SplitObject(r io.Reader, size int, fn func(batch []byte) error) error {
	if size <= 0 {
		size = 4 << 20
	}
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(2)
	var text io.Reader = br
	switch {
	case len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b:
		gz, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("gzip: %w", err)
		}
		defer gz.Close()
		text = gz
	case len(head) == 2 && head[0] == 0x78 && (head[1] == 0x01 || head[1] == 0x9c || head[1] == 0xda):
		// 78 5e ("x^") is a zlib header too, but also plain text: left as is.
		zr, err := zlib.NewReader(br)
		if err != nil {
			return fmt.Errorf("zlib: %w", err)
		}
		defer zr.Close()
		text = zr
	}
	lr := bufio.NewReaderSize(text, 256<<10)

	first, err := readLine(lr)
	if err != nil && err != io.EOF {
		return err
	}
	if t := bytes.TrimSpace(first); err == nil && len(t) > 0 && (t[0] == '{' || t[0] == '[') && !json.Valid(t) {
		// A document spread over lines: classify it whole unless it is huge.
		doc := bytes.NewBuffer(first)
		_, rerr := io.CopyN(doc, lr, MaxObjectDocument-int64(len(first))+1)
		if rerr != nil && rerr != io.EOF {
			return rerr
		}
		if rerr == io.EOF {
			return fn(doc.Bytes())
		}
		// Too large to be one document: go on with it as lines.
		lr = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(doc.Bytes()[len(first):]), lr), 256<<10)
	}
	batch := make([]byte, 0, size+64<<10)
	lineStart := 0 // where the line being read starts in batch
	emit := func() error {
		if len(bytes.TrimSpace(batch)) > 0 {
			if err := fn(batch); err != nil {
				return err
			}
		}
		batch, lineStart = batch[:0], 0
		return nil
	}
	batch = append(batch, first...)
	if err == io.EOF {
		return emit()
	}
	lineStart = len(batch)
	if len(batch) >= size {
		if err := emit(); err != nil {
			return err
		}
	}
	for {
		frag, err := lr.ReadSlice('\n')
		batch = append(batch, frag...)
		switch {
		case err == nil:
			lineStart = len(batch)
			if len(batch) >= size {
				if err := emit(); err != nil {
					return err
				}
			}
		case err == bufio.ErrBufferFull:
			if len(batch)-lineStart >= maxObjectLine {
				if err := emit(); err != nil { // cuts the long line
					return err
				}
			}
		case err == io.EOF:
			return emit()
		default:
			return err
		}
	}
}

// readLine reads one line with its "\n" (up to maxObjectLine bytes; the
// rest of a longer line comes as the next lines).
func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		frag, err := r.ReadSlice('\n')
		line = append(line, frag...)
		switch {
		case err == bufio.ErrBufferFull:
			if len(line) >= maxObjectLine {
				return line, nil
			}
			continue
		case err != nil:
			return line, err
		}
		return line, nil
	}
}
