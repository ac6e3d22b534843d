package schema

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"github.com/valyala/fastjson"
)

// syslogParser reads one syslog message per line, in the formats of
// RFC 3164 (BSD) and RFC 5424.
//
//	<34>Oct 11 22:14:15 mymachine su[42]: 'su root' failed
//	<165>1 2003-10-11T22:14:15.003Z host app 1234 ID47 [ex@32473 a="1"] msg
//
// Keys: priority, facility, severity (decimal text), timestamp (as written),
// hostname, app_name, proc_id, msg_id (5424), structured_data (5424: an
// object {sd-id: {param: value}}; a repeated param keeps its last value),
// message. RFC 5424 NILVALUE ("-") fields are left out, as is a missing
// RFC 3164 hostname or tag. A UTF-8 BOM before a 5424 MSG is dropped.
//
// Format "" accepts both and requires <PRI>; "rfc5424" only 5424;
// "rfc3164" only 3164 and also lines without <PRI>, as written to
// /var/log files. RFC 3164 timestamps are "Mmm dd hh:mm:ss" (day padded
// with a space or zero, optional fraction) or an RFC 3339 timestamp as
// rsyslog writes them. The token after the timestamp is the hostname
// unless it ends in ':' or holds '[' (then it is the tag). The tag is
// `name[pid]:` or `name:`; without one the rest is the message.
type syslogParser struct {
	format string
	b      recordBuilder
	value  []byte // unescaped structured data value
}

func newSyslogParser(cfg ParserConfig) (*syslogParser, error) {
	switch cfg.Format {
	case "", "rfc3164", "rfc5424":
		return &syslogParser{format: cfg.Format}, nil
	}
	return nil, fmt.Errorf("syslog format %q (want rfc3164, rfc5424 or empty for either)", cfg.Format)
}

var (
	errSyslogNoPRI = errors.New("syslog: no <PRI> header")
	errNot5424     = errors.New("syslog: not RFC 5424 (no version after <PRI>)")
	errNot3164     = errors.New("syslog: RFC 5424 message, want RFC 3164")
)

// decimal holds "0".."191" so that PRI parts are set without allocating.
var decimal = func() (d [192]string) {
	for i := range d {
		d[i] = strconv.Itoa(i)
	}
	return d
}()

// Parse reads one message.
func (p *syslogParser) Parse(unit []byte, emit func(raw []byte, obj *fastjson.Value) error) error {
	line := trimLine(unit)
	obj := p.b.begin()
	rest := line
	hasPRI := len(rest) > 0 && rest[0] == '<'
	if hasPRI {
		pri, n, err := parsePRI(rest)
		if err != nil {
			return err
		}
		p.b.setString(obj, "priority", decimal[pri])
		p.b.setString(obj, "facility", decimal[pri/8])
		p.b.setString(obj, "severity", decimal[pri%8])
		rest = rest[n:]
	} else if p.format != "rfc3164" {
		return errSyslogNoPRI
	}
	var err error
	switch is5424 := hasPRI && hasVersion(rest); {
	case is5424 && p.format == "rfc3164":
		return errNot3164
	case !is5424 && p.format == "rfc5424":
		return errNot5424
	case is5424:
		err = p.parse5424(obj, rest)
	default:
		err = p.parse3164(obj, rest)
	}
	if err != nil {
		return err
	}
	if err := p.b.finish(); err != nil {
		return err
	}
	return emit(line, obj)
}

// parsePRI reads "<N>" with N in 0..191 and returns N and the header length.
func parsePRI(s []byte) (int, int, error) {
	n, i := 0, 1
	for i < len(s) && i <= 4 && isDigit(s[i]) {
		n = n*10 + int(s[i]-'0')
		i++
	}
	if i == 1 || i > 4 || i >= len(s) || s[i] != '>' || n > 191 {
		return 0, 0, fmt.Errorf("syslog: bad <PRI> header %s (want <0> to <191>)", excerpt(s[:min(len(s), 6)]))
	}
	return n, i + 1, nil
}

// hasVersion reports whether s starts with an RFC 5424 VERSION and a space.
func hasVersion(s []byte) bool {
	i := 0
	for i < len(s) && i < 3 && isDigit(s[i]) {
		i++
	}
	return i > 0 && s[0] != '0' && i < len(s) && s[i] == ' '
}

