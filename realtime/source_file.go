package realtime

import "github.com/streamalert/streamalert/internal/config"

// FileSource is files loaded by `streamalert ingest --source NAME`: it
// names the log types their batches may carry, and nothing listens for it.
type FileSource struct{ config.Source }

var _ Source = (*FileSource)(nil)

func init() {
	sourceKinds["file"] = func(s config.Source) Source { return &FileSource{s} }
}

// Config implements Source.
func (s *FileSource) Config() config.Source { return s.Source }
