package rules

import "fmt"

// PackTestEventsFor returns the pack's test events that can run against
// set: an event expecting a rule the set lacks (the config disabled it)
// cannot pass, so it is left out rather than failed.
func PackTestEventsFor(set *Set) ([]TestEvent, error) {
	events, errs := PackTestEvents()
	if len(errs) > 0 {
		return nil, fmt.Errorf("pack test events: %w", errs[0])
	}
	var out []TestEvent
	for _, ev := range events {
		runnable := true
		for _, name := range ev.Rules {
			runnable = runnable && set.Get(name) != nil
		}
		if runnable {
			out = append(out, ev)
		}
	}
	return out, nil
}
