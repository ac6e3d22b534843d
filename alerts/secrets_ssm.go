package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// DefaultSSMPrefix is the parameter path under which output secrets are
// kept in SSM Parameter Store unless another is configured.
const DefaultSSMPrefix = "/streamalert/outputs"

// SSMAPI is the part of the SSM client SSMSecrets uses.
type SSMAPI interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, opts ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
	PutParameter(ctx context.Context, in *ssm.PutParameterInput, opts ...func(*ssm.Options)) (*ssm.PutParameterOutput, error)
	DeleteParameter(ctx context.Context, in *ssm.DeleteParameterInput, opts ...func(*ssm.Options)) (*ssm.DeleteParameterOutput, error)
}

// SSMSecrets keeps output secrets in SSM Parameter Store, one SecureString
// parameter per output whose value is a JSON object of the output's
// secrets ({"webhook_url": "https://…"}), encrypted under a KMS key.
//
// Parameter names cannot hold a colon, so output service:descriptor is
// stored as <prefix>/<service>/<descriptor>: slack:security under the
// default prefix is /streamalert/outputs/slack/security. A descriptor may
// only use the characters SSM allows in names (letters, digits, _ . -).
type SSMSecrets struct {
	client SSMAPI
	prefix string
	// KMSKeyID encrypts what Set writes (key id, ARN or alias/…); empty
	// uses the account's AWS managed key alias/aws/ssm. Get needs only
	// kms:Decrypt on the key the parameter was written with.
	KMSKeyID string
	// Timeout limits one SSM call (default 10s): SecretSource has no context.
	Timeout time.Duration
}

// NewSSMSecrets returns the SSM source of the outputs under prefix (""
// means DefaultSSMPrefix), which must be a path like /streamalert/outputs.
func NewSSMSecrets(client SSMAPI, prefix string) (*SSMSecrets, error) {
	if prefix == "" {
		prefix = DefaultSSMPrefix
	}
	prefix = strings.TrimRight(prefix, "/")
	if !strings.HasPrefix(prefix, "/") || !ssmNameChars(prefix) || strings.Contains(prefix, "//") {
		return nil, fmt.Errorf("SSM secrets prefix %q: must be a path like %s of letters, digits and _ . - /", prefix, DefaultSSMPrefix)
	}
	if first := strings.ToLower(strings.TrimPrefix(prefix, "/")); strings.HasPrefix(first, "aws") || strings.HasPrefix(first, "ssm") {
		return nil, fmt.Errorf("SSM secrets prefix %q: names starting with aws or ssm are reserved by AWS", prefix)
	}
	return &SSMSecrets{client: client, prefix: prefix, Timeout: 10 * time.Second}, nil
}

// ssmNameChars reports whether s holds only characters SSM allows in a
// parameter name.
func ssmNameChars(s string) bool {
	for _, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-' || c == '/'
		if !ok {
			return false
		}
	}
	return true
}

// ParameterName is the SSM parameter holding the secrets of an output.
func (s *SSMSecrets) ParameterName(output string) (string, error) {
	if err := checkOutputName(output); err != nil {
		return "", err
	}
	service, desc, _ := strings.Cut(output, ":")
	if strings.Contains(service+desc, "/") || !ssmNameChars(service+desc) {
		return "", fmt.Errorf("output %q: an SSM parameter name allows only letters, digits and _ . - in service and descriptor", output)
	}
	return s.prefix + "/" + service + "/" + desc, nil
}

func (s *SSMSecrets) context() (context.Context, context.CancelFunc) {
	d := s.Timeout
	if d <= 0 {
		d = 10 * time.Second
	}
	return context.WithTimeout(context.Background(), d)
}

// Get returns the secrets of an output, or an error wrapping ErrNoSecret
// when its parameter does not exist or no parameter could be named for it
// (so an output without secrets still builds).
func (s *SSMSecrets) Get(output string) (map[string]string, error) {
	name, err := s.ParameterName(output)
	if err != nil {
		return nil, fmt.Errorf("secrets of %s: %v: %w", output, err, ErrNoSecret)
	}
	ctx, cancel := s.context()
	defer cancel()
	out, err := s.client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if err != nil {
		var nf *types.ParameterNotFound
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("secrets of %s: SSM parameter %s: %w", output, name, ErrNoSecret)
		}
		return nil, fmt.Errorf("secrets of %s: get SSM parameter %s: %w", output, name, err)
	}
	if out.Parameter == nil || out.Parameter.Value == nil {
		return nil, fmt.Errorf("secrets of %s: SSM parameter %s has no value", output, name)
	}
	if t := out.Parameter.Type; t != types.ParameterTypeSecureString {
		return nil, fmt.Errorf("secrets of %s: SSM parameter %s is a %s, not a SecureString", output, name, t)
	}
	m := map[string]string{}
	if err := json.Unmarshal([]byte(*out.Parameter.Value), &m); err != nil {
		// The error must not quote the value.
		return nil, fmt.Errorf("secrets of %s: SSM parameter %s is not a JSON object of secret name to string value", output, name)
	}
	return m, nil
}

// Set stores the secrets of an output as a SecureString parameter,
// replacing any it had. Empty values are dropped; no values at all deletes
// the parameter.
func (s *SSMSecrets) Set(output string, secret map[string]string) error {
	name, err := s.ParameterName(output)
	if err != nil {
		return fmt.Errorf("set secrets: %w", err)
	}
	clean := map[string]string{}
	for k, v := range secret {
		if k == "" {
			return fmt.Errorf("set secrets of %s: empty secret name", output)
		}
		if v != "" {
			clean[k] = v
		}
	}
	ctx, cancel := s.context()
	defer cancel()
	if len(clean) == 0 {
		_, err := s.client.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(name)})
		var nf *types.ParameterNotFound
		if err != nil && !errors.As(err, &nf) {
			return fmt.Errorf("delete secrets of %s: SSM parameter %s: %w", output, name, err)
		}
		return nil
	}
	value, err := json.Marshal(clean)
	if err != nil {
		return fmt.Errorf("set secrets of %s: encode: %w", output, err)
	}
	in := &ssm.PutParameterInput{
		Name:        aws.String(name),
		Value:       aws.String(string(value)),
		Type:        types.ParameterTypeSecureString,
		Overwrite:   aws.Bool(true),
		Description: aws.String("streamalert secrets of output " + output),
		// Standard parameters hold 4 KB; larger values need the advanced tier.
		Tier: types.ParameterTierIntelligentTiering,
	}
	if s.KMSKeyID != "" {
		in.KeyId = aws.String(s.KMSKeyID)
	}
	if _, err := s.client.PutParameter(ctx, in); err != nil {
		// A validation message may echo the value: keep secrets out.
		secrets := []string{string(value)}
		for _, v := range clean {
			secrets = append(secrets, v)
		}
		sortSecrets(secrets)
		return fmt.Errorf("set secrets of %s: put SSM parameter %s: %s", output, name, redactSecrets(err.Error(), secrets))
	}
	return nil
}
