package alerts

import (
	"context"
	"encoding/json"
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
	return &DeliveryError{Output: output, StatusCode: status, Permanent: !retryable, Msg: err.Error()}
}

// payloadJSON publishes an alert and encodes the payload.
func (e *outputEnv) payloadJSON(a *Alert) ([]byte, error) {
	p, err := e.publish(a)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, &DeliveryError{Output: e.name, Permanent: true, Msg: fmt.Sprintf("encode payload of alert %s: %v", a.ID, err)}
	}
	return b, nil
}
