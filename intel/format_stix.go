package intel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// stixObject is the part of a STIX 2.1 object this package reads.
type stixObject struct {
	Type         string `json:"type"`
	ID           string `json:"id"`
	Name         string `json:"name"`
	Pattern      string `json:"pattern"`
	PatternType  string `json:"pattern_type"`
	ValidUntil   string `json:"valid_until"`
	Revoked      bool   `json:"revoked"`
	CreatedByRef string `json:"created_by_ref"`
	SpecVersion  string `json:"spec_version"`
}

// parseSTIX reads the indicators of a STIX 2.1 bundle. An indicator whose
// pattern is not simple comparisons OR-ed, whose pattern_type is not stix,
// or which is revoked is skipped and counted; an indicator whose pattern
// is not STIX at all, or whose value is not of its type, is an error naming
// its line. The source of an indicator is the name of the identity its
// created_by_ref names, when the bundle holds it.
func parseSTIX(b *Builder, origin string, data []byte) error {
	objs, lines, err := stixObjects(origin, data)
	if err != nil {
		return err
	}
	identities := map[string]string{}
	for _, o := range objs {
		if o.Type == "identity" && o.Name != "" {
			identities[o.ID] = o.Name
		}
	}
	for i, o := range objs {
		if o.Type != "indicator" {
			continue
		}
		where := fmt.Sprintf("%s:%d: indicator %s", origin, lines[i], o.ID)
		switch {
		case o.Revoked:
			b.Skip("revoked indicator", 1)
			continue
		case o.PatternType != "" && o.PatternType != "stix":
			b.Skip("pattern_type "+o.PatternType, 1)
			continue
		case o.Pattern == "":
			return fmt.Errorf("%s: no pattern", where)
		}
		var exp time.Time
		if o.ValidUntil != "" {
			exp, err = time.Parse(time.RFC3339Nano, o.ValidUntil)
			if err != nil {
				return fmt.Errorf("%s: valid_until %q is not an RFC 3339 time", where, o.ValidUntil)
			}
		}
		cs, err := ParseSTIXPattern(o.Pattern)
		var unsup *errUnsupported
		if errors.As(err, &unsup) {
			b.Skip("pattern with "+unsup.what, 1)
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: pattern %q: %w", where, o.Pattern, err)
		}
		// Check every value before adding any, so that an indicator is
		// taken whole or not at all.
		for _, c := range cs {
			if _, err := Normalize(c.Type, c.Value); err != nil {
				return fmt.Errorf("%s: pattern %q: %s: %w", where, o.Pattern, c.Type, err)
			}
		}
		src := identities[o.CreatedByRef]
		for _, c := range cs {
			if err := b.Add(c.Type, c.Value, src, exp); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		}
	}
	return nil
}

// stixObjects decodes the bundle's objects with the line each starts on.
func stixObjects(origin string, data []byte) ([]stixObject, []int, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	fail := func(err error) ([]stixObject, []int, error) {
		return nil, nil, fmt.Errorf("%s:%d: STIX bundle: %w", origin, lineAt(data, dec.InputOffset()), err)
	}
	if err := expectDelim(dec, '{'); err != nil {
		return fail(err)
	}
	var objs []stixObject
	var lines []int
	isBundle := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		key, _ := tok.(string)
		switch key {
		case "type":
			var t string
			if err := dec.Decode(&t); err != nil {
				return fail(err)
			}
			if t != "bundle" {
				return fail(fmt.Errorf("type is %q, not bundle", t))
			}
			isBundle = true
		case "objects":
			if err := expectDelim(dec, '['); err != nil {
				return fail(err)
			}
			var lc lineCounter
			for dec.More() {
				start := skipSpace(data, dec.InputOffset())
				var o stixObject
				if err := dec.Decode(&o); err != nil {
					return fail(fmt.Errorf("object %d: %w", len(objs), err))
				}
				objs = append(objs, o)
				lines = append(lines, lc.at(data, start))
			}
			if _, err := dec.Token(); err != nil {
				return fail(err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return fail(err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return fail(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fail(errors.New("text after the bundle"))
	}
	if !isBundle {
		return fail(errors.New(`no "type": "bundle"`))
	}
	return objs, lines, nil
}

func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != d {
		return fmt.Errorf("want %v, got %v", d, tok)
	}
	return nil
}

// skipSpace moves past white space and a comma, to where a value starts.
func skipSpace(data []byte, off int64) int64 {
	for off < int64(len(data)) && bytes.IndexByte([]byte(" \t\r\n,"), data[off]) >= 0 {
		off++
	}
	return off
}

// lineCounter finds the lines of increasing offsets in one pass.
type lineCounter struct {
	off  int64
	line int
}

func (c *lineCounter) at(data []byte, off int64) int {
	off = min(max(off, c.off), int64(len(data)))
	c.line += bytes.Count(data[c.off:off], []byte("\n"))
	c.off = off
	return c.line + 1
}

// lineAt is the 1-based line of a byte offset.
func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return bytes.Count(data[:off], []byte("\n")) + 1
}
