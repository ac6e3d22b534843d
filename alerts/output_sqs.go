package alerts

import (
	"context"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

func init() {
	register(&Service{
		Name:        "sqs",
		Description: "Amazon SQS: sends the payload as JSON to a queue (FIFO queues dedup by alert id)",
		Settings: append([]Setting{
			{Name: "queue_url", Required: true, Doc: "the queue URL"},
			{Name: "max_bytes", Doc: "the queue's MaximumMessageSize, 1024 to 1048576 (default 262144)"},
		}, awsSettings...),
		build: newSQS,
	})
}

// SQS's limits (API Reference, SendMessage; CreateQueue's
// MaximumMessageSize): a queue takes messages up to its MaximumMessageSize,
// 262,144 bytes unless raised (up to 1,048,576); the body may hold only
// #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF.
const (
	sqsDefaultMessageMax = 262144
	sqsMessageMaxLimit   = 1048576
)

type sqsOutput struct {
	env    *outputEnv
	client *sqs.Client
	queue  string
	max    int
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
	limit := sqsDefaultMessageMax
	if v := env.setting("max_bytes", ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1024 || n > sqsMessageMaxLimit {
			return nil, env.errorf("max_bytes %q must be a number from 1024 to %d", v, sqsMessageMaxLimit)
		}
		limit = n
	}
	return &sqsOutput{env: env, client: client, queue: env.setting("queue_url", ""), max: limit}, nil
}

func (o *sqsOutput) Name() string { return o.env.name }

func (o *sqsOutput) Send(ctx context.Context, a *Alert) error {
	p, err := o.env.publish(a)
	if err != nil {
		return err
	}
	return o.sendMessage(ctx, a, p)
}

// SendMinimal sends the minimal payload.
func (o *sqsOutput) SendMinimal(ctx context.Context, a *Alert) error {
	return o.sendMessage(ctx, a, MinimalPayload(a))
}

func (o *sqsOutput) sendMessage(ctx context.Context, a *Alert, p map[string]any) error {
	body, err := o.env.fittedJSON(a, p, o.max, xmlSafeJSON)
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
