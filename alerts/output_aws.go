package alerts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// awsSettings are the settings every AWS output has.
var awsSettings = []Setting{
	{Name: "region", Doc: "AWS region (default: the SDK's configuration)"},
	{Name: "endpoint", Doc: "endpoint URL, for local stand-ins and VPC endpoints"},
}

// awsClientConfig is what every AWS client of an output is made with: the
// SDK's own retries are off, because the Dispatcher owns retrying.
type awsClientConfig struct {
	cfg      aws.Config
	endpoint *string
	client   *http.Client
}

func (e *outputEnv) awsClient(ctx context.Context) (*awsClientConfig, error) {
	cfg, err := e.loadAWS(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		return nil, e.errorf("no AWS region: set region in outputs.yaml or AWS_REGION")
	}
	c := &awsClientConfig{cfg: cfg}
	if ep := e.setting("endpoint", ""); ep != "" {
		if !strings.HasPrefix(ep, "http://") && !strings.HasPrefix(ep, "https://") {
			return nil, e.errorf("endpoint %q is not an http(s) URL", ep)
		}
		c.endpoint = aws.String(ep)
	}
	tr := e.opts.Transport
	if tr == nil {
		tr = http.DefaultTransport
	}
	c.client = &http.Client{Transport: tr, Timeout: e.timeout}
	return c, nil
}

// awsFailure classifies an SDK error: throttling, 5xx and network errors
// are retried; other 4xx are permanent.
func awsFailure(output string, err error) error {
	if err == nil {
		return nil
	}
	status := 0
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		status = re.Response.StatusCode
	}
	retryable := status == 0 || status == http.StatusTooManyRequests || status >= 500
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code := ae.ErrorCode()
		if strings.Contains(code, "Throttl") || strings.Contains(code, "TooManyRequests") || code == "RequestLimitExceeded" ||
			code == "ServiceUnavailable" || code == "SlowDown" || code == "ServiceUnavailableException" {
			retryable = true
		}
	}
	if errors.Is(err, context.Canceled) {
		retryable = true
	}
	rejected := status == http.StatusRequestEntityTooLarge
	if errors.As(err, &ae) {
		rejected = rejected || awsPayloadErrors[ae.ErrorCode()]
	}
	return &DeliveryError{Output: output, StatusCode: status, Permanent: !retryable, Rejected: rejected && !retryable, Msg: err.Error()}
}

// awsPayloadErrors are the AWS error codes that refuse a request for what
// it carries (size, characters, form) rather than for whom or where.
var awsPayloadErrors = map[string]bool{
	"InvalidParameterValue":          true, // SNS, SQS (query): message too long, bad characters
	"InvalidParameter":               true, // SNS
	"InvalidMessageContents":         true, // SQS: characters outside XML 1.0
	"InvalidParameterValueException": true, // Lambda
	"RequestTooLargeException":       true, // Lambda: payload over the invocation limit
	"InvalidRequestContentException": true, // Lambda: body is not JSON
	"RequestEntityTooLargeException": true, // Lambda (async)
	"InvalidArgumentException":       true, // Firehose: record over 1,000 KiB
	"EntityTooLarge":                 true, // S3
	"MessageTooLong":                 true,
	"BadRequestException":            true, // SES v2: malformed message
	"MessageRejected":                true, // SES v2: the message (content or size) is refused
}

// fittedJSON encodes a payload as JSON of at most limit bytes (after
// escape, which may be nil), shrinking the payload as needed.
func (e *outputEnv) fittedJSON(a *Alert, p map[string]any, limit int, escape func([]byte) []byte) ([]byte, error) {
	var body []byte
	var encErr error
	fits := fitPayload(a, p, func(q map[string]any) bool {
		b, err := compactJSON(q)
		if err != nil {
			encErr = err
			return false
		}
		if escape != nil {
			b = escape(b)
		}
		body = b
		return len(b) <= limit
	})
	if fits == nil {
		if encErr != nil {
			return nil, &DeliveryError{Output: e.name, Permanent: true, Msg: fmt.Sprintf("encode payload of alert %s: %v", a.ID, encErr)}
		}
		return nil, &DeliveryError{Output: e.name, Permanent: true, Msg: fmt.Sprintf("alert %s: not even the minimal payload fits in %d bytes", a.ID, limit)}
	}
	return body, nil
}

// payloadJSON publishes an alert and encodes the payload.
func (e *outputEnv) payloadJSON(a *Alert) ([]byte, error) {
	p, err := e.publish(a)
	if err != nil {
		return nil, err
	}
	b, err := compactJSON(p)
	if err != nil {
		return nil, &DeliveryError{Output: e.name, Permanent: true, Msg: fmt.Sprintf("encode payload of alert %s: %v", a.ID, err)}
	}
	return b, nil
}
