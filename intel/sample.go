package intel

import (
	_ "embed"
	"sync"
	"time"
)

// SampleFeed is the shipped sample STIX 2.1 feed: the demo's attacker
// addresses and a few IOCs of every other type, under documentation-only
// names and ranges (RFC 5737, RFC 3849, .example).
//
//go:embed sample/sample-feed.json
var SampleFeed []byte

// SampleSetName is the name of the set SampleSet returns.
const SampleSetName = "sample-feed"

var sampleOnce = sync.OnceValue(func() *Set {
	s, err := Parse(Source{Name: SampleSetName, Origin: "intel/sample/sample-feed.json", Format: FormatSTIX, Now: time.Unix(0, 0)}, SampleFeed)
	if err != nil {
		panic("intel: the shipped sample feed does not parse: " + err.Error())
	}
	return s
})

// SampleSet returns the sample feed as a set.
func SampleSet() *Set { return sampleOnce() }

// SampleStore returns a store holding only the sample feed. Rule tests run
// |ioc tests against it when they are given no IOC sets.
func SampleStore() *Store {
	s := NewStore()
	s.Replace(SampleSet())
	return s
}
