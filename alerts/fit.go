package alerts

import (
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Every service caps what it takes (docs/alerts.md, "Limits of the
// services", has the figures and their sources). An output fits each
// payload to its service: human text is cut with a visible marker, and a
// record too large is summarized, keeping the alert id, rule, key fields
// and a pointer to the full record (the alert store and the lake's alerts
// table). A page is never split into pieces.

// truncMarker ends text that was cut.
const truncMarker = " …[truncated]"

// chars is the length of s in UTF-16 code units: what Java and JavaScript
// services count as characters. It is never less than the number of code
// points, so a text within a limit in chars is within it either way.
func chars(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// clip cuts s to at most n chars (UTF-16 units), ending it with the
// truncation marker when it was cut.
func clip(s string, n int) string {
	return clipEscaped(s, n, nil)
}

// clipBytes cuts s to at most n bytes on a rune boundary, with the marker.
func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n < len(truncMarker) {
		return cutRunes(s, func(prefix string) bool { return len(prefix) <= n })
	}
	return cutRunes(s, func(prefix string) bool { return len(prefix)+len(truncMarker) <= n }) + truncMarker
}

// clipEscaped escapes s (esc may be nil) and cuts the raw text so that the
// escaped text plus the marker is at most n chars; an escape sequence is
// never cut in half.
func clipEscaped(s string, n int, esc func(string) string) string {
	if esc == nil {
		esc = func(s string) string { return s }
	}
	if e := esc(s); chars(e) <= n {
		return e
	}
	m := chars(truncMarker)
	if n < m {
		return esc(cutRunes(s, func(prefix string) bool { return chars(esc(prefix)) <= n }))
	}
	return esc(cutRunes(s, func(prefix string) bool { return chars(esc(prefix))+m <= n })) + truncMarker
}

// cutRunes returns the longest rune-boundary prefix of s that ok accepts
// (ok must hold for "" and be monotonic: true for every prefix of an
// accepted prefix), by binary search over byte offsets.
func cutRunes(s string, ok func(string) bool) string {
	lo, hi := 0, len(s)
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		for mid > lo && mid < len(s) && !utf8.RuneStart(s[mid]) {
			mid--
		}
		if mid == lo {
			_, size := utf8.DecodeRuneInString(s[lo:])
			if mid = lo + size; mid > hi {
				break
			}
		}
		if ok(s[:mid]) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return s[:lo]
}

// RecordPointer says where the full record of an alert is, for payloads
// that had to leave it out.
func RecordPointer(a *Alert) string {
	t := a.Created
	if t.IsZero() {
		t = time.Now()
	}
	return fmt.Sprintf("streamalert alerts show %s; lake table alerts, alert_id = '%s', dt = '%s'", a.ID, a.ID, t.UTC().Format("2006-01-02-15"))
}

// pointerOf is where a message that shows only part of a payload sends
// its reader: the payload's full_record, else the alert's pointer when the
// message cut something or the payload is of a merged alert (whose value
// lists the chat services do not show), else "".
func pointerOf(a *Alert, p map[string]any, cut bool) string {
	if ptr := pubString(p, "full_record"); ptr != "" {
		return ptr
	}
	if _, merged := p["merge"]; cut || merged {
		return RecordPointer(a)
	}
	return ""
}

// MinimalPayload is the payload of last resort: what a responder needs to
// act (title, severity, rule, alert id) and where the rest is. An output
// whose service refused the full payload sends this instead.
func MinimalPayload(a *Alert) map[string]any {
	p := map[string]any{
		"id":          a.ID,
		"rule":        a.Rule,
		"title":       clip(displayText(alertTitle(a)), 200),
		"severity":    a.Severity,
		"summary":     clip(displayText(alertTitle(a)+" ["+a.Severity+"]"), 200),
		"created":     a.Created.UTC().Format(time.RFC3339Nano),
		"event_time":  a.EventTime.UTC().Format(time.RFC3339Nano),
		"full_record": RecordPointer(a),
		"minimal":     true,
	}
	if strings.HasPrefix(a.Runbook, "https://") || strings.HasPrefix(a.Runbook, "http://") {
		p["runbook"] = clipBytes(a.Runbook, 1000)
	}
	return p
}

// shrinkSteps are the ever smaller versions of a payload fit tries: the
// byte budget of each bulky value and of the description.
var shrinkSteps = []struct{ bulk, text int }{
	{768 << 10, 32 << 10},
	{384 << 10, 32 << 10},
	{192 << 10, 32 << 10},
	{96 << 10, 16 << 10},
	{48 << 10, 16 << 10},
	{16 << 10, 4 << 10},
	{4 << 10, 2 << 10},
	{1 << 10, 1 << 10},
	{0, 500},
}

// bulkyFields are the payload values that can be any size.
var bulkyFields = []string{"record", "matched", "context", "key_values", "merge", "tags"}

// shrink returns a copy of a payload with each bulky value summarized to
// at most bulk bytes of JSON (0 drops it) and the description cut to text
// bytes; when anything was cut, full_record says where the rest is.
func shrink(a *Alert, p map[string]any, bulk, text int) map[string]any {
	out := maps.Clone(p)
	cut := false
	for _, k := range bulkyFields {
		v, ok := out[k]
		if !ok || v == nil {
			continue
		}
		if bulk == 0 && k != "key_values" {
			delete(out, k)
			cut = true
			continue
		}
		budget := bulk
		if k == "key_values" {
			budget = max(bulk, 1<<10) // key fields stay as long as anything does
		}
		sv, c := summarize(v, budget)
		out[k] = sv
		cut = cut || c
	}
	for _, k := range []string{"description", "summary", "title", "runbook"} {
		if s, ok := out[k].(string); ok && len(s) > text {
			out[k] = clipBytes(s, max(text, 200))
			cut = true
		}
	}
	if cut {
		out["full_record"] = RecordPointer(a)
		out["truncated"] = true
	}
	return out
}

// fitPayload returns the first of p and ever smaller versions of it that
// ok accepts, ending with the minimal payload; ok(nil, …) is never asked.
// It returns nil when not even the minimal payload is accepted.
func fitPayload(a *Alert, p map[string]any, ok func(map[string]any) bool) map[string]any {
	if ok(p) {
		return p
	}
	for _, s := range shrinkSteps {
		if q := shrink(a, p, s.bulk, s.text); ok(q) {
			return q
		}
	}
	if m := MinimalPayload(a); ok(m) {
		return m
	}
	return nil
}

// jsonSize is about the length of a value's JSON text, counted without
// encoding it (summarize asks it of every value at every step; the
// encoded body is what is finally checked against a limit).
func jsonSize(v any) int {
	switch x := v.(type) {
	case nil:
		return 4
	case bool:
		if x {
			return 4
		}
		return 5
	case string:
		return jsonStringSize(x)
	case float64:
		return len(strconv.FormatFloat(x, 'g', -1, 64))
	case int:
		return len(strconv.Itoa(x))
	case int64:
		return len(strconv.FormatInt(x, 10))
	case json.Number:
		return len(x)
	case map[string]any:
		n := 1 + len(x)
		for k, e := range x {
			n += jsonStringSize(k) + 1 + jsonSize(e)
		}
		return n
	case []any:
		n := 1 + max(len(x), 1)
		for _, e := range x {
			n += jsonSize(e)
		}
		return n
	}
	b, err := compactJSON(v)
	if err != nil {
		return len(plain(v))
	}
	return len(b)
}

// jsonStringSize is the length of a string as JSON text, escapes included.
func jsonStringSize(s string) int {
	n := 2
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t':
				n += 2
			case c < 0x20:
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1, r == '\u2028', r == '\u2029':
			n += 6
		default:
			n += size
		}
		i += size
	}
	return n
}

