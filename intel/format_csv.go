package intel

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
)

// parseCSV reads type,value,source,expires rows. The header is required
// and names the columns (any order; type and value are required, source
// and expires optional). Lines starting with # are comments.
func parseCSV(b *Builder, origin string, in io.Reader) error {
	r := csv.NewReader(bufio.NewReaderSize(in, 1<<16))
	r.Comment = '#'
	r.ReuseRecord = true
	r.FieldsPerRecord = -1 // checked below, with a clearer message
	head, err := r.Read()
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: empty file: a CSV IOC file needs the header type,value,source,expires", origin)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", origin, err)
	}
	col := map[string]int{}
	line, _ := r.FieldPos(0)
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch h {
		case "type", "value", "source", "expires":
		default:
			return fmt.Errorf("%s:%d: header: unknown column %q (want type, value, source, expires)", origin, line, h)
		}
		if _, dup := col[h]; dup {
			return fmt.Errorf("%s:%d: header: column %q twice", origin, line, h)
		}
		col[h] = i
	}
	for _, need := range []string{"type", "value"} {
		if _, ok := col[need]; !ok {
			return fmt.Errorf("%s:%d: header: no %q column (the header is type,value,source,expires)", origin, line, need)
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return fmt.Errorf("%s:%d: %v", origin, pe.Line, pe.Err)
			}
			return fmt.Errorf("%s: %w", origin, err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) != len(head) {
			return fmt.Errorf("%s:%d: %d fields, the header has %d", origin, line, len(rec), len(head))
		}
		t, err := ParseType(get(rec, "type"))
		if err != nil {
			return fmt.Errorf("%s:%d: %w", origin, line, err)
		}
		exp, err := parseExpiry(get(rec, "expires"))
		if err != nil {
			return fmt.Errorf("%s:%d: expires: %w", origin, line, err)
		}
		if err := b.Add(t, get(rec, "value"), get(rec, "source"), exp); err != nil {
			return fmt.Errorf("%s:%d: %s: %w", origin, line, t, err)
		}
	}
}

// parseExpiry reads an RFC 3339 time or a date (midnight UTC); "" is never.
func parseExpiry(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time nor a date (YYYY-MM-DD)", s)
}

// parseList reads one value per line of type t (0: guessed per value);
// blank lines and lines starting with # are skipped, and text after " #"
// is a comment.
func parseList(b *Builder, origin string, in io.Reader, t Type) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if i := strings.Index(s, " #"); i >= 0 {
			s = strings.TrimSpace(s[:i])
		}
		if s == "" || s[0] == '#' {
			continue
		}
		typ := t
		if typ == 0 {
			g, err := Guess(s)
			if err != nil {
				return fmt.Errorf("%s:%d: %w (set the list's type in intel.yaml: lists: {%s: ip})", origin, line, err, filepath.Base(origin))
			}
			typ = g
		}
		if err := b.Add(typ, s, "", time.Time{}); err != nil {
			return fmt.Errorf("%s:%d: %s: %w", origin, line, typ, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s:%d: %w", origin, line+1, err)
	}
	return nil
}
