package realtime

import "github.com/streamalert/streamalert/correlation"

// correlation exposes the engine's per-rule counters in /metrics.
func (m *Metrics) correlation(eng *correlation.Engine) {
	family := func(name, help string, counter bool, get func(correlation.Stats) float64) {
		m.Family(name, help, "rule", counter, func() map[string]float64 {
			out := map[string]float64{}
			for _, s := range eng.Stats() {
				out[s.Rule] = get(s)
			}
			return out
		})
	}
	family("streamalert_correlation_groups", "Groups a correlation rule holds now.", false,
		func(s correlation.Stats) float64 { return float64(s.Groups) })
	family("streamalert_correlation_pending", "Events a correlation rule holds back for late arrivals.", false,
		func(s correlation.Stats) float64 { return float64(s.Pending) })
	family("streamalert_correlation_events_total", "Events a correlation rule evaluated.", true,
		func(s correlation.Stats) float64 { return float64(s.Events) })
	family("streamalert_correlation_alerts_total", "Crossings of a correlation rule's condition.", true,
		func(s correlation.Stats) float64 { return float64(s.Alerts) })
	family("streamalert_correlation_late_total", "Events that arrived behind a correlation rule's frontier (later than the allowed lateness), left out.", true,
		func(s correlation.Stats) float64 { return float64(s.Late) })
	family("streamalert_correlation_evicted_total", "Groups a correlation rule evicted at its bound on groups.", true,
		func(s correlation.Stats) float64 { return float64(s.Evicted) })
	family("streamalert_correlation_no_group_total", "Records a base rule matched without a group-by (or value) field.", true,
		func(s correlation.Stats) float64 { return float64(s.NoGroup) })
}
