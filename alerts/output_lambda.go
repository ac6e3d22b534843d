package alerts

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

func init() {
	register(&Service{
		Name:        "lambda",
		Description: "AWS Lambda: invokes a function asynchronously with the payload as its event",
		Settings: append([]Setting{
			{Name: "function", Required: true, Doc: "function name or ARN"},
			{Name: "qualifier", Doc: "version or alias"},
		}, awsSettings...),
		build: newLambda,
	})
}

type lambdaOutput struct {
	env       *outputEnv
	client    *lambda.Client
	function  string
	qualifier string
}

func newLambda(env *outputEnv) (Output, error) {
	c, err := env.awsClient(context.Background())
	if err != nil {
		return nil, err
	}
	client := lambda.NewFromConfig(c.cfg, func(o *lambda.Options) {
		o.BaseEndpoint = c.endpoint
		o.Retryer = aws.NopRetryer{}
		o.HTTPClient = c.client
	})
	return &lambdaOutput{env: env, client: client, function: env.setting("function", ""), qualifier: env.setting("qualifier", "")}, nil
}

func (o *lambdaOutput) Name() string { return o.env.name }

// lambdaEventMax is Lambda's limit on an asynchronous invocation's
// payload (Lambda quotas: "Invocation payload … 1 MB (asynchronous)").
const lambdaEventMax = 1000000

func (o *lambdaOutput) Send(ctx context.Context, a *Alert) error {
	p, err := o.env.publish(a)
	if err != nil {
		return err
	}
	return o.invoke(ctx, a, p)
}

// SendMinimal invokes the function with the minimal payload.
func (o *lambdaOutput) SendMinimal(ctx context.Context, a *Alert) error {
	return o.invoke(ctx, a, MinimalPayload(a))
}

func (o *lambdaOutput) invoke(ctx context.Context, a *Alert, p map[string]any) error {
	body, err := o.env.fittedJSON(a, p, lambdaEventMax, nil)
	if err != nil {
		return err
	}
	in := &lambda.InvokeInput{
		FunctionName:   aws.String(o.function),
		InvocationType: types.InvocationTypeEvent,
		Payload:        body,
	}
	if o.qualifier != "" {
		in.Qualifier = aws.String(o.qualifier)
	}
	_, err = o.client.Invoke(ctx, in)
	return awsFailure(o.env.name, err)
}
