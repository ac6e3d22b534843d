package alerts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// ErrNotFound is returned for an alert id the store does not hold.
var ErrNotFound = errors.New("alert not found")

// Filter selects alerts to list. Zero fields select everything.
type Filter struct {
	Rule   string
	Status []Status
	// Since and Until bound the creation time: Since <= Created < Until.
	Since, Until time.Time
	// DueBy, when set, selects pending alerts with an output to try at or
	// before it (the dispatcher's query).
	DueBy time.Time
	// Limit caps the result (0 = no cap); the oldest come first.
	Limit int
}

func (f *Filter) match(a *Alert) bool {
	if f.Rule != "" && a.Rule != f.Rule {
		return false
	}
	if len(f.Status) > 0 && !slices.Contains(f.Status, a.Status) {
		return false
	}
	if !f.Since.IsZero() && a.Created.Before(f.Since) {
		return false
	}
	if !f.Until.IsZero() && !a.Created.Before(f.Until) {
		return false
	}
	if !f.DueBy.IsZero() && (a.Status != StatusPending || a.due().After(f.DueBy)) {
		return false
	}
	return true
}

// RuleState is what the store keeps about a rule's staging.
type RuleState struct {
	Rule string `json:"rule"`
	// Staged is true while the rule is staged (its alerts go to no output).
	Staged      bool      `json:"staged"`
	StagedSince time.Time `json:"staged_since,omitzero"`
	PromotedAt  time.Time `json:"promoted_at,omitzero"`
	// PromotedBy is "manual", "auto" (quiet for the staging period),
	// "staged_until" or "config" (the file no longer says staged).
	PromotedBy string `json:"promoted_by,omitempty"`
	// LastAlert is the creation time of the rule's latest staged alert.
	LastAlert time.Time `json:"last_alert,omitzero"`
	// StagedAlerts counts the alerts the rule raised while staged.
	StagedAlerts int `json:"staged_alerts"`
}

// Store keeps alerts durably. Implementations must be safe for concurrent
// use. The embedded one is BoltStore; MemoryStore serves tests; a DynamoDB
// store can implement the same interface for the aws deployment.
type Store interface {
	// Insert adds the alerts whose ids are new and reports, for each, whether
	// it was added. An id already stored is left untouched: inserting the
	// same alerts again changes nothing.
	Insert(ctx context.Context, alerts []*Alert) ([]bool, error)
	// Has reports, for each id, whether the store holds it.
	Has(ctx context.Context, ids []string) ([]bool, error)
	// Get returns one alert, or an error wrapping ErrNotFound.
	Get(ctx context.Context, id string) (*Alert, error)
	// Modify reads each alert, lets fn change it and writes it back, all in
	// one transaction. fn returning ErrSkip leaves that alert as it was; any
	// other error aborts the whole change.
	Modify(ctx context.Context, ids []string, fn func(*Alert) error) error
	// Mark applies status changes (at most one per alert) in one
	// transaction: an alert whose status is the change's From moves to To,
	// loses merge_group and gets MergedInto when given; others are left
	// alone. Neither status may be pending (use Modify). It returns how many
	// moved. It is Modify for the one change closing merge groups make to
	// thousands of alerts, without decoding their records.
	Mark(ctx context.Context, changes []StatusChange) (int, error)
	// List returns the alerts that f selects, oldest first.
	List(ctx context.Context, f Filter) ([]*Alert, error)
	// Rules returns the staging state of every rule the store knows.
	Rules(ctx context.Context) ([]RuleState, error)
	// PutRule writes a rule's staging state.
	PutRule(ctx context.Context, st RuleState) error
	Close() error
}

// WriteBatch is what one processor commit writes: new alerts, status
// changes of closed merge groups (Mark's, and Modify's with one function)
// and rule staging states.
type WriteBatch struct {
	Insert    []*Alert
	Mark      []StatusChange
	ModifyIDs []string
	Modify    func(*Alert) error
	Rules     []RuleState
}

// BatchStore is a Store that applies a WriteBatch in one transaction
// (as Insert, Mark, Modify and PutRule in turn would, but all or nothing
// and with one sync): the embedded store's cost is per transaction more
// than per alert.
type BatchStore interface {
	Store
	Apply(ctx context.Context, b WriteBatch) error
}

// StatusChange is one change of Store.Mark.
type StatusChange struct {
	ID         string
	From, To   Status
	MergedInto string
}

var errMarkPending = errors.New("mark: pending alerts change through Modify")

func checkMark(changes []StatusChange) error {
	for _, c := range changes {
		if c.From == StatusPending || c.To == StatusPending {
			return fmt.Errorf("alert %s: %w", c.ID, errMarkPending)
		}
	}
	return nil
}

// ErrSkip tells Store.Modify to leave an alert unchanged.
var ErrSkip = errors.New("skip")