func (p *syslogParser) parse3164(obj *fastjson.Value, s []byte) error {
	n := bsdTimestampLen(s)
	if n == 0 {
		n = rfc3339Len(s)
	}
	if n == 0 || (n < len(s) && s[n] != ' ') {
		return fmt.Errorf("syslog: RFC 3164: no timestamp (Mmm dd hh:mm:ss or RFC 3339) at %s", excerpt(s))
	}
	p.b.set(obj, "timestamp", s[:n])
	s = skipSpaces(s[n:])
	if tok := s[:tokenLen(s)]; len(tok) > 0 && tok[len(tok)-1] != ':' && bytes.IndexByte(tok, '[') < 0 {
		p.b.set(obj, "hostname", tok)
		s = skipSpaces(s[len(tok):])
	}
	if app, pid, n, ok := splitTag(s); ok {
		p.b.set(obj, "app_name", app)
		if pid != nil {
			p.b.set(obj, "proc_id", pid)
		}
		s = s[n:]
		if len(s) > 0 && s[0] == ' ' {
			s = s[1:]
		}
	}
	p.b.set(obj, "message", s)
	return nil
}

// splitTag reads an RFC 3164 tag `name[pid]:` or `name:` at the start of s
// and returns its parts and length.
func splitTag(s []byte) (app, pid []byte, n int, ok bool) {
	tok := s[:tokenLen(s)]
	if len(tok) < 2 || tok[len(tok)-1] != ':' {
		return nil, nil, 0, false
	}
	name := tok[:len(tok)-1]
	if i := bytes.IndexByte(name, '['); i >= 0 {
		if name[len(name)-1] != ']' || i == 0 || i == len(name)-2 {
			return nil, nil, 0, false
		}
		name, pid = name[:i], name[i+1:len(name)-1]
		if bytes.IndexByte(pid, '[') >= 0 || bytes.IndexByte(pid, ']') >= 0 {
			return nil, nil, 0, false
		}
	}
	if bytes.IndexByte(name, ':') >= 0 || bytes.IndexByte(name, ']') >= 0 {
		return nil, nil, 0, false
	}
	return name, pid, len(tok), true
}

var months = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// bsdTimestampLen returns the length of a "Mmm dd hh:mm:ss[.frac]"
// timestamp at the start of s, or 0.
func bsdTimestampLen(s []byte) int {
	if len(s) < 15 {
		return 0
	}
	month := false
	for _, m := range months {
		if string(s[:3]) == m {
			month = true
			break
		}
	}
	if !month || s[3] != ' ' {
		return 0
	}
	var day int
	switch {
	case s[4] == ' ' && isDigit(s[5]):
		day = int(s[5] - '0')
	case isDigit(s[4]) && isDigit(s[5]):
		day = int(s[4]-'0')*10 + int(s[5]-'0')
	}
	if day < 1 || day > 31 || s[6] != ' ' || !clockAt(s[7:15]) {
		return 0
	}
	return 15 + fractionLen(s[15:])
}

// clockAt reports whether s is "hh:mm:ss".
func clockAt(s []byte) bool {
	return len(s) == 8 && twoDigits(s[0:2], 23) && s[2] == ':' && twoDigits(s[3:5], 59) &&
		s[5] == ':' && twoDigits(s[6:8], 60)
}

func twoDigits(s []byte, max int) bool {
	return isDigit(s[0]) && isDigit(s[1]) && int(s[0]-'0')*10+int(s[1]-'0') <= max
}

// fractionLen returns the length of ".digits" (1 to 9 digits) at s, or 0.
func fractionLen(s []byte) int {
	if len(s) < 2 || s[0] != '.' {
		return 0
	}
	i := 1
	for i < len(s) && i <= 9 && isDigit(s[i]) {
		i++
	}
	if i == 1 {
		return 0
	}
	return i
}

// rfc3339Len returns the length of an RFC 3339 timestamp
// (YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm)) at the start of s, or 0.
func rfc3339Len(s []byte) int {
	if len(s) < 20 {
		return 0
	}
	for _, i := range [...]int{0, 1, 2, 3, 5, 6, 8, 9} {
		if !isDigit(s[i]) {
			return 0
		}
	}
	if s[4] != '-' || s[7] != '-' || !twoDigits(s[5:7], 12) || !twoDigits(s[8:10], 31) ||
		s[10] != 'T' || !clockAt(s[11:19]) {
		return 0
	}
	n := 19 + fractionLen(s[19:])
	switch {
	case n < len(s) && s[n] == 'Z':
		return n + 1
	case n+6 <= len(s) && (s[n] == '+' || s[n] == '-') && twoDigits(s[n+1:n+3], 23) &&
		s[n+3] == ':' && twoDigits(s[n+4:n+6], 59):
		return n + 6
	}
	return 0
}

