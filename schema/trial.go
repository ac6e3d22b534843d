package schema

import (
	"errors"

	"github.com/valyala/fastjson"
)

// pending is a record a candidate did not accept, kept until the unit is
// settled.
type pending struct {
	raw   []byte          // the record's bytes; nil when they are elem's text
	elem  *fastjson.Value // the record's element in the unit's document
	emb   bool            // elem is a string holding the record
	f     failure
	cd    *candidate
	whole bool
}

// attempt is one candidate's go at one unit.
type attempt struct {
	cd       *candidate
	won      bool // it accepted at least one record
	rank     int  // the highest rank of its failures
	n        int  // records it found
	envelope bool // the records came from an array, or the parser took a unit without records: none is an answer
	held     *Record
	fails    []pending
}

func (a *attempt) reset(cd *candidate) {
	fails := a.fails[:0]
	clear(a.fails)
	*a = attempt{cd: cd, fails: fails}
}

func (a *attempt) fail(p pending) {
	p.cd = a.cd
	a.fails = append(a.fails, p)
	a.rank = max(a.rank, p.f.rank)
}

// unitState is the scratch memory of units at one depth.
type unitState struct {
	att   [2]attempt
	raws  []byte  // copies of text records that were not accepted
	text  []byte  // raw text of a pending JSON element
	tried []tried // every candidate's failure, for the reason
}

// unit classifies one unit: t is its text, doc its parsed JSON (nil when
// it is not JSON, jerr then saying why when it looked like JSON). With
// retry set, the unit is a record that retry.cd did not accept, tried
// alone against the other candidates: the result is then returned instead
// of being reported as unclassified.
func (c *Classifier) unit(t []byte, doc *fastjson.Value, jerr error, outer *fastjson.Value, depth int, retry *pending) (won bool, best *pending) {
	st := &c.states[depth]
	st.raws = st.raws[:0]
	clear(st.tried)
	st.tried = st.tried[:0]
	bestIdx, cur := -1, 0
	for _, cd := range c.list {
		if retry != nil && cd == retry.cd {
			continue
		}
		a := &st.att[cur]
		c.attempt(cd, a, t, doc, jerr, outer, depth, retry != nil)
		if a.won {
			if retry != nil {
				c.onRec(a.held)
				return true, nil
			}
			for i := range a.fails {
				c.settle(&a.fails[i], t, outer, depth)
			}
			return true, nil
		}
		if a.envelope && a.n == 0 {
			if retry != nil {
				continue // a record tried alone must become a record
			}
			return true, nil // an empty envelope or a csv header: no records, nothing to report
		}
		if retry == nil && len(a.fails) == 1 {
			p := &a.fails[0]
			elem := p.elem
			if elem == nil && p.whole {
				elem = doc
			}
			st.tried = append(st.tried, tried{cd: cd, rank: p.f.rank, msg: p.f.msg, elem: elem})
		}
		if bestIdx < 0 || a.rank > st.att[bestIdx].rank {
			bestIdx, cur = cur, 1-cur
		}
	}
	if bestIdx < 0 {
		if retry == nil {
			c.unclassified(t, "no log types to try")
		}
		return false, nil
	}
	b := &st.att[bestIdx]
	if retry != nil {
		if len(b.fails) == 0 {
			return false, nil
		}
		return false, &b.fails[0]
	}
	if len(b.fails) == 0 {
		// Every attempt fails a record or a unit, so this does not happen;
		// if it did, the unit would still not be dropped.
		c.unclassified(t, "no log type accepted it")
		return false, nil
	}
	if len(b.fails) == 1 && b.fails[0].f.rank != rankSize && len(st.tried) > 0 {
		// One record: name the closest candidates.
		p := &b.fails[0]
		c.unclassified(c.rawOf(p, t, depth), c.closestReason(st.tried))
		return false, nil
	}
	for i := range b.fails {
		p := &b.fails[i]
		c.unclassified(c.rawOf(p, t, depth), p.reason())
	}
	return false, nil
}

