package lambdafn

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awsfirehose "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/metrics"
)

// Environment variables of the Lambda functions (docs/aws.md lists them).
// AWS endpoints, region and credentials come from the SDK's own variables
// (AWS_REGION, AWS_ENDPOINT_URL_FIREHOSE, …).
const (
	// EnvConfigS3 names the config directory archive, s3://bucket/key.tar.gz
	// (or .zip); unset: the embedded example config.
	EnvConfigS3 = "STREAMALERT_CONFIG_S3"
	// EnvAlertsTable is the DynamoDB alert table (default
	// <prefix>_streamalert_alerts).
	EnvAlertsTable = "STREAMALERT_ALERTS_TABLE"
	// EnvPrefix overrides global.yaml's prefix (Firehose stream names).
	EnvPrefix = "STREAMALERT_PREFIX"
	// EnvHTTPToken is the bearer token of HTTP requests to the classifier
	// (default the HTTP source's token in sources.yaml).
	EnvHTTPToken = "STREAMALERT_HTTP_TOKEN"
	// EnvOutputSecrets holds the alerts function's output secrets as JSON:
	// {"slack:security": {"webhook_url": "…"}}.
	EnvOutputSecrets = "STREAMALERT_OUTPUT_SECRETS"
	// EnvSecretsSSMPrefix, when set, makes the alerts function read each
	// output's secrets from the SecureString parameter
	// <prefix>/<service>/<descriptor> (see alerts.SSMSecrets), falling back
	// to EnvOutputSecrets for outputs that have no parameter.
	EnvSecretsSSMPrefix = "STREAMALERT_SECRETS_SSM_PREFIX"
	// EnvS3PathStyle=true addresses S3 path-style (S3-compatible stores).
	EnvS3PathStyle = "STREAMALERT_S3_PATH_STYLE"
	// EnvFunctionName is set by Lambda to the function's name: the
	// Function dimension of its metrics.
	EnvFunctionName = "AWS_LAMBDA_FUNCTION_NAME"
)

// metricsFromEnv returns the writer of a function's EMF metrics: lines on
// standard output, which Lambda sends to CloudWatch Logs, in the
// StreamAlert namespace with the function's name as the Function
// dimension (no dimension where the name is unset, outside Lambda).
func metricsFromEnv() (*metrics.Writer, error) {
	dims := map[string]string{}
	if name := os.Getenv(EnvFunctionName); name != "" {
		dims[metrics.FunctionDimension] = name
	}
	return metrics.NewWriter(os.Stdout, metrics.Namespace, dims)
}

// lambdaAWS is what both functions load at cold start.
type lambdaAWS struct {
	aws    aws.Config
	config *config.Config
	prefix string
	store  *alerts.DynamoStore
	table  string
	s3     *s3.Client
}

func loadLambdaAWS(ctx context.Context) (*lambdaAWS, error) {
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if awsCfg.Region == "" {
		awsCfg.Region = "us-east-1"
	}
	pathStyle, _ := strconv.ParseBool(os.Getenv(EnvS3PathStyle))
	s3c := s3.NewFromConfig(awsCfg, func(o *s3.Options) { o.UsePathStyle = pathStyle })
	cfg, err := LoadLambdaConfig(ctx, s3c, os.Getenv(EnvConfigS3))
	if err != nil {
		return nil, err
	}
	prefix := os.Getenv(EnvPrefix)
	if prefix == "" {
		prefix = cfg.Global.Prefix
	}
	table := os.Getenv(EnvAlertsTable)
	if table == "" {
		table = firehose.StreamName(prefix, "alerts")
	}
	store := alerts.NewDynamoStore(dynamodb.NewFromConfig(awsCfg), table)
	return &lambdaAWS{aws: awsCfg, config: cfg, prefix: prefix, store: store, table: table, s3: s3c}, nil
}

// ClassifierFromEnv builds the classifier function the way its Lambda
// runs it: AWS clients from the SDK's default configuration, the config
// and the rest from the environment variables above.
func ClassifierFromEnv(ctx context.Context, log *slog.Logger) (*ClassifierFunction, error) {
	l, err := loadLambdaAWS(ctx)
	if err != nil {
		return nil, err
	}
	m, err := metricsFromEnv()
	if err != nil {
		return nil, err
	}
	return NewClassifierFunction(ClassifierOptions{Config: l.config, Firehose: awsfirehose.NewFromConfig(l.aws),
		Prefix: l.prefix, Store: l.store, S3: l.s3, HTTPToken: os.Getenv(EnvHTTPToken), Metrics: m, Log: log})
}

// AlertsFromEnv builds the alerts function the way its Lambda runs it.
func AlertsFromEnv(ctx context.Context, log *slog.Logger) (*AlertsFunction, error) {
	l, err := loadLambdaAWS(ctx)
	if err != nil {
		return nil, err
	}
	secrets, err := SecretsFromJSON([]byte(os.Getenv(EnvOutputSecrets)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvOutputSecrets, err)
	}
	if prefix := os.Getenv(EnvSecretsSSMPrefix); prefix != "" {
		fromSSM, err := alerts.NewSSMSecrets(ssm.NewFromConfig(l.aws), prefix)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvSecretsSSMPrefix, err)
		}
		secrets = SecretsChain(fromSSM, secrets)
	}
	m, err := metricsFromEnv()
	if err != nil {
		return nil, err
	}
	return NewAlertsFunction(AlertsOptions{Config: l.config, Store: l.store, Firehose: awsfirehose.NewFromConfig(l.aws),
		Prefix: l.prefix, Secrets: secrets, Metrics: m, Log: log})
}
