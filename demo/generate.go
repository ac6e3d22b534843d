package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// The log types the demo writes, in the order their batches are sent.
const (
	CloudTrail = "cloudtrail:events"
	VPCFlow    = "aws:vpc_flow"
	LinuxAuth  = "linux:auth"
	Osquery    = "osquery:differential"
	Okta       = "okta:system"
	Nginx      = "nginx:access"
)

// LogTypes lists the demo's log types in sending order.
var LogTypes = []string{CloudTrail, VPCFlow, LinuxAuth, Osquery, Okta, Nginx}

// DefaultRecords is the size of the default demo day.
const DefaultRecords = 20000

// shares is how the benign volume splits over the log types: network and
// web traffic dominate, people and machines fill the rest.
var shares = map[string]float64{
	VPCFlow:    0.36,
	Nginx:      0.24,
	CloudTrail: 0.16,
	LinuxAuth:  0.08,
	Okta:       0.08,
	Osquery:    0.08,
}

// Batch is one delivery of records of one log type, as a source would send
// it: an hour of CloudTrail as one {"Records":[…]} file, an hour of flow
// log or auth log lines, and so on.
type Batch struct {
	// Source is the configured source (sources.yaml) the batch arrives on.
	Source  string
	LogType string
	// Hour is the start of the hour the batch's records happened in.
	Hour    time.Time
	Records int
	Payload []byte
}

// Counts adds up the records per log type.
func Counts(batches []Batch) map[string]int {
	out := map[string]int{}
	for _, b := range batches {
		out[b.LogType] += b.Records
	}
	return out
}

// Generate writes a day of logs: about records records in all (never fewer
// than the story needs), for the UTC day that day falls in. The same seed,
// size and day always give the same batches, byte for byte.
func Generate(seed int64, records int, day time.Time) []Batch {
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	story := storyEvents(day)
	benign := max(records-story.total(), 0)

	// Each log type draws from its own stream, so the size of one does
	// not shift the content of another.
	streams := rand.New(rand.NewPCG(uint64(seed), 0x5eed_de70))
	world := newCompany(newGen(streams.Uint64(), day))
	gens := map[string]func(*gen, *company, int, *collector){
		CloudTrail: genCloudTrail,
		VPCFlow:    genVPCFlow,
		LinuxAuth:  genLinuxAuth,
		Osquery:    genOsquery,
		Okta:       genOkta,
		Nginx:      genNginx,
	}
	left := benign
	var out []Batch
	perType := map[string][]event{}
	for i, lt := range LogTypes {
		n := int(float64(benign)*shares[lt] + 0.5)
		if i == len(LogTypes)-1 {
			n = left
		}
		n = min(n, left)
		left -= n
		g := newGen(streams.Uint64(), day)
		c := newCollector(g)
		for _, e := range story.byType[lt] {
			c.mustAdd(e.t, e.line)
		}
		gens[lt](g, world, n, c)
		perType[lt] = c.sorted()
	}
	for h := 0; h < 24; h++ {
		hour := day.Add(time.Duration(h) * time.Hour)
		for _, lt := range LogTypes {
			evs := perType[lt]
			i := 0
			for i < len(evs) && evs[i].t.Before(hour.Add(time.Hour)) {
				i++
			}
			if i == 0 {
				continue
			}
			out = append(out, Batch{Source: sourceOf(lt), LogType: lt, Hour: hour, Records: i, Payload: payload(lt, evs[:i])})
			perType[lt] = evs[i:]
		}
	}
	return out
}

// sourceOf names the configured source a log type arrives on: the auth log
// over syslog, the rest posted over HTTP.
func sourceOf(logType string) string {
	if logType == LinuxAuth {
		return "syslog"
	}
	return "http"
}

// payload joins the lines of one batch; CloudTrail comes as the S3 log
// file envelope.
func payload(logType string, evs []event) []byte {
	var b bytes.Buffer
	if logType == CloudTrail {
		b.WriteString(`{"Records":[`)
		for i, e := range evs {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
			b.Write(e.line)
		}
		b.WriteString("\n]}\n")
		return b.Bytes()
	}
	for _, e := range evs {
		b.Write(e.line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// event is one generated record.
type event struct {
	t    time.Time
	line []byte
	seq  int
}

// collector gathers one log type's records and keeps every raw record
// unique: a record's id is a hash of its bytes, and two identical lines
// would be one record to the alert store but two to a count.
type collector struct {
	g    *gen
	evs  []event
	seen map[string]bool
}

func newCollector(g *gen) *collector { return &collector{g: g, seen: map[string]bool{}} }

// add keeps a record unless the same bytes were already added.
func (c *collector) add(t time.Time, line []byte) bool {
	k := string(line)
	if c.seen[k] {
		return false
	}
	c.seen[k] = true
	c.evs = append(c.evs, event{t: t, line: line, seq: len(c.evs)})
	return true
}

func (c *collector) mustAdd(t time.Time, line []byte) {
	if !c.add(t, line) {
		panic(fmt.Sprintf("demo: duplicate story record %s", line))
	}
}

func (c *collector) len() int { return len(c.evs) }

// sorted returns the records in time order (generation order on ties).
func (c *collector) sorted() []event {
	slices.SortStableFunc(c.evs, func(a, b event) int {
		if d := a.t.Compare(b.t); d != 0 {
			return d
		}
		return a.seq - b.seq
	})
	return c.evs
}

// jsonLine encodes v as one line of JSON without HTML escaping.
func jsonLine(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("demo: encode %T: %v", v, err))
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}
