package alerts

import (
	"bytes"
	"context"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func init() {
	register(&Service{
		Name:        "s3",
		Description: "Amazon S3: one JSON object per alert at PREFIX/dt=YYYY-MM-DD-HH/RULE/ID.json",
		Settings: append([]Setting{
			{Name: "bucket", Required: true, Doc: "the bucket"},
			{Name: "prefix", Doc: "key prefix (default alerts)"},
			{Name: "path_style", Doc: "true to address the bucket in the path (default: true when endpoint is set)"},
		}, awsSettings...),
		build: newS3,
	})
}

type s3Output struct {
	env    *outputEnv
	client *s3.Client
	bucket string
	prefix string
}

func newS3(env *outputEnv) (Output, error) {
	c, err := env.awsClient(context.Background())
	if err != nil {
		return nil, err
	}
	pathStyle := env.setting("path_style", "") == "true" || (c.endpoint != nil && env.setting("path_style", "") != "false")
	client := s3.NewFromConfig(c.cfg, func(o *s3.Options) {
		o.BaseEndpoint = c.endpoint
		o.UsePathStyle = pathStyle
		o.Retryer = aws.NopRetryer{}
		o.HTTPClient = c.client
	})
	return &s3Output{env: env, client: client, bucket: env.setting("bucket", ""), prefix: strings.Trim(env.setting("prefix", "alerts"), "/")}, nil
}

func (o *s3Output) Name() string { return o.env.name }

// key is where an alert is written; the same alert always lands on the
// same key, so a retry overwrites instead of duplicating.
func (o *s3Output) key(a *Alert) string {
	t := a.Created
	if t.IsZero() {
		t = time.Now()
	}
	return path.Join(o.prefix, "dt="+t.UTC().Format("2006-01-02-15"), a.Rule, a.ID+".json")
}

// Send writes the whole payload: S3 takes objects up to 5 GB in one PUT
// (Amazon S3 User Guide, "Uploading objects"), so this is where a record
// too large for the chat and paging services is kept in full.
func (o *s3Output) Send(ctx context.Context, a *Alert) error {
	body, err := o.env.payloadJSON(a)
	if err != nil {
		return err
	}
	return o.put(ctx, a, body)
}

// SendMinimal writes the minimal payload.
func (o *s3Output) SendMinimal(ctx context.Context, a *Alert) error {
	body, err := compactJSON(MinimalPayload(a))
	if err != nil {
		return &DeliveryError{Output: o.env.name, Permanent: true, Msg: err.Error()}
	}
	return o.put(ctx, a, body)
}

func (o *s3Output) put(ctx context.Context, a *Alert, body []byte) error {
	_, err := o.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(o.bucket),
		Key:         aws.String(o.key(a)),
		Body:        bytes.NewReader(body),
		ContentType: aws.String("application/json"),
	})
	return awsFailure(o.env.name, err)
}
