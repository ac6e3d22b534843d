package intel

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Table is an immutable named key→value table. Keys compare
// case-insensitively (lowered with strings.ToLower, as rules compare
// text); values are kept as written.
type Table struct {
	Name   string
	Origin string
	Loaded time.Time
	m      map[string]string
	keys   []string // as written, in file order
}

// Len returns the number of keys.
func (t *Table) Len() int { return len(t.m) }

// Get returns the value of key.
func (t *Table) Get(key string) (string, bool) {
	v, ok := t.m[strings.ToLower(key)]
	return v, ok
}

func lower(s string) string { return strings.ToLower(s) }

// GetLower returns the value of a key already lowered with strings.ToLower.
func (t *Table) GetLower(key string) (string, bool) {
	v, ok := t.m[key]
	return v, ok
}

// Each calls fn for every key (as written) and value, in file order.
func (t *Table) Each(fn func(key, value string) bool) {
	for _, k := range t.keys {
		if !fn(k, t.m[strings.ToLower(k)]) {
			return
		}
	}
}

// ParseTable reads a lookup table: CSV with a header whose first two
// columns are the key and the value (key,value), or JSON, either an object
// of key → value or a list of {"key": …, "value": …}. Values that are not
// strings in JSON are kept as their JSON text. A key given twice is an
// error.
func ParseTable(name, origin string, data []byte, now time.Time) (*Table, error) {
	t := &Table{Name: name, Origin: origin, Loaded: now, m: map[string]string{}}
	add := func(where, k, v string) error {
		if k == "" {
			return fmt.Errorf("%s: empty key", where)
		}
		lk := strings.ToLower(k)
		if _, dup := t.m[lk]; dup {
			return fmt.Errorf("%s: key %q given twice", where, k)
		}
		t.m[lk] = v
		t.keys = append(t.keys, k)
		return nil
	}
	switch strings.ToLower(filepath.Ext(origin)) {
	case ".csv":
		r := csv.NewReader(bufio.NewReader(bytes.NewReader(data)))
		r.Comment = '#'
		r.FieldsPerRecord = -1
		head, err := r.Read()
		if err != nil {
			return nil, fmt.Errorf("%s: a lookup CSV needs a header (key,value): %w", origin, err)
		}
		if len(head) < 2 {
			return nil, fmt.Errorf("%s:1: header: want key,value", origin)
		}
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", origin, err)
			}
			line, _ := r.FieldPos(0)
			if len(rec) != len(head) {
				return nil, fmt.Errorf("%s:%d: %d fields, the header has %d", origin, line, len(rec), len(head))
			}
			if err := add(fmt.Sprintf("%s:%d", origin, line), strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])); err != nil {
				return nil, err
			}
		}
	case ".json":
		trim := bytes.TrimSpace(data)
		if len(trim) > 0 && trim[0] == '[' {
			var rows []struct {
				Key   *string         `json:"key"`
				Value json.RawMessage `json:"value"`
			}
			if err := json.Unmarshal(data, &rows); err != nil {
				return nil, fmt.Errorf("%s: want an object of key → value or a list of {key, value}: %w", origin, err)
			}
			for i, r := range rows {
				if r.Key == nil {
					return nil, fmt.Errorf("%s: element %d has no key", origin, i)
				}
				if err := add(fmt.Sprintf("%s: element %d", origin, i), *r.Key, jsonText(r.Value)); err != nil {
					return nil, err
				}
			}
			break
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		if err := expectDelim(dec, '{'); err != nil {
			return nil, fmt.Errorf("%s: want an object of key → value or a list of {key, value}: %w", origin, err)
		}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", origin, lineAt(data, dec.InputOffset()), err)
			}
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", origin, lineAt(data, dec.InputOffset()), err)
			}
			if err := add(fmt.Sprintf("%s:%d", origin, lineAt(data, dec.InputOffset())), tok.(string), jsonText(v)); err != nil {
				return nil, err
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, fmt.Errorf("%s: %w", origin, err)
		}
	default:
		return nil, fmt.Errorf("%s: a lookup table is a .csv or .json file", origin)
	}
	return t, nil
}

// jsonText is a JSON string's value, or any other value's JSON text.
func jsonText(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(bytes.TrimSpace(v))
}

// LoadTable reads a lookup table file of fsys.
func LoadTable(fsys fs.FS, path, origin, name string, now time.Time) (*Table, error) {
	data, err := fs.ReadFile(fsys, path)
	if err != nil {
		return nil, err
	}
	return ParseTable(name, origin, data, now)
}

// Lookups holds the active lookup tables; replacing one is an atomic swap.
// It is safe for concurrent use.
type Lookups struct {
	mu  sync.Mutex
	cur atomic.Pointer[map[string]*Table]
}

// NewLookups returns an empty set of tables.
func NewLookups() *Lookups {
	l := &Lookups{}
	l.cur.Store(&map[string]*Table{})
	return l
}

// Replace installs t under its name.
func (l *Lookups) Replace(t *Table) {
	l.mu.Lock()
	defer l.mu.Unlock()
	next := map[string]*Table{}
	for k, v := range *l.cur.Load() {
		next[k] = v
	}
	next[t.Name] = t
	l.cur.Store(&next)
}

// Table returns the table of that name, or nil.
func (l *Lookups) Table(name string) *Table { return (*l.cur.Load())[name] }

// Get returns the value of key in the named table.
func (l *Lookups) Get(table, key string) (string, bool) {
	t := l.Table(table)
	if t == nil {
		return "", false
	}
	return t.Get(key)
}

// Names returns the table names, sorted.
func (l *Lookups) Names() []string {
	var out []string
	for k := range *l.cur.Load() {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
