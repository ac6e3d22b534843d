package realtime

import "github.com/streamalert/streamalert/internal/config"

// S3Source is an S3 bucket whose new objects are classified (the classifier
// function, notified directly or through SQS or SNS).
type S3Source struct{ config.Source }

var _ FedSource = (*S3Source)(nil)

func init() {
	sourceKinds["s3"] = func(s config.Source) Source { return &S3Source{s} }
}

// Config implements Source.
func (s *S3Source) Config() config.Source { return s.Source }

// Resource implements FedSource: the bucket.
func (s *S3Source) Resource() string { return s.Bucket }