// summarize returns v cut to about budget bytes of JSON: long strings are
// clipped with the marker, objects keep their first keys (sorted) and
// arrays their first items, each with a note of how many were left out.
func summarize(v any, budget int) (any, bool) {
	out, _, cut := summarizeSized(v, budget)
	return out, cut
}

// summarizeSized is summarize that also returns the result's JSON size.
func summarizeSized(v any, budget int) (any, int, bool) {
	size := jsonSize(v)
	if size <= budget {
		return v, size, false
	}
	switch x := v.(type) {
	case string:
		s := clipBytes(x, max(budget-2, 32))
		return s, jsonStringSize(s), true
	case map[string]any:
		out := make(map[string]any, 8)
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		used, omitted := 2, 0
		const reserve = 64 // room for the omission note
		for _, k := range keys {
			ks := jsonStringSize(k) + 2
			room := budget - used - ks - reserve
			if room < 16 {
				omitted++
				continue
			}
			cv, cs, _ := summarizeSized(x[k], room)
			if cs > room {
				omitted++
				continue
			}
			out[k] = cv
			used += cs + ks
		}
		if omitted > 0 {
			out["…"] = fmt.Sprintf("%d of %d fields left out", omitted, len(keys))
		}
		return out, jsonSize(out), true
	case []any:
		out := make([]any, 0, 8)
		used, omitted := 2, 0
		const reserve = 48
		for _, item := range x {
			room := budget - used - 1 - reserve
			if room < 16 {
				omitted++
				continue
			}
			cv, cs, _ := summarizeSized(item, room)
			if cs > room {
				omitted++
				continue
			}
			out = append(out, cv)
			used += cs + 1
		}
		if omitted > 0 {
			out = append(out, fmt.Sprintf("… %d of %d items left out", omitted, len(x)))
		}
		return out, jsonSize(out), true
	case []string:
		items := make([]any, len(x))
		for i, s := range x {
			items[i] = s
		}
		return summarizeSized(items, budget)
	case map[string][]any:
		m := make(map[string]any, len(x))
		for k, vs := range x {
			m[k] = vs
		}
		return summarizeSized(m, budget)
	}
	// A number or bool larger than the budget: its text, clipped.
	s := clipBytes(plain(v), max(budget-2, 32))
	return s, jsonStringSize(s), true
}