func (p *syslogParser) parse5424(obj *fastjson.Value, s []byte) error {
	s = s[bytes.IndexByte(s, ' ')+1:] // VERSION, checked by hasVersion
	for _, key := range [...]string{"timestamp", "hostname", "app_name", "proc_id", "msg_id"} {
		n := tokenLen(s)
		if n == len(s) {
			return fmt.Errorf("syslog: RFC 5424: line ends in the header, at %s", key)
		}
		tok := s[:n]
		for _, c := range tok {
			if c < 33 || c > 126 {
				return fmt.Errorf("syslog: RFC 5424: %s %s holds %q", key, excerpt(tok), c)
			}
		}
		if n == 0 {
			return fmt.Errorf("syslog: RFC 5424: empty %s (two spaces in the header)", key)
		}
		if key == "timestamp" && string(tok) != "-" && rfc3339Len(tok) != n {
			return fmt.Errorf("syslog: RFC 5424: timestamp %s is not RFC 3339", excerpt(tok))
		}
		if string(tok) != "-" {
			p.b.set(obj, key, tok)
		}
		s = s[n+1:]
	}
	switch {
	case len(s) > 0 && s[0] == '-':
		s = s[1:]
	case len(s) > 0 && s[0] == '[':
		rest, err := p.structuredData(obj, s)
		if err != nil {
			return err
		}
		s = rest
	default:
		return fmt.Errorf("syslog: RFC 5424: structured data must be - or [...], got %s", excerpt(s))
	}
	if len(s) == 0 {
		return nil
	}
	if s[0] != ' ' {
		return fmt.Errorf("syslog: RFC 5424: %s after the structured data, want a space", excerpt(s[:min(len(s), 10)]))
	}
	p.b.set(obj, "message", bytes.TrimPrefix(s[1:], utf8BOM))
	return nil
}

// structuredData reads SD-ELEMENTs at the start of s into
// obj.structured_data and returns what follows them.
func (p *syslogParser) structuredData(obj *fastjson.Value, s []byte) ([]byte, error) {
	sd := p.b.object()
	obj.Set("structured_data", sd)
	keys := 0 // ids and names seen, for keyAt
	for len(s) > 0 && s[0] == '[' {
		n := sdNameLen(s[1:])
		if n == 0 {
			return nil, fmt.Errorf("syslog: RFC 5424: structured data element %s has no id", excerpt(s[:min(len(s), 10)]))
		}
		id := p.b.keyAt(keys, s[1:1+n])
		keys++
		elem := sd.Get(id)
		if elem == nil {
			elem = p.b.object()
			sd.Set(id, elem)
		}
		s = s[1+n:]
		for {
			if len(s) == 0 {
				return nil, fmt.Errorf("syslog: RFC 5424: structured data element [%s has no closing ]", id)
			}
			if s[0] == ']' {
				s = s[1:]
				break
			}
			if s[0] != ' ' {
				return nil, fmt.Errorf("syslog: RFC 5424: element [%s: %q where a space or ] belongs", id, s[0])
			}
			s = s[1:]
			n := sdNameLen(s)
			if n == 0 || n+1 >= len(s) || s[n] != '=' || s[n+1] != '"' {
				return nil, fmt.Errorf("syslog: RFC 5424: element [%s: want name=\"value\" at %s", id, excerpt(s))
			}
			name := p.b.keyAt(keys, s[:n])
			keys++
			val, used, ok := p.sdValue(s[n+2:])
			if !ok {
				return nil, fmt.Errorf("syslog: RFC 5424: element [%s: value of %s has no closing quote", id, name)
			}
			p.b.set(elem, name, val)
			s = s[n+2+used:]
		}
	}
	return s, nil
}

// sdNameLen returns the length of an SD-NAME (printable ASCII except
// '=', ' ', ']' and '"') at the start of s.
func sdNameLen(s []byte) int {
	i := 0
	for i < len(s) {
		c := s[i]
		if c < 33 || c > 126 || c == '=' || c == ']' || c == '"' {
			break
		}
		i++
	}
	return i
}

// sdValue reads a PARAM-VALUE up to its closing quote, undoing the escapes
// \" \\ and \] (a backslash before anything else is kept), and returns it
// with the number of bytes used including the quote.
func (p *syslogParser) sdValue(s []byte) ([]byte, int, bool) {
	p.value = p.value[:0]
	from := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			if from == 0 {
				return s[:i], i + 1, true
			}
			p.value = append(p.value, s[from:i]...)
			return p.value, i + 1, true
		case '\\':
			if i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\' || s[i+1] == ']') {
				p.value = append(p.value, s[from:i]...)
				i++
				from = i // the escaped byte starts the next run
			}
		}
	}
	return nil, 0, false
}

// tokenLen returns the length of s up to its first space.
func tokenLen(s []byte) int {
	if i := bytes.IndexByte(s, ' '); i >= 0 {
		return i
	}
	return len(s)
}

func skipSpaces(s []byte) []byte {
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	return s
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
