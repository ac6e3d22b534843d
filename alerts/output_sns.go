package alerts

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

func init() {
	register(&Service{
		Name:        "sns",
		Description: "Amazon SNS: publishes the payload as JSON to a topic",
		Settings:    append([]Setting{{Name: "topic_arn", Required: true, Doc: "the topic ARN"}}, awsSettings...),
		build:       newSNS,
	})
}

type snsOutput struct {
	env    *outputEnv
	client *sns.Client
	topic  string
}

func newSNS(env *outputEnv) (Output, error) {
	c, err := env.awsClient(context.Background())
	if err != nil {
		return nil, err
	}
	topic := env.setting("topic_arn", "")
	if !strings.HasPrefix(topic, "arn:") {
		return nil, env.errorf("topic_arn %q is not an ARN", topic)
	}
	client := sns.NewFromConfig(c.cfg, func(o *sns.Options) {
		o.BaseEndpoint = c.endpoint
		o.Retryer = aws.NopRetryer{}
		o.HTTPClient = c.client
	})
	return &snsOutput{env: env, client: client, topic: topic}, nil
}

func (o *snsOutput) Name() string { return o.env.name }

// snsSubject makes a subject SNS accepts: printable ASCII, one line, at
// most 100 characters.
func snsSubject(s string) string {
	b := []byte(s)
	out := b[:0]
	for _, c := range b {
		if c >= 0x20 && c < 0x7f {
			out = append(out, c)
		}
	}
	return truncate(strings.TrimSpace(string(out)), 100)
}

// snsMessageMax is SNS's limit on a message (API Reference, Publish:
// "up to 256 KB (262,144 bytes, not 262,144 characters)").
const snsMessageMax = 262144

func (o *snsOutput) Send(ctx context.Context, a *Alert) error {
	p, err := o.env.publish(a)
	if err != nil {
		return err
	}
	return o.publish(ctx, a, p)
}

// SendMinimal publishes the minimal payload.
func (o *snsOutput) SendMinimal(ctx context.Context, a *Alert) error {
	return o.publish(ctx, a, MinimalPayload(a))
}

// publish sends a payload fitted to SNS's size, with the characters XML
// forbids escaped (SNS refuses a message holding them).
func (o *snsOutput) publish(ctx context.Context, a *Alert, p map[string]any) error {
	body, err := o.env.fittedJSON(a, p, snsMessageMax, xmlSafeJSON)
	if err != nil {
		return err
	}
	in := &sns.PublishInput{TopicArn: aws.String(o.topic), Message: aws.String(string(body))}
	if s := snsSubject(alertTitle(a)); s != "" {
		in.Subject = aws.String(s)
	}
	_, err = o.client.Publish(ctx, in)
	return awsFailure(o.env.name, err)
}
