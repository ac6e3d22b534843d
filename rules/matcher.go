package rules

import (
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/streamalert/streamalert/intel"
	"github.com/streamalert/streamalert/schema"
)

// Matcher evaluates a set of rules against records. It is built once from a
// Set and is safe for concurrent use.
//
// For a record of log type T it evaluates only the enabled rules that run
// on T. Equality tests every match of a rule requires (e.g. eventName ∈
// {StopLogging, DeleteTrail}) are indexed, so a rule is only evaluated when
// the record's value is one it could match; the cost per record therefore
// grows with the number of rules that could match it, not with the size of
// the set. Field lookups are shared by all rules of a record, conditions
// are reordered cheapest first, and regular expressions are compiled once
// at load time.
type Matcher struct {
	byType   map[string]*typeMatcher
	maxSlots int
	maxRules int
	errs     map[string]*atomic.Int64
	pool     sync.Pool
	other    sync.Map // *schema.LogType → *typeMatcher, see typeFor
	intel    intelRefs

	// Logger receives run-time rule failures; nil means slog.Default().
	Logger *slog.Logger
}

// Match describes one rule matching one record.
type Match struct {
	Record *schema.Record
	// Fields are the field values that satisfied the rule's tests (those
	// not under a `not`), in the order the matcher tried them (cheapest
	// first; stable for a rule). Keyword tests report Field "" and the
	// keyword that was found.
	Fields []MatchedField
}

// MatchedField is one field value that satisfied a test of a rule.
type MatchedField struct {
	Field string
	Value string
	// IOC is the IOC an |ioc test found the value in (zero otherwise);
	// Lookup the table entry an |lookup test found.
	IOC    intel.Hit
	Lookup LookupHit
}

// typeMatcher holds the compiled rules of one log type.
type typeMatcher struct {
	name   string
	lt     *schema.LogType
	slots  []*accessor
	rules  []*compiledRule
	index  []fieldIndex
	always []int32 // rules with no indexable requirement
}

// fieldIndex maps a slot's lowered values to the rules requiring them.
type fieldIndex struct {
	slot int
	m    map[string][]int32
}

type compiledRule struct {
	rule *Rule
	root node
	errs *atomic.Int64
}

// NewMatcher compiles the enabled rules of set.
func NewMatcher(set *Set) *Matcher { return newMatcher(set, false) }

// newMatcher compiles the rules of set; disabled ones too when asked (rule
// tests run regardless of enabled).
func newMatcher(set *Set, includeDisabled bool) *Matcher {
	m := &Matcher{byType: map[string]*typeMatcher{}, errs: map[string]*atomic.Int64{}}
	byType := map[string][]*compiledRule{}
	types := map[string]*schema.LogType{}
	for _, r := range set.Rules() {
		if (!r.Enabled && !includeDisabled) || r.Expr == nil {
			continue
		}
		cnt := &atomic.Int64{}
		m.errs[r.Name] = cnt
		for _, lt := range r.LogTypes {
			types[lt.Name] = lt
			byType[lt.Name] = append(byType[lt.Name], &compiledRule{rule: r, errs: cnt})
		}
	}
	for name, crs := range byType {
		tm := compileType(types[name], crs)
		m.byType[name] = tm
		m.maxSlots = max(m.maxSlots, len(tm.slots))
		m.maxRules = max(m.maxRules, len(tm.rules))
	}
	m.pool.New = func() any {
		return &state{slots: make([]slotData, m.maxSlots), seen: make([]uint32, m.maxRules)}
	}
	return m
}

// compileType compiles rules (whose root is set here) for one log type.
func compileType(lt *schema.LogType, rules []*compiledRule) *typeMatcher {
	c := &compiler{lt: lt, slotByKey: map[string]int{}}
	tm := &typeMatcher{name: lt.Name, lt: lt}
	for _, cr := range rules {
		tm.rules = append(tm.rules, &compiledRule{rule: cr.rule, errs: cr.errs, root: c.compile(cr.rule.Expr)})
	}
	tm.slots = c.slots
	tm.buildIndex()
	return tm
}

