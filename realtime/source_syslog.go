package realtime

import "github.com/streamalert/streamalert/internal/config"

// SyslogSource listens for syslog messages over UDP, TCP or both (`serve`
// only).
type SyslogSource struct{ config.Source }

var _ Source = (*SyslogSource)(nil)

func init() {
	sourceKinds["syslog"] = func(s config.Source) Source { return &SyslogSource{s} }
}

// Config implements Source.
func (s *SyslogSource) Config() config.Source { return s.Source }
