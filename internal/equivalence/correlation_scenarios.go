package equivalence

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// Templates are the record templates of testdata/correlation_templates.yaml.
type Templates struct {
	Templates map[string]Template `yaml:"templates"`
	Defaults  map[string]string   `yaml:"defaults"`
	Formats   map[string]string   `yaml:"formats"`
}

// Template is a raw record that one base rule matches.
type Template struct {
	LogType string `yaml:"log_type"`
	Time    string `yaml:"time"`
	Record  string `yaml:"record"`
}

// LoadTemplates reads a templates file.
func LoadTemplates(path string) (*Templates, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t Templates
	if err := yaml.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &t, nil
}

// Scenario is one planted group of one correlation rule.
type Scenario struct {
	Rule  string
	Kind  string // hit, repeat, ties, late, short, spread, disorder
	Group []string
	// Fires is how many alerts the scenario must raise.
	Fires int
}

// Key is the scenario's group as alerts name it (values joined by NUL).
func (s Scenario) Key() string { return s.Rule + "\x00" + strings.Join(s.Group, "\x00") }

// Planted is a generated corpus: records in arrival order and the
// scenarios planted in it.
type Planted struct {
	Records   []*schema.Record // arrival order
	Scenarios []Scenario
	// MaxDelay is how far behind the latest event time a record arrives.
	MaxDelay time.Duration
}

// plannedEvent is one record to generate.
type plannedEvent struct {
	base  int
	at    time.Duration // after the start
	value string
	delay time.Duration // arrival after the record's time order
}

// Plant generates, for every correlation rule, groups that must fire
// (a burst or sequence just at the condition; twice, far apart; all in
// the same second; arriving out of order) and near misses that must not
// (one short of the condition; just outside the timespan; a sequence out
// of order), plus noise of single events in many groups.
func (t *Templates) Plant(corrs []*rules.Rule, reg rules.LogTypes, start time.Time, seed int64) (*Planted, error) {
	rng := rand.New(rand.NewSource(seed))
	p := &Planted{}
	cls := schema.NewClassifier(registryOf(reg))
	type arrival struct {
		rec *schema.Record
		at  time.Time
	}
	var arrivals []arrival
	n := 0
	groupNo := 0
	for _, r := range corrs {
		c := r.Correlation
		span := c.Timespan
		emit := func(kind string, fires int, evs []plannedEvent) error {
			groupNo++
			vals := make([]string, len(c.GroupBy))
			for j, g := range c.GroupBy {
				f, ok := t.Formats[g]
				if !ok {
					return fmt.Errorf("rule %s: no format for group-by %s", r.Name, g)
				}
				vals[j] = fmt.Sprintf(f, groupNo)
			}
			p.Scenarios = append(p.Scenarios, Scenario{Rule: r.Name, Kind: kind, Group: vals, Fires: fires})
			for _, ev := range evs {
				base := c.Bases[ev.base]
				tp, ok := t.Templates[base.Name]
				if !ok {
					return fmt.Errorf("rule %s: no template for base rule %s", r.Name, base.Name)
				}
				fields := map[string]string{}
				for j, g := range c.GroupBy {
					fields[c.GroupField(ev.base, g)] = vals[j]
				}
				if c.Field != "" {
					fields[c.Field] = ev.value
				}
				n++
				at := start.Add(ev.at)
				raw := t.fill(tp, at, n, fields)
				lt := reg.Get(tp.LogType)
				if lt == nil {
					return fmt.Errorf("template %s: unknown log type %s", base.Name, tp.LogType)
				}
				var got []*schema.Record
				var bad string
				err := cls.Classify([]byte(raw), schema.Input{Source: "planted", Types: []*schema.LogType{lt}, IngestTime: start.Add(48 * time.Hour)},
					func(rec *schema.Record) { got = append(got, rec) },
					func(u *schema.Unclassified) { bad = u.Reason })
				if err != nil || len(got) != 1 {
					return fmt.Errorf("template %s: %q did not classify (%v %s)", base.Name, raw, err, bad)
				}
				arrivals = append(arrivals, arrival{got[0], at.Add(ev.delay)})
				p.MaxDelay = max(p.MaxDelay, ev.delay)
			}
			return nil
		}
		k, value, err := crossing(c)
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.Name, err)
		}
		// An event at i of count k, spread over width.
		burst := func(count int, width, offset time.Duration, distinct bool) []plannedEvent {
			var evs []plannedEvent
			for i := 0; i < count; i++ {
				at := offset
				if count > 1 {
					at += width * time.Duration(i) / time.Duration(count-1)
				}
				base := i % len(c.Bases)
				v := value(i, distinct)
				evs = append(evs, plannedEvent{base: base, at: at, value: v})
			}
			return evs
		}
		sequence := func(order []int, width, offset time.Duration) []plannedEvent {
			var evs []plannedEvent
			for i, b := range order {
				at := offset
				if len(order) > 1 {
					at += width * time.Duration(i) / time.Duration(len(order)-1)
				}
				evs = append(evs, plannedEvent{base: b, at: at, value: value(i, true)})
			}
			return evs
		}
		inOrder := make([]int, len(c.Bases))
		for i := range inOrder {
			inOrder[i] = i
		}
		reversed := make([]int, len(c.Bases))
		for i := range reversed {
			reversed[i] = len(c.Bases) - 1 - i
		}
		half := span / 2
		off := time.Duration(rng.Intn(600)) * time.Second
		switch c.Type {
		case rules.Temporal, rules.TemporalOrdered:
			shuffled := append([]int(nil), inOrder...)
			if c.Type == rules.Temporal {
				rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			}
			late := sequence(shuffled, half, off)
			for i := range late {
				// arrive in reverse order
				late[i].delay = 2 * (half - (late[i].at - off))
			}
			again := append(sequence(shuffled, half, off), sequence(shuffled, half, off+3*span)...)
			for _, err := range []error{
				emit("hit", 1, sequence(shuffled, span, off)),
				emit("repeat", 2, again),
				emit("late", 1, late),
				emit("spread", 0, sequence(shuffled, span+time.Second, off)),
				emit("short", 0, sequence(shuffled[:len(shuffled)-1], half, off)),
			} {
				if err != nil {
					return nil, err
				}
			}
			if c.Type == rules.TemporalOrdered {
				if err := emit("disorder", 0, sequence(reversed, half, off)); err != nil {
					return nil, err
				}
			}
		default:
			late := burst(k, half, off, true)
			for i := range late {
				late[i].delay = 2 * (half - (late[i].at - off))
			}
			for _, err := range []error{
				emit("hit", 1, burst(k, span, off, true)),
				emit("repeat", 2, append(burst(k, half, off, true), burst(k, half, off+3*span, true)...)),
				emit("ties", 1, burst(k, 0, off, true)),
				emit("late", 1, late),
			} {
				if err != nil {
					return nil, err
				}
			}
			if k > 1 {
				if err := emit("short", 0, burst(k-1, half, off, true)); err != nil {
					return nil, err
				}
				if err := emit("spread", 0, burst(k, span+time.Second, off, true)); err != nil {
					return nil, err
				}
			}
		}
		// Noise: single events in groups of their own.
		for i := 0; i < 3; i++ {
			if err := emit("noise", boolInt(k == 1 && c.Type != rules.Temporal && c.Type != rules.TemporalOrdered),
				[]plannedEvent{{base: rng.Intn(len(c.Bases)), at: time.Duration(rng.Intn(3600)) * time.Second, value: value(0, true)}}); err != nil {
				return nil, err
			}
		}
	}
	sort.SliceStable(arrivals, func(i, j int) bool { return arrivals[i].at.Before(arrivals[j].at) })
	for _, a := range arrivals {
		p.Records = append(p.Records, a.rec)
	}
	return p, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// crossing returns the number of events k at which the rule's condition
