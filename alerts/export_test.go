package alerts

import "testing"

// Hooks for the external test package (alerts_test), which can import
// internal/lambdatest: that package imports alerts, so alerts' own tests
// cannot.

// HostileAlertsForTest returns the hostile alerts of hostile_test.go by name.
func HostileAlertsForTest(t *testing.T) (names []string, as []*Alert) {
	for _, hc := range hostileCases(t) {
		names = append(names, hc.name)
		as = append(as, hc.alert)
	}
	return names, as
}

// SentBodiesForTest sends each alert, and its minimal payload, through
// the rig of that name (rig_test.go) and returns every body its stand-in
// accepted.
func SentBodiesForTest(t *testing.T, rigName string, as []*Alert) [][]byte {
	for _, r := range rigs() {
		if r.name != rigName {
			continue
		}
		o, seen := r.start(t, 0)
		var bodies [][]byte
		for _, a := range as {
			for _, send := range []func() error{
				func() error { return o.Send(t.Context(), a) },
				func() error { return o.(MinimalSender).SendMinimal(t.Context(), a) },
			} {
				if err := send(); err != nil {
					t.Fatalf("%s: alert %s: %v", rigName, a.ID, err)
				}
				bodies = append(bodies, []byte(seen(t)))
			}
		}
		return bodies
	}
	t.Fatalf("no rig %s", rigName)
	return nil
}
