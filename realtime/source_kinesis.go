package realtime

import "github.com/streamalert/streamalert/internal/config"

// KinesisSource is a Kinesis stream: polled by `serve`, or the classifier
// function's event source mapping.
type KinesisSource struct{ config.Source }

var _ FedSource = (*KinesisSource)(nil)

func init() {
	sourceKinds["kinesis"] = func(s config.Source) Source { return &KinesisSource{s} }
}

// Config implements Source.
func (s *KinesisSource) Config() config.Source { return s.Source }

// Resource implements FedSource: the stream.
func (s *KinesisSource) Resource() string { return s.Stream }
