package lambdafn

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/metrics"
	"github.com/streamalert/streamalert/schema"
)

// Environment is what a function loads at cold start from the SDK's
// default configuration and the variables of env.go. Functions outside
// this package (the hunts function, which must keep the SQL compiler out
// of the classifier) start from it.
type Environment struct {
	AWS    aws.Config
	Config *config.Config
	// Prefix names the Firehose streams; AlertsTable is the DynamoDB alert
	// table and Store the alert store over it.
	Prefix      string
	AlertsTable string
	Store       *alerts.DynamoStore
	S3          *s3.Client
}

// LoadEnvironment loads a function's Environment.
func LoadEnvironment(ctx context.Context) (*Environment, error) {
	l, err := loadLambdaAWS(ctx)
	if err != nil {
		return nil, err
	}
	return &Environment{AWS: l.aws, Config: l.config, Prefix: l.prefix, AlertsTable: l.table, Store: l.store, S3: l.s3}, nil
}

// MetricsFromEnv is the EMF writer of a function (see metricsFromEnv).
func MetricsFromEnv() (*metrics.Writer, error) { return metricsFromEnv() }

// AddSource lets the classifier take payloads from a source the config
// does not name (the hunts function's feed), classified against the named
// log types only. Call it before the first Classify.
func (f *ClassifierFunction) AddSource(source string, logTypes ...string) error {
	types := make([]*schema.LogType, 0, len(logTypes))
	for _, name := range logTypes {
		lt := f.reg.Get(name)
		if lt == nil {
			return fmt.Errorf("classifier: source %s: no log type %s", source, name)
		}
		types = append(types, lt)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pipe.AddSource(source, types)
	return nil
}

// Classify runs payloads from source through the classifier as one
// invocation does: records delivered to Firehose, matches to the alert
// store. It fails if any payload's records or alerts could not be
// delivered.
func (f *ClassifierFunction) Classify(ctx context.Context, source string, received time.Time, payloads ...[]byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	errs := f.runItems(ctx, len(payloads), func(ctx context.Context, i int) error {
		return f.process(ctx, source, received, payloads[i])
	})
	return errors.Join(errs...)
}