// typeFor returns the compiled rules for rec's log type. Rules are
// compiled against the log type they were loaded with; a record whose log
// type has the same name but is another definition (a reloaded registry)
// gets the rules compiled again for its definition, once.
func (m *Matcher) typeFor(lt *schema.LogType) *typeMatcher {
	tm := m.byType[lt.Name]
	if tm == nil || tm.lt == lt {
		return tm
	}
	if v, ok := m.other.Load(lt); ok {
		return v.(*typeMatcher)
	}
	v, _ := m.other.LoadOrStore(lt, compileType(lt, tm.rules))
	return v.(*typeMatcher)
}

// LogTypes returns the names of the log types the matcher has rules for.
func (m *Matcher) LogTypes() []string {
	out := make([]string, 0, len(m.byType))
	for n := range m.byType {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Errors returns, per rule name, how many records the rule failed on at
// run time (rules without failures are left out).
func (m *Matcher) Errors() map[string]int64 {
	out := map[string]int64{}
	for n, c := range m.errs {
		if v := c.Load(); v > 0 {
			out[n] = v
		}
	}
	return out
}

// Match evaluates the rules for rec's log type and calls fn for each rule
// that matches, in rule name order. A rule that fails on the record is
// logged and counted (see Errors) and does not stop the others.
func (m *Matcher) Match(rec *schema.Record, fn func(*Rule, Match)) {
	if rec == nil || rec.LogType == nil {
		return
	}
	s := m.pool.Get().(*state)
	tm := s.lastTM
	if s.lastLT != rec.LogType {
		tm = m.typeFor(rec.LogType)
		s.lastLT, s.lastTM = rec.LogType, tm
	}
	if tm == nil {
		m.pool.Put(s)
		return
	}
	s.reset(rec, tm)
	s.intel = &m.intel
	cands := s.cands[:0]
	for _, ix := range tm.index {
		d := s.get(ix.slot)
		for i := range d.vals {
			for _, r := range ix.m[d.lowerAt(s, i)] {
				if s.seen[r] != s.gen {
					s.seen[r] = s.gen
					cands = append(cands, r)
				}
			}
		}
	}
	cands = append(cands, tm.always...)
	slices.Sort(cands)
	for _, ri := range cands {
		cr := tm.rules[ri]
		if fields, ok := m.evalRule(s, cr); ok {
			fn(cr.rule, Match{Record: rec, Fields: fields})
		}
	}
	s.cands = cands
	s.rec = nil
	m.pool.Put(s)
}

// evalRule evaluates one rule, turning a panic into a logged, counted
// failure.
func (m *Matcher) evalRule(s *state, cr *compiledRule) (fields []MatchedField, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			cr.errs.Add(1)
			lg := m.Logger
			if lg == nil {
				lg = slog.Default()
			}
			lg.Error("rule failed on a record", "rule", cr.rule.Name, "log_type", s.tm.name,
				"record_id", s.rec.ID, "error", fmt.Sprint(p))
			fields, ok = nil, false
		}
	}()
	if !cr.root.eval(s) {
		return nil, false
	}
	collect(cr.root, s, &fields)
	return fields, true
}

// state is the per-record scratch space: resolved field values shared by
// all rules, and candidate bookkeeping. Slots are valid while their gen
// equals the state's.
type state struct {
	rec   *schema.Record
	tm    *typeMatcher
	gen   uint32
	slots []slotData
	seen  []uint32
	cands []int32
	buf   []byte // lowered ASCII text of this record

	lastLT *schema.LogType // the log type of the previous record
	lastTM *typeMatcher
	intel  *intelRefs
}

// maxKeptBuffer bounds the lowering buffer kept between records.
const maxKeptBuffer = 1 << 20