// encodeAlert and decodeAlert are the stored form of an alert: JSON, with
// numbers read back as json.Number so record values keep their exact text.
func encodeAlert(a *Alert) ([]byte, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("encode alert %s: %w", a.ID, err)
	}
	return b, nil
}

func decodeAlert(b []byte) (*Alert, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	a := new(Alert)
	if err := d.Decode(a); err != nil {
		return nil, fmt.Errorf("decode stored alert: %w", err)
	}
	return a, nil
}

// patchStatus changes the status of an encoded alert without decoding its
// record. ok is false when the alert's status is not from.
func patchStatus(b []byte, from, to Status, mergedInto string) (out []byte, created time.Time, ok bool, err error) {
	if out, created, ok, done := patchInPlace(b, from, to, mergedInto); done {
		return out, created, ok, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, created, false, fmt.Errorf("decode stored alert: %w", err)
	}
	var st Status
	if err := json.Unmarshal(m["status"], &st); err != nil || st != from {
		return nil, created, false, nil
	}
	if err := json.Unmarshal(m["created"], &created); err != nil {
		return nil, created, false, fmt.Errorf("decode stored alert: created: %w", err)
	}
	m["status"], _ = json.Marshal(to)
	if mergedInto != "" {
		m["merged_into"], _ = json.Marshal(mergedInto)
	}
	delete(m, "merge_group")
	out, err = json.Marshal(m)
	return out, created, true, err
}

// patchInPlace edits the lifecycle fields of an alert as encodeAlert
// writes it: {"id":…,"rule":…,"status":…,"created":…[,"merge_group":…]
// [,"merged_into":…],… — before any nested value, so the first
// ,"status":" is the alert's own (inside a JSON string every quote is
// escaped). done is false when the bytes do not have that shape.
func patchInPlace(b []byte, from, to Status, mergedInto string) (out []byte, created time.Time, ok, done bool) {
	const statusKey = `,"status":"`
	i := bytes.Index(b, []byte(statusKey))
	if i < 0 || bytes.ContainsAny(b[1:i], "{[") {
		return nil, created, false, false
	}
	rest := b[i+len(statusKey):]
	st, rest, good := cutString(rest)
	if !good {
		return nil, created, false, false
	}
	if Status(st) != from {
		return nil, created, false, true
	}
	var when, group, into string
	if when, rest, good = cutField(rest, "created"); !good || when == "" {
		return nil, created, false, false
	}
	created, err := time.Parse(time.RFC3339Nano, when)
	if err != nil {
		return nil, created, false, false
	}
	if group, rest, good = cutField(rest, "merge_group"); !good {
		return nil, created, false, false
	}
	_ = group // a merged or released alert leaves its group
	if into, rest, good = cutField(rest, "merged_into"); !good {
		return nil, created, false, false
	}
	if mergedInto != "" {
		into = mergedInto
	}
	out = make([]byte, 0, len(b)+len(mergedInto)+16)
	out = append(out, b[:i+len(statusKey)]...)
	out = append(out, to...)
	out = append(out, `","created":"`...)
	out = append(out, when...)
	out = append(out, '"')
	if into != "" {
		out = append(out, `,"merged_into":"`...)
		out = append(out, into...)
		out = append(out, '"')
	}
	return append(out, rest...), created, true, true
}

// cutString reads the rest of a JSON string without escapes (ids, statuses
// and times have none) and what follows it.
func cutString(b []byte) (string, []byte, bool) {
	j := bytes.IndexByte(b, '"')
	if j < 0 || bytes.IndexByte(b[:j], '\\') >= 0 {
		return "", nil, false
	}
	return string(b[:j]), b[j+1:], true
}

// cutField reads an optional ,"key":"value" at the start of b.
func cutField(b []byte, key string) (string, []byte, bool) {
	prefix := `,"` + key + `":"`
	if !bytes.HasPrefix(b, []byte(prefix)) {
		return "", b, true
	}
	return cutString(b[len(prefix):])
}

func sortRuleStates(rs []RuleState) {
	sort.Slice(rs, func(i, j int) bool { return rs[i].Rule < rs[j].Rule })
}

func sortAlerts(as []*Alert) {
	sort.Slice(as, func(i, j int) bool {
		if c := as[i].Created.Compare(as[j].Created); c != 0 {
			return c < 0
		}
		return as[i].ID < as[j].ID
	})
}

// MemoryStore is a Store in memory, for tests and dry runs. It keeps the
// encoded form of each alert, so callers never share its values.
type MemoryStore struct {
	mu     sync.RWMutex
	alerts map[string][]byte
	rules  map[string]RuleState
	closed bool
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{alerts: map[string][]byte{}, rules: map[string]RuleState{}}
}

func (m *MemoryStore) check() error {
	if m.closed {
		return errors.New("alert store is closed")
	}
	return nil
}

