package intel

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Store holds the active IOC sets and the allow-list. Lookups read an
// immutable snapshot; Replace, Remove and SetExclusions publish a new one
// atomically, so a lookup sees either the old set or the new one, never
// part of a load. It is safe for concurrent use.
type Store struct {
	mu  sync.Mutex // serializes writers
	cur atomic.Pointer[snapshot]

	// Now is the clock expiry is judged by; nil means time.Now.
	Now func() time.Time
}

type snapshot struct {
	sets    []*Set // by name
	exclude *Set
	types   [Email + 1]bool // a type some set holds
}

// NewStore returns an empty store.
func NewStore() *Store {
	s := &Store{}
	s.cur.Store(&snapshot{})
	return s
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// publish installs a new snapshot built from the current one by edit.
func (s *Store) publish(edit func(sets []*Set, exclude *Set) ([]*Set, *Set)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.cur.Load()
	sets, exclude := edit(append([]*Set(nil), old.sets...), old.exclude)
	sort.Slice(sets, func(i, j int) bool { return sets[i].Name < sets[j].Name })
	next := &snapshot{sets: sets, exclude: exclude}
	for _, set := range sets {
		for _, t := range Types {
			if set.Len(t) > 0 {
				next.types[t] = true
			}
		}
	}
	s.cur.Store(next)
}

// Replace installs set, replacing the set of the same name.
func (s *Store) Replace(set *Set) {
	s.publish(func(sets []*Set, ex *Set) ([]*Set, *Set) {
		for i, o := range sets {
			if o.Name == set.Name {
				sets[i] = set
				return sets, ex
			}
		}
		return append(sets, set), ex
	})
}

// Remove drops the set of that name, if any.
func (s *Store) Remove(name string) {
	s.publish(func(sets []*Set, ex *Set) ([]*Set, *Set) {
		out := sets[:0]
		for _, o := range sets {
			if o.Name != name {
				out = append(out, o)
			}
		}
		return out, ex
	})
}

// SetExclusions installs the allow-list: values and networks that never
// match (a domain also covers its subdomains).
func (s *Store) SetExclusions(ex *Set) {
	s.publish(func(sets []*Set, _ *Set) ([]*Set, *Set) { return sets, ex })
}

// Exclusions returns the allow-list, or nil.
func (s *Store) Exclusions() *Set { return s.cur.Load().exclude }

// Get returns the set of that name, or nil.
func (s *Store) Get(name string) *Set {
	for _, set := range s.cur.Load().sets {
		if set.Name == name {
			return set
		}
	}
	return nil
}

// Sets returns the active sets by name.
func (s *Store) Sets() []*Set { return append([]*Set(nil), s.cur.Load().sets...) }

// Holds reports whether any set holds IOCs of type t.
func (s *Store) Holds(t Type) bool { return s.cur.Load().types[t] }

// Match looks a record value of type t up in every set, in name order,
// and returns the first hit. An excluded value never matches.
func (s *Store) Match(t Type, value string) (Hit, bool) {
	snap := s.cur.Load()
	if !snap.types[t] {
		return Hit{}, false
	}
	q, ok := newQuery(t, value)
	if !ok {
		return Hit{}, false
	}
	now := unixSeconds(s.now())
	for _, set := range snap.sets {
		if h, ok := set.lookup(q, now); ok {
			if snap.exclude != nil {
				if _, ex := snap.exclude.lookup(q, now); ex {
					return Hit{}, false
				}
			}
			return h, true
		}
	}
	return Hit{}, false
}

// Explanation says why a value does or does not match, for `intel test`.
type Explanation struct {
	Type     Type
	Value    string // normalized, or the value as given when it is not of the type
	Valid    bool   // the value is of the type
	Hits     []Hit  // every set holding it
	Excluded *Hit   // the allow-list entry that stops it
}

// Explain looks a value up in every set and in the allow-list.
func (s *Store) Explain(t Type, value string) Explanation {
	snap := s.cur.Load()
	now := s.now()
	e := Explanation{Type: t, Value: value}
	if n, err := Normalize(t, value); err == nil {
		e.Value, e.Valid = n, true
	}
	for _, set := range snap.sets {
		if h, ok := set.Lookup(t, value, now); ok {
			e.Hits = append(e.Hits, h)
		}
	}
	if snap.exclude != nil {
		if h, ok := snap.exclude.Lookup(t, value, now); ok {
			e.Excluded = &h
		}
	}
	return e
}

// Matches reports whether the explanation ends in a match.
func (e Explanation) Matches() bool { return len(e.Hits) > 0 && e.Excluded == nil }

// ExclusionSet builds the allow-list from values and networks whose types
// are guessed (Guess).
func ExclusionSet(values []string, origin string) (*Set, error) {
	b := NewBuilder("excluded_iocs", origin, 0)
	for i, v := range values {
		t, err := Guess(v)
		if err != nil {
			return nil, fmt.Errorf("%s: excluded_iocs[%d]: %w", origin, i, err)
		}
		if err := b.Add(t, v, "", time.Time{}); err != nil {
			return nil, fmt.Errorf("%s: excluded_iocs[%d]: %w", origin, i, err)
		}
	}
	return b.Set(time.Now()), nil
}
