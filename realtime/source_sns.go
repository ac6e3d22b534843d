package realtime

import "github.com/streamalert/streamalert/internal/config"

// SNSSource is an SNS topic whose notifications are classified (the classifier
// function, subscribed).
type SNSSource struct{ config.Source }

var _ FedSource = (*SNSSource)(nil)

func init() {
	sourceKinds["sns"] = func(s config.Source) Source { return &SNSSource{s} }
}

// Config implements Source.
func (s *SNSSource) Config() config.Source { return s.Source }

// Resource implements FedSource: the topic.
func (s *SNSSource) Resource() string { return s.Topic }
