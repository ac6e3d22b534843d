package schema

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// newParser builds the parser named by cfg.Type; cfg has passed check.
func newParser(cfg ParserConfig, fields []Field) (Parser, error) {
	switch cfg.Type {
	case "json":
		return newJSONParser(cfg, fields)
	case "csv":
		return asParser(newCSVParser(cfg, fields))
	case "kv":
		return asParser(newKVParser(cfg))
	case "syslog":
		return asParser(newSyslogParser(cfg))
	case "regex":
		return asParser(newRegexParser(cfg))
	}
	return nil, fmt.Errorf("unknown parser type %q", cfg.Type)
}

// asParser returns a nil interface, not a typed nil pointer, on error.
func asParser[P Parser](p P, err error) (Parser, error) {
	if err != nil {
		return nil, err
	}
	return p, nil
}

// A PayloadResetter is a Parser that carries state from unit to unit: the
// csv parser with header remembers the header line. Calling ResetPayload
// before the first unit of a payload (an S3 object, a file) makes each
// payload bring its own header; not calling it lets a header seen in one
// payload name the lines of the next.
type PayloadResetter interface {
	ResetPayload()
}

// recordBuilder builds the fastjson object of one text record, reusing its
// memory from record to record.
//
// Values without a quote, backslash or control byte are stored in the arena
// verbatim. Other values cannot go through the arena: it escapes them with
// Go's strconv.Quote rules, which are not JSON's (\x1b, \v, invalid UTF-8
// become escapes that read back as different text). Those values are
// JSON-escaped (appendJSONQuoted) into one array, parsed once per record by
// a fastjson Parser, and put in place by finish, so every value reads back
// exactly as it appeared in the line.
type recordBuilder struct {
	arena   fastjson.Arena
	exact   fastjson.Parser
	escaped []byte         // JSON array text of the values needing escapes
	pending []pendingValue // where each of those values goes
	keys    map[string]string
	recent  []string // recent[i]: the key last seen at position i (keyAt)
}

type pendingValue struct {
	obj         *fastjson.Value
	key         string
	placeholder *fastjson.Value
}

// maxInternedKeys bounds the key cache of a builder, so that a source with
// ever-changing keys cannot grow it without limit.
const maxInternedKeys = 4096

// begin resets the builder and returns the new record's empty object.
func (b *recordBuilder) begin() *fastjson.Value {
	b.arena.Reset()
	b.escaped = b.escaped[:0]
	clear(b.pending)
	b.pending = b.pending[:0]
	return b.arena.NewObject()
}

// object returns a new empty object for nesting inside the record.
func (b *recordBuilder) object() *fastjson.Value { return b.arena.NewObject() }

// set stores the string val under key in obj; a later set of the same key
// replaces the value.
func (b *recordBuilder) set(obj *fastjson.Value, key string, val []byte) {
	if !needsJSONEscape(val) {
		obj.Set(key, b.arena.NewStringBytes(val))
		return
	}
	// A distinct placeholder keeps the key's position and lets finish see
	// whether a later set replaced it.
	ph := b.arena.NewNumberInt(len(b.pending))
	obj.Set(key, ph)
	if len(b.pending) == 0 {
		b.escaped = append(b.escaped, '[')
	} else {
		b.escaped = append(b.escaped, ',')
	}
	b.escaped = appendJSONQuoted(b.escaped, val)
	b.pending = append(b.pending, pendingValue{obj: obj, key: key, placeholder: ph})
}

// setString is set for a value held as a string (no copy is made of s
// beyond the arena's).
func (b *recordBuilder) setString(obj *fastjson.Value, key, s string) {
	if !needsJSONEscapeString(s) {
		obj.Set(key, b.arena.NewString(s))
		return
	}
	b.set(obj, key, []byte(s))
}

// finish puts the escaped values in place. The record is complete after it.
func (b *recordBuilder) finish() error {
	if len(b.pending) == 0 {
		return nil
	}
	b.escaped = append(b.escaped, ']')
	v, err := b.exact.ParseBytes(b.escaped)
	if err != nil {
		// appendJSONQuoted only writes valid JSON strings; this is a bug.
		return fmt.Errorf("internal error: escaped values do not parse: %v", err)
	}
	arr, _ := v.Array()
	if len(arr) != len(b.pending) {
		return fmt.Errorf("internal error: %d escaped values, want %d", len(arr), len(b.pending))
	}
	for i, p := range b.pending {
		if p.obj.Get(p.key) == p.placeholder {
			p.obj.Set(p.key, arr[i])
		}
	}
	return nil
}

// key returns k as a string, reusing the string of a key seen before so
// that steady-state parsing does not allocate for keys.
func (b *recordBuilder) key(k []byte) string {
	if s, ok := b.keys[string(k)]; ok {
		return s
	}
	s := string(k)
	if b.keys == nil {
		b.keys = make(map[string]string)
	}
	if len(b.keys) < maxInternedKeys {
		b.keys[s] = s
	}
	return s
}

// keyAt is key for the i-th key of a record. Lines of one source tend to
// repeat their keys in the same order, so the key last seen at position i
// is compared first, which is cheaper than hashing.
func (b *recordBuilder) keyAt(i int, k []byte) string {
	if i < len(b.recent) && b.recent[i] == string(k) {
		return b.recent[i]
	}
	s := b.key(k)
	if i < 256 {
		for len(b.recent) <= i {
			b.recent = append(b.recent, "")
		}
		b.recent[i] = s
	}
	return s
}

// needsJSONEscape reports whether val holds a byte JSON would escape.
func needsJSONEscape(val []byte) bool {
	for _, c := range val {
		if c < 0x20 || c == '"' || c == '\\' {
			return true
		}
	}
	return false
}

func needsJSONEscapeString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			return true
		}
	}
	return false
}

// trimLine drops the line ending a unit may still carry.
func trimLine(unit []byte) []byte {
	unit = bytes.TrimSuffix(unit, []byte{'\n'})
	return bytes.TrimSuffix(unit, []byte{'\r'})
}

// excerpt quotes at most 60 bytes of b for an error message.
func excerpt(b []byte) string {
	const max = 60
	if len(b) <= max {
		return fmt.Sprintf("%q", b)
	}
	cut := max
	for cut > max-4 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return fmt.Sprintf("%q…", b[:cut])
}

// optionChar reads a one-byte parser option such as a delimiter or quote.
// "" gives def; `\t` written literally (as single-quoted YAML keeps it)
// means a tab.
func optionChar(name, s string, def byte) (byte, error) {
	switch {
	case s == "":
		return def, nil
	case s == `\t`:
		return '\t', nil
	case len(s) == 1 && s[0] != '\n' && s[0] != '\r':
		return s[0], nil
	}
	return 0, fmt.Errorf("%s %q must be a single ASCII character", name, s)
}

// optionString reads a non-empty string option (kv delimiter, separator).
func optionString(name, s, def string) (string, error) {
	switch {
	case s == "":
		return def, nil
	case s == `\t`:
		return "\t", nil
	case bytes.ContainsAny([]byte(s), "\r\n"):
		return "", fmt.Errorf("%s %q must not contain a line break", name, s)
	}
	return s, nil
}
