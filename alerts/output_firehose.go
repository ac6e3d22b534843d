package alerts

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
)

func init() {
	register(&Service{
		Name:        "firehose",
		Description: "Amazon Data Firehose: puts the payload as one JSON line into a delivery stream",
		Settings:    append([]Setting{{Name: "stream", Required: true, Doc: "delivery stream name"}}, awsSettings...),
		build:       newFirehose,
	})
}

type firehoseOutput struct {
	env    *outputEnv
	client *firehose.Client
	stream string
}

func newFirehose(env *outputEnv) (Output, error) {
	c, err := env.awsClient(context.Background())
	if err != nil {
		return nil, err
	}
	client := firehose.NewFromConfig(c.cfg, func(o *firehose.Options) {
		o.BaseEndpoint = c.endpoint
		o.Retryer = aws.NopRetryer{}
		o.HTTPClient = c.client
	})
	return &firehoseOutput{env: env, client: client, stream: env.setting("stream", "")}, nil
}

func (o *firehoseOutput) Name() string { return o.env.name }

// firehoseRecordMax is Firehose's limit on one record before base64
// encoding (Amazon Data Firehose quotas: 1,000 KiB), newline included.
const firehoseRecordMax = 1000 * 1024

func (o *firehoseOutput) Send(ctx context.Context, a *Alert) error {
	p, err := o.env.publish(a)
	if err != nil {
		return err
	}
	return o.put(ctx, a, p)
}

// SendMinimal puts the minimal payload.
func (o *firehoseOutput) SendMinimal(ctx context.Context, a *Alert) error {
	return o.put(ctx, a, MinimalPayload(a))
}

func (o *firehoseOutput) put(ctx context.Context, a *Alert, p map[string]any) error {
	body, err := o.env.fittedJSON(a, p, firehoseRecordMax-1, nil)
	if err != nil {
		return err
	}
	_, err = o.client.PutRecord(ctx, &firehose.PutRecordInput{
		DeliveryStreamName: aws.String(o.stream),
		Record:             &types.Record{Data: append(body, '\n')},
	})
	return awsFailure(o.env.name, err)
}
