package alerts

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// DefaultThresholdPeriod is the period a threshold counts matches in when
// the rule sets neither dedup_period nor merge_window.
const DefaultThresholdPeriod = time.Hour

// DefaultStagingPeriod is how long a staged rule must stay quiet before it
// is promoted automatically.
const DefaultStagingPeriod = 48 * time.Hour

// DefaultMergeSettle is how long a merge group stays open after its latest
// member arrived, even when its window has passed.
const DefaultMergeSettle = time.Minute

// ProcessorConfig configures a Processor.
type ProcessorConfig struct {
	Store Store
	// Clock defaults to SystemClock.
	Clock Clock
	// DefaultOutputs are added to every rule's outputs (global.yaml alerts.default_outputs).
	DefaultOutputs []string
	// StagingPeriod: a staged rule with no alert for this long is promoted
	// by Tick. 0 means DefaultStagingPeriod; negative turns automatic
	// promotion off.
	StagingPeriod time.Duration
	// MergeSettle: see DefaultMergeSettle. 0 means the default; negative
	// closes groups as soon as their window has passed.
	MergeSettle time.Duration
	// Sink, if set, receives every new alert once, as first stored (so a
	// merging alert arrives with status merging), and every merged alert:
	// the pipeline writes them to the lake's alerts table.
	Sink func(ctx context.Context, alerts []*Alert) error
	Log  *slog.Logger
}

// Processor turns matches into alerts: it applies each rule's threshold,
// dedup period, merge keys and staging, and stores the result. It is safe
// for concurrent use; its state (open merge groups, threshold and dedup
// counters, staging) is rebuilt from the store after a restart.
type Processor struct {
	mu     sync.Mutex
	totals Totals
	cfg    ProcessorConfig
	rules  map[string]*ruleEntry
	groups map[string][]*mergeGroup // by rule + key
	due    groupHeap
	loaded bool
}

type ruleEntry struct {
	name      string
	info      RuleInfo
	known     bool // info came from SetRules or a match
	state     RuleState
	hasState  bool
	dirty     bool // state must be written
	gatesRead bool // threshold/dedup state rebuilt from the store
	thresh    map[string]*threshCounter
	dedup     map[string]*dedupEntry
}

type threshCounter struct {
	start time.Time // event time the period started
	count int
	seen  time.Time // processing time of the latest match
}

type dedupEntry struct {
	first time.Time // event time of the alert that others repeat
	id    string
	seen  time.Time
}

// Result counts what one Process call did.
type Result struct {
	Matches int `json:"matches"`
	// New alerts stored; Replayed matches whose alert already existed.
	New        int `json:"new"`
	Replayed   int `json:"replayed"`
	Suppressed int `json:"suppressed"`
	Merging    int `json:"merging"`
	Staged     int `json:"staged"`
	Pending    int `json:"pending"`
	// Closed counts merge groups closed (by time advancing) in this call.
	Closed int `json:"closed"`
}

// Totals counts the alerts a Processor has stored since it was made, by
// the status each was stored with, and the merged alerts its closed
// groups made. A one-shot load (`streamalert ingest`) reports them
// instead of reading the store, which holds every earlier run's alerts too.
type Totals struct {
	New        int `json:"new"`
	Suppressed int `json:"suppressed"`
	Merging    int `json:"merging"`
	Staged     int `json:"staged"`
	Pending    int `json:"pending"`
	Merged     int `json:"merged"` // merged alerts made of closed groups
}

func (t *Totals) count(s Status) {
	t.New++
	switch s {
	case StatusSuppressed:
		t.Suppressed++
	case StatusMerging:
		t.Merging++
	case StatusStaged:
		t.Staged++
	case StatusPending:
		t.Pending++
	}
}

// Totals returns what the processor has stored so far.
func (p *Processor) Totals() Totals {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.totals
}

// TickResult says what one Tick did.
type TickResult struct {
	// Closed merge groups, and how many of them became merged alerts (the
	// others had one member, which went on as itself).
	Closed int `json:"closed"`
	Merged int `json:"merged"`
	// Promoted names the rules promoted automatically.
	Promoted []string `json:"promoted,omitempty"`
}

