package realtime

import (
	"fmt"

	"github.com/streamalert/streamalert/internal/config"
)

// Source is a configured input of the pipeline. Each kind is its own type
// in its own file (source_http.go, source_kinesis.go, …) and registers
// itself in sourceKinds; a deployment picks the kinds it serves by type
// with SourcesOf.
type Source interface {
	// Config is the source as sources.yaml has it.
	Config() config.Source
}

// FedSource is a source fed by an AWS resource's events in the aws
// deployment: a Kinesis stream, an S3 bucket, an SQS queue, an SNS topic.
type FedSource interface {
	Source
	// Resource is the name or ARN of the stream, bucket, queue or topic.
	Resource() string
}

// sourceKinds makes the Source of each kind sources.yaml knows.
var sourceKinds = map[string]func(config.Source) Source{}

// Sources returns the configured sources of cfg as their kinds' types, in
// file order. A kind with no type is an error (config.Load rejects kinds it
// does not know, so this is a kind added there and not here).
func Sources(cfg *config.Config) ([]Source, error) {
	out := make([]Source, 0, len(cfg.Sources))
	for _, s := range cfg.Sources {
		mk, ok := sourceKinds[s.Kind]
		if !ok {
			return nil, fmt.Errorf("%s:%d: source %s: type %q is not served", s.File, s.Line, s.Name, s.Kind)
		}
		out = append(out, mk(s))
	}
	return out, nil
}

// SourcesOf returns the sources of type T, in order.
func SourcesOf[T Source](all []Source) []T {
	var out []T
	for _, s := range all {
		if t, ok := s.(T); ok {
			out = append(out, t)
		}
	}
	return out
}
