package alerts

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

func init() {
	register(&Service{
		Name:        "sqs",
		Description: "Amazon SQS: sends the payload as JSON to a queue (FIFO queues dedup by alert id)",
		Settings:    append([]Setting{{Name: "queue_url", Required: true, Doc: "the queue URL"}}, awsSettings...),
		build:       newSQS,
	})
}

type sqsOutput struct {
	env    *outputEnv
	client *sqs.Client
	queue  string
}

func newSQS(env *outputEnv) (Output, error) {
	c, err := env.awsClient(context.Background())
	if err != nil {
		return nil, err
	}
	client := sqs.NewFromConfig(c.cfg, func(o *sqs.Options) {
		o.BaseEndpoint = c.endpoint
		o.Retryer = aws.NopRetryer{}
		o.HTTPClient = c.client
	})
	return &sqsOutput{env: env, client: client, queue: env.setting("queue_url", "")}, nil
}

func (o *sqsOutput) Name() string { return o.env.name }

func (o *sqsOutput) Send(ctx context.Context, a *Alert) error {
	body, err := o.env.payloadJSON(a)
	if err != nil {
		return err
	}
	in := &sqs.SendMessageInput{QueueUrl: aws.String(o.queue), MessageBody: aws.String(string(body))}
	if strings.HasSuffix(o.queue, ".fifo") {
		// FIFO queues drop a repeat of the same deduplication id within
		// five minutes: a retry after a lost answer is not delivered twice.
		in.MessageGroupId = aws.String(a.Rule)
		in.MessageDeduplicationId = aws.String(a.ID)
	}
	_, err = o.client.SendMessage(ctx, in)
	return awsFailure(o.env.name, err)
}