type slotData struct {
	gen     uint32
	present bool
	vals    []fieldValue
	lower   []string
	lowered bool
	addrs   []netip.Addr // the values as IP addresses (invalid when not one)
	parsed  bool
}

// addrAt returns value i as an unmapped IP address without zone, or the
// invalid Addr (computed once per record).
func (d *slotData) addrAt(i int) netip.Addr {
	if !d.parsed {
		d.addrs = d.addrs[:0]
		for _, v := range d.vals {
			var a netip.Addr
			if couldBeIP(v.text) {
				if p, err := netip.ParseAddr(v.text); err == nil {
					a = p.Unmap().WithZone("")
				}
			}
			d.addrs = append(d.addrs, a)
		}
		d.parsed = true
	}
	return d.addrs[i]
}

// couldBeIP rejects most text that is not an IP address cheaply (parsing
// errors allocate): before any zone, only hex digits, '.' and ':'.
func couldBeIP(t string) bool {
	if len(t) < 2 || len(t) > 64 {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c == '%':
			return i > 0
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

func (s *state) reset(rec *schema.Record, tm *typeMatcher) {
	s.rec, s.tm = rec, tm
	if len(s.slots) < len(tm.slots) {
		s.slots = append(s.slots, make([]slotData, len(tm.slots)-len(s.slots))...)
	}
	if len(s.seen) < len(tm.rules) {
		s.seen = append(s.seen, make([]uint32, len(tm.rules)-len(s.seen))...)
	}
	s.buf = s.buf[:0]
	if cap(s.buf) > maxKeptBuffer {
		s.buf = nil
	}
	s.gen++
	if s.gen == 0 { // wrapped: clear stale stamps
		for i := range s.slots {
			s.slots[i].gen = 0
		}
		clear(s.seen)
		s.gen = 1
	}
}

func (s *state) get(i int) *slotData {
	d := &s.slots[i]
	if d.gen != s.gen {
		d.gen = s.gen
		d.vals, d.present = s.tm.slots[i].read(s.rec, d.vals[:0])
		d.lowered, d.parsed = false, false
	}
	return d
}

// lowerAt returns value i lower-cased (computed once per record).
func (d *slotData) lowerAt(s *state, i int) string {
	if !d.lowered {
		d.lower = d.lower[:0]
		for _, v := range d.vals {
			d.lower = append(d.lower, s.lowerString(v.text))
		}
		d.lowered = true
	}
	return d.lower[i]
}

// node is a compiled expression.
type node interface {
	eval(s *state) bool
	cost() int
}

type andNode []node
type orNode []node
type notNode struct{ x node }

func (n andNode) eval(s *state) bool {
	for _, c := range n {
		if !c.eval(s) {
			return false
		}
	}
	return true
}

func (n orNode) eval(s *state) bool {
	for _, c := range n {
		if c.eval(s) {
			return true
		}
	}
	return false
}

func (n notNode) eval(s *state) bool { return !n.x.eval(s) }

func (n andNode) cost() int   { return sumCost(n) }
func (n orNode) cost() int    { return sumCost(n) }
func (n notNode) cost() int   { return n.x.cost() }
func (n *leafNode) cost() int { return n.c }

func sumCost(ns []node) int {
	c := 0
	for _, n := range ns {
		c += n.cost()
	}
	return c
}

// leafNode is a compiled Leaf for one log type.
type leafNode struct {
	leaf    *Leaf
	slot    int
	ref     int // the other field's slot (Ref ops)
	numeric bool
	set     map[string]struct{} // OpEq text values, when there are many
	nums    []float64           // OpEq: the values that are numbers (eqNumber), for number values
	texts   []string            // OpEq: values compared as text
	c       int

	iocTypes []intel.Type // OpIOC
}

func (n *leafNode) eval(s *state) bool { return n.match(s) >= 0 }

// match returns the index of the first of the field's values that
// satisfies the leaf, or -1.
func (n *leafNode) match(s *state) int {
	d := s.get(n.slot)
	if n.leaf.Op == OpExists {
		if d.present {
			return 0
		}
		return -1
	}
	for i := range d.vals {
		if n.matchValue(s, d, i) {
			return i
		}
	}
	return -1
}

func (n *leafNode) matchValue(s *state, d *slotData, i int) bool {
	l := n.leaf
	v := &d.vals[i]
	switch l.Op {
	case OpRegex:
		for _, re := range l.res {
			if re.match(v.text) {
				return true
			}
		}
		return false
	case OpCIDR:
		a := d.addrAt(i)
		if !a.IsValid() {
			return false
		}
		for _, p := range l.nets {
			if p.Contains(a) {
				return true
			}
		}
		return false
	case OpGT, OpGTE, OpLT, OpLTE:
		x := v.num
		if !v.isNum {
			f, err := strconv.ParseFloat(v.text, 64)
			if err != nil {
				return false
			}
			x = f
		}
		for _, y := range l.num {
			if compareNum(l.Op, x, y) {
				return true
			}
		}
		return false
	case OpIOC, OpLookup:
		return n.intelHit(s, d, i, nil)
	case OpRefEq, OpRefContains, OpRefStartsWith, OpRefEndsWith:
		o := s.get(n.ref)
		t := v.text
		if !l.Cased {
			t = d.lowerAt(s, i)
		}
		for j := range o.vals {
			u := o.vals[j].text
			if !l.Cased {
				u = o.lowerAt(s, j)
			}
			if refTest(l.Op, t, u) {
				return true
			}
		}
		return false
	}
	t := v.text
	if !l.Cased {
		t = d.lowerAt(s, i)
	}
	switch l.Op {
	case OpEq:
		if v.isNum {
			// A number equals the values that are numbers, numerically.
			for _, y := range n.nums {
				if v.num == y {
					return true
				}
			}
			return false
		}
		if n.set != nil {
			_, ok := n.set[t]
			return ok
		}
		for _, x := range n.texts {
			if t == x {
				return true
			}
		}
	case OpContains:
		for _, x := range l.Values {
			if strings.Contains(t, x) {
				return true
			}
		}
	case OpStartsWith:
		for _, x := range l.Values {
			if strings.HasPrefix(t, x) {
				return true
			}
		}
	case OpEndsWith:
		for _, x := range l.Values {
			if strings.HasSuffix(t, x) {
				return true
			}
		}
	case OpGlob:
		for _, g := range l.Globs {
			if g.match(t) {
				return true
			}
		}
	}
	return false
}

// eqNumber returns an OpEq value as the number numbers compare with, if
// it is one: it parses as a float64 (strconv.ParseFloat, in range), and is
// not NaN (NaN equals nothing).
func eqNumber(v string) (float64, bool) {
	f, err := strconv.ParseFloat(v, 64)
	return f, err == nil && !math.IsNaN(f)
}

func compareNum(op Op, x, y float64) bool {
	switch op {
	case OpGT:
		return x > y
	case OpGTE:
		return x >= y
	case OpLT:
		return x < y
	case OpLTE:
		return x <= y
	}
	return false
}

func refTest(op Op, t, u string) bool {
	switch op {
	case OpRefEq:
		return t == u
	case OpRefContains:
		return strings.Contains(t, u)
	case OpRefStartsWith:
		return strings.HasPrefix(t, u)
	case OpRefEndsWith:
		return strings.HasSuffix(t, u)
	}
	return false
}

// collect appends the values that satisfied the true leaves of n.
func collect(n node, s *state, out *[]MatchedField) {
	switch n := n.(type) {
	case andNode:
		for _, c := range n {
			collect(c, s, out)
		}
	case orNode:
		for _, c := range n {
			if c.eval(s) {
				collect(c, s, out)
			}
		}
	case *leafNode:
		i := n.match(s)
		if i < 0 {
			return
		}
		f := MatchedField{Field: n.leaf.Field}
		d := s.get(n.slot)
		switch {
		case n.leaf.IsKeyword():
			f.Value = n.matchedKeyword(s, d)
		case n.leaf.Op == OpExists:
			if len(d.vals) > 0 {
				f.Value = d.vals[0].text
			}
		default:
			f.Value = d.vals[i].text
			if n.leaf.Op == OpIOC || n.leaf.Op == OpLookup {
				n.intelHit(s, d, i, &f)
			}
		}
		for _, o := range *out {
			if o == f {
				return
			}
		}
		*out = append(*out, f)
	}
}

// matchedKeyword returns the first keyword of a keyword leaf found in the
// record text.
func (n *leafNode) matchedKeyword(s *state, d *slotData) string {
	l := n.leaf
	for k := range l.Values {
		one := *l
		one.Values = l.Values[k : k+1]
		if l.Globs != nil {
			one.Globs = l.Globs[k : k+1]
		}
		if l.res != nil {
			one.res = l.res[k : k+1]
		}
		c := leafNode{leaf: &one, slot: n.slot, texts: one.Values}
		for i := range d.vals {
			if c.matchValue(s, d, i) {
				return l.Values[k]
			}
		}
	}
	return ""
}

// compiler turns Exprs into nodes for one log type, sharing slots.
type compiler struct {
	lt        *schema.LogType
	slotByKey map[string]int
	slots     []*accessor
}

func (c *compiler) slot(path []string) int {
	ref := ResolveField(c.lt, path)
	k := ref.key()
	if i, ok := c.slotByKey[k]; ok {
		return i
	}
	c.slots = append(c.slots, newAccessor(ref))
	c.slotByKey[k] = len(c.slots) - 1
	return len(c.slots) - 1
}

func (c *compiler) compile(x Expr) node {
	switch x := x.(type) {
	case And:
		kids := make(andNode, len(x))
		for i, k := range x {
			kids[i] = c.compile(k)
		}
		sort.SliceStable(kids, func(i, j int) bool { return kids[i].cost() < kids[j].cost() })
		return kids
	case Or:
		kids := make(orNode, len(x))
		for i, k := range x {
			kids[i] = c.compile(k)
		}
		sort.SliceStable(kids, func(i, j int) bool { return kids[i].cost() < kids[j].cost() })
		return kids
	case Not:
		return notNode{x: c.compile(x.X)}
	case *Leaf:
		return c.compileLeaf(x)
	}
	panic(fmt.Sprintf("rules: unknown expression %T", x))
}

func (c *compiler) compileLeaf(l *Leaf) *leafNode {
	n := &leafNode{leaf: l, slot: c.slot(l.Path), ref: -1}
	acc := c.slots[n.slot]
	n.numeric = acc.numeric
	if l.Op.IsRef() {
		n.ref = c.slot(splitPath(l.Values[0]))
	}
	if l.Op == OpEq {
		for _, v := range l.Values {
			if f, ok := eqNumber(v); ok {
				n.nums = append(n.nums, f)
			}
			n.texts = append(n.texts, v)
		}
		if len(n.texts) > 8 {
			n.set = make(map[string]struct{}, len(n.texts))
			for _, t := range n.texts {
				n.set[t] = struct{}{}
			}
		}
	}
	if l.Op == OpIOC {
		n.iocTypes = l.IOCTypes()
	}
	n.c = leafCost(l, acc)
	return n
}

// leafCost is a rough relative cost, used to try cheap tests first.
func leafCost(l *Leaf, a *accessor) int {
	c := map[Op]int{OpExists: 1, OpEq: 2, OpStartsWith: 3, OpEndsWith: 3, OpGT: 3, OpGTE: 3,
		OpLT: 3, OpLTE: 3, OpContains: 4, OpCIDR: 6, OpGlob: 8, OpRegex: 20,
		OpRefEq: 6, OpRefContains: 8, OpRefStartsWith: 8, OpRefEndsWith: 8, OpIOC: 10, OpLookup: 5}[l.Op]
	if l.Op != OpEq {
		c += len(l.Values) / 2
	}
	switch a.ref.Where {
	case InJSON, InExtras:
		c += 4
	case InText:
		c += 40
	}
	return c
}

// buildIndex chooses, for each rule, one field whose values every match
// requires, and indexes the rule under those values.
func (tm *typeMatcher) buildIndex() {
	opts := make([]map[int][]string, len(tm.rules))
	count := map[int]int{}
	for i, cr := range tm.rules {
		opts[i] = tm.requirements(cr.root)
		for slot := range opts[i] {
			count[slot]++
		}
	}
	bySlot := map[int]*fieldIndex{}
	for i := range tm.rules {
		best, bestN := -1, 0
		for slot, vals := range opts[i] {
			n := count[slot]
			if best < 0 || n > bestN || (n == bestN && (len(vals) < len(opts[i][best]) || (len(vals) == len(opts[i][best]) && slot < best))) {
				best, bestN = slot, n
			}
		}
		if best < 0 {
			tm.always = append(tm.always, int32(i))
			continue
		}
		ix := bySlot[best]
		if ix == nil {
			ix = &fieldIndex{slot: best, m: map[string][]int32{}}
			bySlot[best] = ix
		}
		for _, v := range opts[i][best] {
			ix.m[v] = append(ix.m[v], int32(i))
		}
	}
	for _, ix := range bySlot {
		tm.index = append(tm.index, *ix)
	}
	sort.Slice(tm.index, func(i, j int) bool { return tm.index[i].slot < tm.index[j].slot })
}

// requirements returns, per slot, a set of lowered values one of which the
// slot must have for n to hold. An empty map means no such requirement.
func (tm *typeMatcher) requirements(n node) map[int][]string {
	switch n := n.(type) {
	case *leafNode:
		l := n.leaf
		acc := tm.slots[n.slot]
		if l.Op != OpEq || acc.numeric || acc.ref.Where == InText || acc.ref.Where == InNowhere {
			return nil
		}
		if acc.ref.Where == InJSON || acc.ref.Where == InExtras {
			// JSON numbers compare numerically (1.50 equals 1.5), not
			// by the text an index looks up.
			for _, v := range l.Values {
				if _, ok := eqNumber(v); ok {
					return nil
				}
			}
		}
		vals := make([]string, len(l.Values))
		for i, v := range l.Values {
			vals[i] = strings.ToLower(v)
		}
		return map[int][]string{n.slot: vals}
	case andNode:
		out := map[int][]string{}
		for _, c := range n {
			for slot, vals := range tm.requirements(c) {
				if prev, ok := out[slot]; !ok || len(vals) < len(prev) {
					out[slot] = vals
				}
			}
		}
		return out
	case orNode:
		var out map[int][]string
		for i, c := range n {
			r := tm.requirements(c)
			if i == 0 {
				out = r
				continue
			}
			merged := map[int][]string{}
			for slot, vals := range out {
				if more, ok := r[slot]; ok {
					merged[slot] = append(append([]string(nil), vals...), more...)
				}
			}
			out = merged
			if len(out) == 0 {
				return nil
			}
		}
		return out
	}
	return nil
}

// Values returns the matched field values by field path; a keyword test's
// value is under "keyword". A field matched more than once keeps its last
// value.
func (m Match) Values() map[string]any {
	if len(m.Fields) == 0 {
		return nil
	}
	out := make(map[string]any, len(m.Fields))
	for _, f := range m.Fields {
		k := f.Field
		if k == "" {
			k = "keyword"
		}
		out[k] = f.Value
		addIntelValues(out, f)
	}
	return out
}