// attempt runs one candidate over a unit.
func (c *Classifier) attempt(cd *candidate, a *attempt, t []byte, doc *fastjson.Value, jerr error, outer *fastjson.Value, depth int, single bool) {
	a.reset(cd)
	if cd.perr != nil {
		a.fail(pending{raw: t, whole: true, f: failure{rankParse, "parser: " + cd.perr.Error()}})
		return
	}
	if cd.json != nil {
		if doc == nil {
			f := failure{rankNotJSON, "not JSON"}
			if jerr != nil {
				f = failure{rankParse, "not JSON: " + jerr.Error()}
			}
			a.fail(pending{raw: t, whole: true, f: f})
			return
		}
		a.envelope = cd.json.each(doc, t, outer, func(r *jsonRecord) bool {
			a.n++
			p := pending{elem: r.elem, whole: r.whole, emb: r.elem.Type() == fastjson.TypeString}
			if r.whole {
				p.raw = t
			}
			if single && a.n > 1 {
				a.won, a.held = false, nil
				a.fail(pending{raw: t, whole: true, f: failure{rankParse, "holds more than one record"}})
				return false
			}
			if r.err != nil {
				p.f = failure{rankParse, r.err.Error()}
				a.fail(p)
				return true
			}
			raw, canonRaw := r.raw, true
			if r.obj != r.base {
				// The record was merged with its envelope; its raw text
				// is that of the record alone.
				c.envRaw = appendCanonicalJSON(c.envRaw[:0], r.base)
				raw, canonRaw = c.envRaw, false
			}
			rec, f := c.tryRecord(cd, raw, r.obj, canonRaw)
			if rec == nil {
				p.f = f
				a.fail(p)
				return true
			}
			a.won = true
			if single {
				a.held = rec
			} else {
				c.onRec(rec)
			}
			return true
		})
		return
	}
	if cd.lt.Parser.JSONRecords && doc != nil && doc.Type() == fastjson.TypeObject {
		a.n++
		rec, f := c.tryRecord(cd, t, c.jsonRecord(cd, doc), false)
		if rec == nil {
			a.fail(pending{raw: t, whole: true, f: f})
			return
		}
		a.won = true
		if single {
			a.held = rec
		} else {
			c.onRec(rec)
		}
		return
	}
	st := &c.states[depth]
	err := cd.text.Parse(t, func(raw []byte, obj *fastjson.Value) error {
		a.n++
		if single && a.n > 1 {
			a.won, a.held = false, nil
			a.fail(pending{raw: t, whole: true, f: failure{rankParse, "holds more than one record"}})
			return errStop
		}
		if cd.env && outer != nil {
			obj = c.withEnvelope(obj, cd.lt.Parser.EnvelopeKeys, outer)
		}
		rec, f := c.tryRecord(cd, raw, obj, false)
		if rec == nil {
			start := len(st.raws)
			st.raws = append(st.raws, raw...)
			a.fail(pending{raw: st.raws[start:len(st.raws):len(st.raws)], f: f})
			return nil
		}
		a.won = true
		if single {
			a.held = rec
		} else {
			c.onRec(rec)
		}
		return nil
	})
	switch {
	case err != nil && err != errStop && a.n == 0:
		a.fail(pending{raw: t, whole: true, f: failure{rankParse, err.Error()}})
	case err == nil && a.n == 0:
		a.envelope = true // the parser took the unit and it holds no record (a csv header)
	}
}

var errStop = errors.New("stop")

// withEnvelope returns obj with an "envelope" object holding keys taken
// from the enclosing document.
func (c *Classifier) withEnvelope(obj *fastjson.Value, keys []string, outer *fastjson.Value) *fastjson.Value {
	c.arena.Reset()
	env := c.arena.NewObject()
	for _, k := range keys {
		if v := outer.Get(k); v != nil {
			env.Set(k, v)
		}
	}
	merged := c.arena.NewObject()
	if o, err := obj.Object(); err == nil {
		o.Visit(func(k []byte, v *fastjson.Value) { merged.Set(bytesString(k), v) })
	}
	merged.Set("envelope", env)
	return merged
}

// settle retries a record the winning candidate did not accept against the
// other candidates, alone; failing that it becomes unclassified with the
// closer of the two reasons.
func (c *Classifier) settle(p *pending, t []byte, outer *fastjson.Value, depth int) {
	raw := c.rawOf(p, t, depth)
	if p.f.rank == rankSize || len(c.list) < 2 || depth+1 >= maxDepth {
		c.unclassified(raw, p.reason())
		return
	}
	var doc *fastjson.Value
	var jerr error
	switch {
	case p.elem != nil && !p.emb && (p.elem.Type() == fastjson.TypeObject || p.elem.Type() == fastjson.TypeArray):
		doc = p.elem
	default:
		if tt := trimSpace(raw); len(tt) > 0 && (tt[0] == '{' || tt[0] == '[') {
			doc, jerr = c.docs[depth+1].ParseBytes(tt)
		}
	}
	won, best := c.unit(raw, doc, jerr, outer, depth+1, p)
	if won {
		return
	}
	if best != nil && best.f.rank > p.f.rank {
		p = best
	}
	c.unclassified(raw, p.reason())
}

// rawOf returns the bytes of a pending record.
func (c *Classifier) rawOf(p *pending, t []byte, depth int) []byte {
	switch {
	case p.raw != nil:
		return p.raw
	case p.whole:
		return t
	case p.emb:
		b, _ := p.elem.StringBytes()
		return b
	case p.elem != nil:
		st := &c.states[depth]
		st.text = appendCanonicalJSON(st.text[:0], p.elem)
		return st.text
	}
	return t
}

// reason is the Unclassified reason of a failure.
func (p *pending) reason() string {
	if p.f.rank == rankSize || p.cd == nil {
		return p.f.msg
	}
	return p.cd.lt.Name + ": " + p.f.msg
}