// NewProcessor returns a Processor over cfg.Store.
func NewProcessor(cfg ProcessorConfig) (*Processor, error) {
	if cfg.Store == nil {
		return nil, errors.New("alert processor: no store")
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.StagingPeriod == 0 {
		cfg.StagingPeriod = DefaultStagingPeriod
	}
	switch {
	case cfg.MergeSettle == 0:
		cfg.MergeSettle = DefaultMergeSettle
	case cfg.MergeSettle < 0:
		cfg.MergeSettle = 0
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	p := &Processor{cfg: cfg}
	p.reset()
	return p, nil
}

func (p *Processor) reset() {
	p.rules = map[string]*ruleEntry{}
	p.groups = map[string][]*mergeGroup{}
	p.due = nil
	p.loaded = false
}

func (p *Processor) now() time.Time { return p.cfg.Clock.Now().UTC() }

// load rebuilds the state from the store: rule staging states and the open
// merge groups (alerts with status merging).
func (p *Processor) load(ctx context.Context) error {
	if p.loaded {
		return nil
	}
	p.reset()
	states, err := p.cfg.Store.Rules(ctx)
	if err != nil {
		return fmt.Errorf("load rule states: %w", err)
	}
	for _, st := range states {
		e := p.entryNamed(st.Rule)
		e.state, e.hasState = st, true
	}
	merging, err := p.cfg.Store.List(ctx, Filter{Status: []Status{StatusMerging}})
	if err != nil {
		return fmt.Errorf("load open merge groups: %w", err)
	}
	slices.SortStableFunc(merging, func(a, b *Alert) int { return a.EventTime.Compare(b.EventTime) })
	byID := map[string]*mergeGroup{}
	for _, a := range merging {
		g := byID[a.MergeGroup]
		if g == nil {
			g = p.openGroup(a, a.MergeGroup)
			byID[a.MergeGroup] = g
		}
		g.add(a, a.Created)
	}
	// A member was added when it was created: a rebuilt group keeps its
	// settle time (from its newest member) instead of restarting it at
	// every load.
	for _, a := range merging {
		if g := byID[a.MergeGroup]; a.Created.After(g.touched) {
			g.touched = a.Created
		}
	}
	for _, g := range byID {
		g.due = g.dueAt(p.cfg.MergeSettle)
		heap.Push(&p.due, g)
	}
	p.loaded = true
	return nil
}

func (p *Processor) entryNamed(name string) *ruleEntry {
	e := p.rules[name]
	if e == nil {
		e = &ruleEntry{name: name, thresh: map[string]*threshCounter{}, dedup: map[string]*dedupEntry{}}
		p.rules[name] = e
	}
	return e
}

// entry returns the rule's state, updated to the given metadata.
func (p *Processor) entry(ctx context.Context, info *RuleInfo, now time.Time) (*ruleEntry, error) {
	e := p.entryNamed(info.Name)
	if !e.known || e.info.Staged != info.Staged {
		p.reconcileStaging(e, info, now)
	}
	e.info, e.known = *info, true
	if !e.gatesRead {
		if err := p.readGates(ctx, e, now); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// reconcileStaging starts the staging of a rule first seen staged, and ends
// it when the rule's file no longer asks for staging.
func (p *Processor) reconcileStaging(e *ruleEntry, info *RuleInfo, now time.Time) {
	switch {
	case info.Staged && !e.hasState:
		e.state = RuleState{Rule: info.Name, Staged: true, StagedSince: now}
		e.hasState, e.dirty = true, true
	case !info.Staged && e.hasState && e.state.Staged:
		e.state.Staged = false
		e.state.PromotedAt, e.state.PromotedBy = now, "config"
		e.dirty = true
	}
}

// SetRules tells the processor the current rules, so staged rules that
// raise nothing are staged (and later promoted) all the same.
func (p *Processor) SetRules(ctx context.Context, rules []RuleInfo) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.load(ctx); err != nil {
		return err
	}
	now := p.now()
	for i := range rules {
		if rules[i].Name == "" {
			return fmt.Errorf("set rules: rule %d has no name", i)
		}
		if _, err := p.entry(ctx, &rules[i], now); err != nil {
			return err
		}
	}
	return p.writeStates(ctx)
}

func thresholdPeriod(r *RuleInfo) time.Duration {
	switch {
	case r.DedupPeriod > 0:
		return r.DedupPeriod
	case r.MergeWindow > 0:
		return r.MergeWindow
	}
	return DefaultThresholdPeriod
}

// readGates rebuilds a rule's threshold counters and dedup entries from
// its recent alerts, so a restart neither re-alerts a duplicate nor forgets
// matches counted toward a threshold.
func (p *Processor) readGates(ctx context.Context, e *ruleEntry, now time.Time) error {
	e.gatesRead = true
	r := &e.info
	if r.Threshold <= 1 && r.DedupPeriod <= 0 {
		return nil
	}
	period := max(thresholdPeriod(r), r.DedupPeriod)
	recent, err := p.cfg.Store.List(ctx, Filter{Rule: r.Name, Since: now.Add(-period)})
	if err != nil {
		return fmt.Errorf("read recent alerts of rule %s: %w", r.Name, err)
	}
	slices.SortStableFunc(recent, func(a, b *Alert) int { return a.EventTime.Compare(b.EventTime) })
	for _, a := range recent {
		if a.Merge != nil {
			continue // merged alerts repeat their members
		}
		if r.Threshold > 1 {
			p.count(e, a.Key, a.EventTime, a.Created)
		}
		if r.DedupPeriod > 0 && a.Status != StatusSuppressed {
			if d := e.dedup[a.Key]; d == nil || !within(a.EventTime, d.first, r.DedupPeriod) {
				e.dedup[a.Key] = &dedupEntry{first: a.EventTime, id: a.ID, seen: a.Created}
			}
		}
	}
	return nil
}

func within(t, ref time.Time, period time.Duration) bool {
	d := t.Sub(ref)
	return d < period && -d < period
}

// count adds one match to the threshold counter of key and returns the
// count within the current period.
func (p *Processor) count(e *ruleEntry, key string, t, now time.Time) int {
	c := e.thresh[key]
	if c == nil || !within(t, c.start, thresholdPeriod(&e.info)) {
		c = &threshCounter{start: t}
		e.thresh[key] = c
	}
	c.count++
	c.seen = now
	return c.count
}

// Process turns matches into alerts and stores them. A match whose alert
// already exists (a replay) changes nothing. Merge groups whose time has
// come are closed on the way.
func (p *Processor) Process(ctx context.Context, matches []Match) (Result, error) {
	res := Result{Matches: len(matches)}
	for i := range matches {
		if matches[i].Rule.Name == "" {
			return res, fmt.Errorf("process matches: match %d (record %q) has no rule name", i, matches[i].RecordID)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.load(ctx); err != nil {
		return res, err
	}
	now := p.now()

	type item struct {
		a    *Alert
		rule *RuleInfo
	}
	items := make([]item, 0, len(matches))
	ids := make([]string, 0, len(matches))
	inBatch := make(map[string]bool, len(matches))
	for i := range matches {
		a := p.newAlert(&matches[i], now)
		if inBatch[a.ID] {
			res.Replayed++
			continue
		}
		inBatch[a.ID] = true
		items = append(items, item{a, &matches[i].Rule})
		ids = append(ids, a.ID)
	}
	has, err := p.cfg.Store.Has(ctx, ids)
	if err != nil {
		return res, fmt.Errorf("process matches: %w", err)
	}
	fresh := items[:0]
	for i, it := range items {
		if has[i] {
			res.Replayed++
			continue
		}
		fresh = append(fresh, it)
	}
	// Event-time order makes thresholds, dedup and merging independent of
	// how matches were batched.
	slices.SortStableFunc(fresh, func(x, y item) int { return x.a.EventTime.Compare(y.a.EventTime) })

	alerts := make([]*Alert, len(fresh))
	for i, it := range fresh {
		e, err := p.entry(ctx, it.rule, now)
		if err != nil {
			p.loaded = false
			return res, err
		}
		p.admit(e, it.a, now)
		alerts[i] = it.a
		switch it.a.Status {
		case StatusSuppressed:
			res.Suppressed++
		case StatusMerging:
			res.Merging++
		case StatusStaged:
			res.Staged++
		case StatusPending:
			res.Pending++
		}
	}
	res.New = len(alerts)
	closed := p.popDue(now)
	res.Closed = len(closed)
	if _, err := p.commit(ctx, alerts, closed, now); err != nil {
		return res, err
	}
	return res, nil
}

// newAlert builds the alert of one match, not yet judged.
func (p *Processor) newAlert(m *Match, now time.Time) *Alert {
	r := &m.Rule
	recordID := m.RecordID
	if recordID == "" {
		// A record without an id still gets a stable one: its content.
		recordID = hashID(canonical(m.Record))
	}
	t := m.EventTime.UTC()
	if m.EventTime.IsZero() {
		t = now
	}
	a := &Alert{
		ID:          AlertID(r.Name, recordID),
		Rule:        r.Name,
		Title:       r.Title,
		Description: r.Description,
		Severity:    r.Severity,
		Runbook:     r.Runbook,
		Tags:        r.Tags,
		LogType:     m.LogType,
		Source:      m.Source,
		RecordID:    recordID,
		EventTime:   t,
		Record:      m.Record,
		Matched:     m.Matched,
		Context:     r.Context,
		Outputs:     unionOutputs(r.Outputs, p.cfg.DefaultOutputs),
		Created:     now,
	}
	if r.merges() {
		a.MergeKeys, a.MergeWindow = r.MergeByKeys, r.MergeWindow
	}
	return a
}

func unionOutputs(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		for _, o := range l {
			if o != "" && !slices.Contains(out, o) {
				out = append(out, o)
			}
		}
	}
	return out
}

// admit judges one new alert: threshold, then dedup, then merging, then
// staging.
func (p *Processor) admit(e *ruleEntry, a *Alert, now time.Time) {
	r := &e.info
	keys := r.MergeByKeys
	vals, key, complete := keyValues(a.Record, keys)
	a.KeyValues, a.Key = vals, key

	if r.Threshold > 1 {
		if n := p.count(e, key, a.EventTime, now); n < r.Threshold {
			a.Status = StatusSuppressed
			a.Reason = fmt.Sprintf("threshold: match %d of %d within %s", n, r.Threshold, thresholdPeriod(r))
			return
		}
	}
	if r.DedupPeriod > 0 {
		if d := e.dedup[key]; d != nil && within(a.EventTime, d.first, r.DedupPeriod) {
			d.seen = now
			a.Status = StatusSuppressed
			a.Reason = fmt.Sprintf("duplicate within dedup period %s", r.DedupPeriod)
			a.DuplicateOf = d.id
			return
		}
		e.dedup[key] = &dedupEntry{first: a.EventTime, id: a.ID, seen: now}
	}
	if e.state.Staged {
		e.state.LastAlert = now
		e.dirty = true
	}
	if r.merges() && complete {
		p.join(a, now)
		a.Status = StatusMerging
		return
	}
	p.finish(e, a, now)
}

// finish makes a judged alert staged or pending.
func (p *Processor) finish(e *ruleEntry, a *Alert, now time.Time) {
	a.MergeGroup = ""
	if e.state.Staged {
		a.Status, a.Staged = StatusStaged, true
		e.state.StagedAlerts++
		e.state.LastAlert = now
		e.dirty = true
		return
	}
	a.makePending()
}

// join adds a merging alert to the open group it fits, or opens one.
func (p *Processor) join(a *Alert, now time.Time) {
	gk := a.Rule + "\x1e" + a.Key
	for _, g := range p.groups[gk] {
		if g.fits(a.EventTime) {
			g.add(a, now)
			a.MergeGroup = g.id
			g.due = g.dueAt(p.cfg.MergeSettle)
			heap.Fix(&p.due, g.index)
			return
		}
	}
	g := p.openGroup(a, hashID(a.Rule, "\x00merge\x00", a.ID))
	g.add(a, now)
	a.MergeGroup = g.id
	g.due = g.dueAt(p.cfg.MergeSettle)
	heap.Push(&p.due, g)
}

func (p *Processor) openGroup(a *Alert, id string) *mergeGroup {
	g := &mergeGroup{
		id:        id,
		rule:      a.Rule,
		gkey:      a.Rule + "\x1e" + a.Key,
		keyValues: detached(a.KeyValues).(map[string]any),
		mergeKeys: a.MergeKeys,
		window:    a.MergeWindow,
	}
	p.groups[g.gkey] = append(p.groups[g.gkey], g)
	return g
}

// popDue removes the groups whose time has come.
func (p *Processor) popDue(now time.Time) []*mergeGroup {
	var out []*mergeGroup
	for p.due.Len() > 0 && !p.due[0].due.After(now) {
		g := heap.Pop(&p.due).(*mergeGroup)
		list := p.groups[g.gkey]
		if i := slices.Index(list, g); i >= 0 {
			list = slices.Delete(list, i, i+1)
		}
		if len(list) == 0 {
			delete(p.groups, g.gkey)
		} else {
			p.groups[g.gkey] = list
		}
		out = append(out, g)
	}
	return out
}

// commit writes new alerts and closed groups to the store, then the dirty
// rule states, then hands the new alerts to the sink. It returns how many
// merged alerts were made. On a store error the in-memory state is dropped
// and rebuilt from the store at the next call.
func (p *Processor) commit(ctx context.Context, fresh []*Alert, closed []*mergeGroup, now time.Time) (int, error) {
	inserts := fresh
	// Groups of one go on as themselves (staged or pending); the members
	// of larger groups become merged, pointing at the merged alert.
	singles := map[string]bool{} // id → staged
	var singleIDs []string
	var marks []StatusChange
	merged := 0
	for _, g := range closed {
		e := p.entryNamed(g.rule)
		if g.count == 1 {
			probe := &Alert{}
			p.finish(e, probe, now) // counts a staged alert
			singles[g.members[0]] = probe.Staged
			singleIDs = append(singleIDs, g.members[0])
			continue
		}
		m := p.mergedAlert(g, now)
		p.finish(e, m, now)
		inserts = append(inserts, m)
		merged++
		for _, id := range g.members {
			marks = append(marks, StatusChange{ID: id, From: StatusMerging, To: StatusMerged, MergedInto: m.ID})
		}
	}
	fail := func(err error) (int, error) {
		p.loaded = false
		return merged, err
	}
	closeSingle := func(a *Alert) error {
		if a.Status != StatusMerging {
			return ErrSkip
		}
		a.MergeGroup = ""
		if singles[a.ID] {
			a.Status, a.Staged = StatusStaged, true
		} else {
			a.makePending()
		}
		return nil
	}
	if bs, ok := p.cfg.Store.(BatchStore); ok {
		// One transaction for the commit's writes.
		wb := WriteBatch{Insert: inserts, Mark: marks, ModifyIDs: singleIDs, Modify: closeSingle, Rules: p.dirtyStates()}
		if len(wb.Insert)+len(wb.Mark)+len(wb.ModifyIDs)+len(wb.Rules) > 0 {
			if err := bs.Apply(ctx, wb); err != nil {
				return fail(fmt.Errorf("store alerts: %w", err))
			}
		}
		p.statesWritten()
	} else {
		if len(inserts) > 0 {
			if _, err := p.cfg.Store.Insert(ctx, inserts); err != nil {
				return fail(fmt.Errorf("store alerts: %w", err))
			}
		}
		if len(marks) > 0 {
			if _, err := p.cfg.Store.Mark(ctx, marks); err != nil {
				return fail(fmt.Errorf("close merge groups: %w", err))
			}
		}
		if len(singleIDs) > 0 {
			if err := p.cfg.Store.Modify(ctx, singleIDs, closeSingle); err != nil {
				return fail(fmt.Errorf("close merge groups: %w", err))
			}
		}
		if err := p.writeStates(ctx); err != nil {
			return fail(err)
		}
	}
	p.totals.Merged += merged
	for _, a := range fresh {
		p.totals.count(a.Status)
	}
	if p.cfg.Sink != nil && len(inserts) > 0 {
		if err := p.cfg.Sink(ctx, inserts); err != nil {
			return merged, fmt.Errorf("alert sink: %w", err)
		}
	}
	return merged, nil
}

// dirtyStates returns the rule states that must be written, in name order.
func (p *Processor) dirtyStates() []RuleState {
	var out []RuleState
	for _, name := range sortedKeys(p.rules) {
		if e := p.rules[name]; e.dirty {
			out = append(out, e.state)
		}
	}
	return out
}

// statesWritten marks every rule state written.
func (p *Processor) statesWritten() {
	for _, e := range p.rules {
		e.dirty = false
	}
}

func (p *Processor) writeStates(ctx context.Context) error {
	for _, name := range sortedKeys(p.rules) {
		e := p.rules[name]
		if !e.dirty {
			continue
		}
		if err := p.cfg.Store.PutRule(ctx, e.state); err != nil {
			return fmt.Errorf("store staging state of rule %s: %w", name, err)
		}
		e.dirty = false
	}
	return nil
}

// mergedAlert makes the alert that stands for a closed group: the first
// member's metadata, a record of the values common to all members, and the
// merge summary.
func (p *Processor) mergedAlert(g *mergeGroup, now time.Time) *Alert {
	f := g.first
	info := g.info()
	flat := make(map[string]any, len(info.CommonKeys)+len(g.keyValues))
	for k, v := range info.CommonKeys {
		flat[k] = v
	}
	for k, v := range g.keyValues {
		flat[k] = v
	}
	return &Alert{
		ID:          g.id,
		Rule:        f.Rule,
		Title:       f.Title,
		Description: f.Description,
		Severity:    f.Severity,
		Runbook:     f.Runbook,
		Tags:        f.Tags,
		LogType:     f.LogType,
		Source:      f.Source,
		EventTime:   g.start,
		Record:      unflatten(flat),
		MergeKeys:   g.mergeKeys,
		MergeWindow: g.window,
		KeyValues:   g.keyValues,
		Key:         f.Key,
		Context:     f.Context,
		Outputs:     f.Outputs,
		Created:     now,
		Merge:       info,
	}
}

// Tick closes the merge groups whose time has come, promotes staged rules
// that stayed quiet for the staging period, and forgets threshold and
// dedup state that can no longer matter. Call it periodically (`serve`
// does every few seconds; the alerts Lambda on its schedule).
func (p *Processor) Tick(ctx context.Context) (TickResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var res TickResult
	if err := p.load(ctx); err != nil {
		return res, err
	}
	now := p.now()
	closed := p.popDue(now)
	res.Closed = len(closed)
	merged, err := p.commit(ctx, nil, closed, now)
	res.Merged = merged
	if err != nil {
		return res, err
	}
	for _, name := range sortedKeys(p.rules) {
		// A rule's staged_until ends its staging when it comes, even for a
		// serve started before it (the rule's file said staged then).
		e := p.rules[name]
		if e.state.Staged && e.known && !e.info.StagedUntil.IsZero() && !now.Before(e.info.StagedUntil) && !p.hasOpenGroups(name) {
			e.state.Staged = false
			e.state.PromotedAt, e.state.PromotedBy = now, "staged_until"
			e.dirty = true
			res.Promoted = append(res.Promoted, name)
			p.cfg.Log.Info("staged rule promoted", "rule", name, "staged_until", e.info.StagedUntil)
		}
	}
	if err := p.writeStates(ctx); err != nil {
		return res, err
	}
	if p.cfg.StagingPeriod > 0 {
		for _, name := range sortedKeys(p.rules) {
			e := p.rules[name]
			if !e.state.Staged || !e.known || p.hasOpenGroups(name) {
				continue
			}
			quiet := e.state.StagedSince
			if e.state.LastAlert.After(quiet) {
				quiet = e.state.LastAlert
			}
			if now.Sub(quiet) >= p.cfg.StagingPeriod {
				e.state.Staged = false
				e.state.PromotedAt, e.state.PromotedBy = now, "auto"
				e.dirty = true
				res.Promoted = append(res.Promoted, name)
				p.cfg.Log.Info("staged rule promoted", "rule", name, "quiet_for", now.Sub(quiet).String())
			}
		}
		if err := p.writeStates(ctx); err != nil {
			return res, err
		}
	}
	p.prune(now)
	return res, nil
}

func (p *Processor) hasOpenGroups(rule string) bool {
	for _, g := range p.due {
		if g.rule == rule {
			return true
		}
	}
	return false
}

// prune drops threshold counters and dedup entries untouched for longer
// than their period, so memory follows the active keys only.
func (p *Processor) prune(now time.Time) {
	for _, e := range p.rules {
		period := max(thresholdPeriod(&e.info), e.info.DedupPeriod)
		for k, c := range e.thresh {
			if now.Sub(c.seen) > period {
				delete(e.thresh, k)
			}
		}
		for k, d := range e.dedup {
			if now.Sub(d.seen) > period {
				delete(e.dedup, k)
			}
		}
	}
}

// OpenGroups reports how many merge groups are open and how many alerts
// they hold.
func (p *Processor) OpenGroups() (groups, alerts int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, g := range p.due {
		groups++
		alerts += g.count
	}
	return groups, alerts
}

// Settle closes every open merge group whose window has passed, without
// waiting the settle time for late members. A one-shot load (`streamalert
// ingest`) calls it at the end, when it knows no more records are coming.
func (p *Processor) Settle(ctx context.Context) (TickResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var res TickResult
	if err := p.load(ctx); err != nil {
		return res, err
	}
	now := p.now()
	for _, g := range p.due {
		if !g.start.Add(g.window).After(now) && g.due.After(now) {
			g.due = now
		}
	}
	heap.Init(&p.due)
	closed := p.popDue(now)
	res.Closed = len(closed)
	merged, err := p.commit(ctx, nil, closed, now)
	res.Merged = merged
	return res, err
}
