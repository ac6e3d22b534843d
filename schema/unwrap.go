package schema

import (
	"fmt"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// payload splits an inflated payload into units: one JSON document, the
// log events of a CloudWatch Logs subscription, or lines. A payload that
// is neither is one unclassified record.
func (c *Classifier) payload(data []byte) {
	t := trimSpace(data)
	if len(t) == 0 {
		return
	}
	if t[0] == '{' || t[0] == '[' {
		doc, err := c.docs[0].ParseBytes(t)
		if err == nil {
			if !c.cloudWatchLogs(doc) {
				c.unit(t, doc, nil, nil, 0, nil)
			}
			return
		}
		if spansLines(t) {
			// A document spread over lines that does not parse: one
			// broken document, not many broken lines.
			c.unclassified(data, "payload is not valid JSON: "+err.Error())
			return
		}
	}
	if looksBinary(t) {
		c.unclassified(data, "payload is binary data, not text, JSON, gzip or zlib")
		return
	}
	SplitLines(data, func(line []byte) error {
		c.line(line, nil, 0)
		return nil
	})
}

// looksBinary reports whether the start of t is not text: a NUL byte, or
// more than a tenth of control bytes and invalid UTF-8.
func looksBinary(t []byte) bool {
	if len(t) > 4096 {
		t = t[:4096]
	}
	bad, n := 0, 0
	for len(t) > 0 {
		r, w := utf8.DecodeRune(t)
		switch {
		case r == 0:
			return true
		case r == utf8.RuneError && w == 1 && len(t) >= utf8.UTFMax:
			bad++
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' && r != '\v', r == 0x7f:
			bad++
		}
		n++
		t = t[w:]
	}
	return bad*10 > n
}

// cloudWatchLogs classifies each log event of a CloudWatch Logs
// subscription payload and reports whether doc was one.
func (c *Classifier) cloudWatchLogs(doc *fastjson.Value) bool {
	if doc.Type() != fastjson.TypeObject {
		return false
	}
	mt, events := doc.Get("messageType"), doc.Get("logEvents")
	if mt == nil || mt.Type() != fastjson.TypeString || events == nil || events.Type() != fastjson.TypeArray {
		return false
	}
	if b, _ := mt.StringBytes(); string(b) == "CONTROL_MESSAGE" {
		return true // the subscription's connectivity check; no log data
	}
	arr, _ := events.Array()
	for i, ev := range arr {
		m := ev.Get("message")
		if m == nil || m.Type() != fastjson.TypeString {
			c.unclassified(appendCanonicalJSON(nil, ev), fmt.Sprintf("CloudWatch Logs event %d has no message string", i))
			continue
		}
		b, _ := m.StringBytes()
		c.line(b, doc, 1)
	}
	return true
}

// line classifies one line or log message: as JSON when it is a JSON
// value, else as text.
func (c *Classifier) line(b []byte, outer *fastjson.Value, depth int) {
	if len(b) > c.maxRec {
		c.unclassified(b, fmt.Sprintf("record is %d bytes, limit %d", len(b), c.maxRec))
		return
	}
	t := trimSpace(b)
	if len(t) == 0 {
		return
	}
	var jerr error
	if t[0] == '{' || t[0] == '[' {
		doc, err := c.docs[depth].ParseBytes(t)
		if err == nil {
			c.unit(t, doc, nil, outer, depth, nil)
			return
		}
		jerr = err
	}
	c.unit(trimLine(b), nil, jerr, outer, depth, nil)
}
