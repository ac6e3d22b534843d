package realtime

import "github.com/streamalert/streamalert/internal/config"

// SQSSource is an SQS queue whose messages are classified (the classifier
// function's event source mapping).
type SQSSource struct{ config.Source }

var _ FedSource = (*SQSSource)(nil)

func init() {
	sourceKinds["sqs"] = func(s config.Source) Source { return &SQSSource{s} }
}

// Config implements Source.
func (s *SQSSource) Config() config.Source { return s.Source }

// Resource implements FedSource: the queue.
func (s *SQSSource) Resource() string { return s.Queue }