// Insert implements Store.
func (m *MemoryStore) Insert(_ context.Context, alerts []*Alert) ([]bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(); err != nil {
		return nil, err
	}
	added := make([]bool, len(alerts))
	enc := make([][]byte, len(alerts))
	for i, a := range alerts {
		b, err := encodeAlert(a)
		if err != nil {
			return nil, err
		}
		enc[i] = b
	}
	for i, a := range alerts {
		if _, ok := m.alerts[a.ID]; ok {
			continue
		}
		m.alerts[a.ID] = enc[i]
		added[i] = true
	}
	return added, nil
}

// Has implements Store.
func (m *MemoryStore) Has(_ context.Context, ids []string) ([]bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if err := m.check(); err != nil {
		return nil, err
	}
	out := make([]bool, len(ids))
	for i, id := range ids {
		_, out[i] = m.alerts[id]
	}
	return out, nil
}

// Get implements Store.
func (m *MemoryStore) Get(_ context.Context, id string) (*Alert, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if err := m.check(); err != nil {
		return nil, err
	}
	b, ok := m.alerts[id]
	if !ok {
		return nil, fmt.Errorf("get alert %s: %w", id, ErrNotFound)
	}
	return decodeAlert(b)
}

// Modify implements Store.
func (m *MemoryStore) Modify(_ context.Context, ids []string, fn func(*Alert) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(); err != nil {
		return err
	}
	changed := map[string][]byte{}
	for _, id := range ids {
		b, ok := changed[id]
		if !ok {
			if b, ok = m.alerts[id]; !ok {
				return fmt.Errorf("modify alert %s: %w", id, ErrNotFound)
			}
		}
		a, err := decodeAlert(b)
		if err != nil {
			return err
		}
		if err := fn(a); errors.Is(err, ErrSkip) {
			continue
		} else if err != nil {
			return err
		}
		if a.ID != id {
			return fmt.Errorf("modify alert %s: the id must not change", id)
		}
		if changed[id], err = encodeAlert(a); err != nil {
			return err
		}
	}
	for id, b := range changed {
		m.alerts[id] = b
	}
	return nil
}

// Mark implements Store.
func (m *MemoryStore) Mark(_ context.Context, changes []StatusChange) (int, error) {
	if err := checkMark(changes); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(); err != nil {
		return 0, err
	}
	changed := map[string][]byte{}
	for _, c := range changes {
		b, ok := changed[c.ID]
		if !ok {
			if b, ok = m.alerts[c.ID]; !ok {
				return 0, fmt.Errorf("mark alert %s: %w", c.ID, ErrNotFound)
			}
		}
		out, _, ok, err := patchStatus(b, c.From, c.To, c.MergedInto)
		if err != nil {
			return 0, fmt.Errorf("mark alert %s: %w", c.ID, err)
		}
		if ok {
			changed[c.ID] = out
		}
	}
	maps.Copy(m.alerts, changed)
	return len(changed), nil
}

// List implements Store.
func (m *MemoryStore) List(_ context.Context, f Filter) ([]*Alert, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if err := m.check(); err != nil {
		return nil, err
	}
	var out []*Alert
	for _, b := range m.alerts {
		a, err := decodeAlert(b)
		if err != nil {
			return nil, err
		}
		if f.match(a) {
			out = append(out, a)
		}
	}
	sortAlerts(out)
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// Rules implements Store.
func (m *MemoryStore) Rules(context.Context) ([]RuleState, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if err := m.check(); err != nil {
		return nil, err
	}
	out := make([]RuleState, 0, len(m.rules))
	for _, k := range sortedKeys(m.rules) {
		out = append(out, m.rules[k])
	}
	return out, nil
}

// PutRule implements Store.
func (m *MemoryStore) PutRule(_ context.Context, st RuleState) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(); err != nil {
		return err
	}
	if strings.TrimSpace(st.Rule) == "" {
		return errors.New("put rule state: empty rule name")
	}
	m.rules[st.Rule] = st
	return nil
}

// Close implements Store.
func (m *MemoryStore) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}

// Find returns the alert with id, or else the one alert whose id starts
// with it; an error wrapping ErrNotFound when there is none, and one naming
// them when several match.
func Find(ctx context.Context, st Store, id string) (*Alert, error) {
	if a, err := st.Get(ctx, id); err == nil {
		return a, nil
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	all, err := st.List(ctx, Filter{})
	if err != nil {
		return nil, err
	}
	var ids []string
	var found *Alert
	for _, a := range all {
		if id != "" && strings.HasPrefix(a.ID, id) {
			ids = append(ids, a.ID)
			found = a
		}
	}
	switch len(ids) {
	case 0:
		return nil, fmt.Errorf("no alert %q: %w", id, ErrNotFound)
	case 1:
		return found, nil
	}
	sort.Strings(ids)
	return nil, fmt.Errorf("%q matches %d alerts: %s", id, len(ids), strings.Join(ids, ", "))
}
