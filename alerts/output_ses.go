package alerts

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// sesEmailOutput is the email output with transport: ses. It sends the
// SMTP transport's MIME message as raw content with the SES v2 SendEmail
// API; credentials come from the AWS configuration, not stored secrets.
type sesEmailOutput struct {
	env    *outputEnv
	client *sesv2.Client
	from   string
	to     []string
	cfgSet string
}

func newSESEmail(env *outputEnv) (Output, error) {
	for _, k := range []string{"host", "port", "tls"} {
		if env.setting(k, "") != "" {
			return nil, env.errorf("setting %s is for transport: smtp only", k)
		}
	}
	if env.secret("username") != "" || env.secret("password") != "" {
		return nil, env.errorf("secrets username and password are for transport: smtp; SES uses AWS credentials")
	}
	from, to := env.setting("from", ""), splitList(env.setting("to", ""))
	if err := checkAddresses(env, from, to); err != nil {
		return nil, err
	}
	c, err := env.awsClient(context.Background())
	if err != nil {
		return nil, err
	}
	client := sesv2.NewFromConfig(c.cfg, func(o *sesv2.Options) {
		o.BaseEndpoint = c.endpoint
		o.Retryer = aws.NopRetryer{}
		o.HTTPClient = c.client
	})
	return &sesEmailOutput{env: env, client: client, from: from, to: to, cfgSet: env.setting("configuration_set", "")}, nil
}

func (o *sesEmailOutput) Name() string { return o.env.name }

func (o *sesEmailOutput) Send(ctx context.Context, a *Alert) error {
	p, err := o.env.publish(a)
	if err != nil {
		return err
	}
	return o.mail(ctx, a, p)
}

// SendMinimal mails the minimal payload.
func (o *sesEmailOutput) SendMinimal(ctx context.Context, a *Alert) error {
	return o.mail(ctx, a, MinimalPayload(a))
}

// mail sends the same MIME message the SMTP transport sends, as SES raw
// content: one rendering of a mail, whichever way it goes.
func (o *sesEmailOutput) mail(ctx context.Context, a *Alert, p map[string]any) error {
	msg, err := fitMail(o.env.name, o.from, o.to, a, p, time.Now(), emailMessageMax)
	if err != nil {
		return err
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(o.from),
		Destination:      &types.Destination{ToAddresses: o.to},
		Content:          &types.EmailContent{Raw: &types.RawMessage{Data: msg}},
	}
	if o.cfgSet != "" {
		in.ConfigurationSetName = aws.String(o.cfgSet)
	}
	_, err = o.client.SendEmail(ctx, in)
	return awsFailure(o.env.name, err)
}