// starts to hold, and the value of the i-th event (distinct values for
// value_count; equal numbers for value_sum and value_avg).
func crossing(c *rules.Correlation) (int, func(i int, distinct bool) string, error) {
	distinctValue := func(i int, _ bool) string { return strconv.Itoa(1000 + i) }
	switch c.Type {
	case rules.EventCount, rules.ValueCount:
		for k := 1; k <= 10000; k++ {
			if c.Condition.Holds(float64(k)) && !c.Condition.Holds(float64(k-1)) {
				return k, distinctValue, nil
			}
		}
		return 0, nil, fmt.Errorf("no count up to 10000 crosses %s", c.Condition)
	case rules.ValueSum:
		// 4 equal values: the sum crosses at the fourth.
		for _, b := range c.Condition.Bounds() {
			bound, _ := strconv.ParseFloat(b[1], 64)
			x := math.Floor(bound/4) + 1
			if c.Condition.Holds(4*x) && !c.Condition.Holds(3*x) {
				v := strconv.FormatFloat(x, 'f', -1, 64)
				return 4, func(int, bool) string { return v }, nil
			}
		}
		return 0, nil, fmt.Errorf("no plan for value_sum %s", c.Condition)
	case rules.ValueAvg:
		for x := 0.0; x < 1e7; x = math.Max(1, x*2) {
			if c.Condition.Holds(x) {
				v := strconv.FormatFloat(x, 'f', -1, 64)
				return 1, func(int, bool) string { return v }, nil
			}
		}
		return 0, nil, fmt.Errorf("no plan for value_avg %s", c.Condition)
	case rules.Temporal, rules.TemporalOrdered:
		return len(c.Bases), distinctValue, nil
	}
	return 0, nil, fmt.Errorf("unknown type %s", c.Type)
}

// fill writes a template's record.
func (t *Templates) fill(tp Template, at time.Time, n int, fields map[string]string) string {
	var b strings.Builder
	s := tp.Record
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			b.WriteString(s)
			break
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		name := s[i+2 : i+j]
		switch {
		case name == "time" && tp.Time == "unix":
			b.WriteString(strconv.FormatInt(at.Unix(), 10))
		case name == "time":
			b.WriteString(at.UTC().Format(tp.Time))
		case name == "n":
			b.WriteString(strconv.Itoa(n))
		default:
			v, ok := fields[name]
			if !ok {
				v = t.Defaults[name]
			}
			b.WriteString(v)
		}
		s = s[i+j+2:]
	}
	return b.String()
}

// registryOf returns reg as a registry for the classifier.
func registryOf(reg rules.LogTypes) *schema.Registry {
	if r, ok := reg.(*schema.Registry); ok {
		return r
	}
	r, err := schema.NewRegistry(reg.All())
	if err != nil {
		panic(err) // the log types came from a registry
	}
	return r
}
