package queries

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/streamalert/streamalert/rules"
)

// quote renders s as an SQL string expression that both dialects read
// back as exactly s: a literal with single quotes doubled (backslashes are
// not special in either dialect's standard strings). Control characters
// (U+0000–U+001F, U+007F) are spliced in with chr(n), so the statement
// stays one printable line and a NUL cannot end it early; so is ';', so
// that no compiled statement contains a semicolon (the engine refuses
// statement text with one before its end, see historical). s must be valid
// UTF-8; invalid bytes become U+FFFD (callers whose semantics depend on
// them check with utf8.ValidString first).
func quote(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if !hasSpliced(s) {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	var parts []string
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, "'"+strings.ReplaceAll(lit.String(), "'", "''")+"'")
			lit.Reset()
		}
	}
	for _, r := range s {
		if spliced(r) {
			flush()
			parts = append(parts, "chr("+strconv.Itoa(int(r))+")")
			continue
		}
		lit.WriteRune(r)
	}
	flush()
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " || ") + ")"
}

// Literal renders text as an SQL string expression for both dialects,
// the way compiled rules write every value: quotes doubled, control
// characters and ';' spliced in as chr(n). Statements built with it pass
// the embedded engine's single-statement check whatever the text holds.
func Literal(text string) string { return quote(text) }

// spliced reports whether quote writes r as chr(n): control characters and ;.
func spliced(r rune) bool { return r < 0x20 || r == 0x7f || r == ';' }

func hasSpliced(s string) bool {
	for i := 0; i < len(s); i++ {
		if spliced(rune(s[i])) {
			return true
		}
	}
	return false
}

// ident double-quotes an identifier.
func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// likeEscape escapes the LIKE wildcards and the escape character itself
// in literal text (the escape character is a backslash).
func likeEscape(s string) string {
	if !strings.ContainsAny(s, `%_\`) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r == '%' || r == '_' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// likePattern turns a rule's wildcard pattern into a LIKE pattern: * is %,
// ? is _ (one character, as the matcher's ? is one code point), and the
// literal text is escaped.
func likePattern(g rules.Glob) string {
	var b strings.Builder
	for _, p := range g {
		switch p.Wild {
		case '*':
			b.WriteByte('%')
		case '?':
			b.WriteByte('_')
		default:
			b.WriteString(likeEscape(p.Text))
		}
	}
	return b.String()
}

// like renders x LIKE pattern with the backslash escape.
func like(x, pattern string) string {
	return x + " LIKE " + quote(pattern) + ` ESCAPE '\'`
}

// timestampLiteral renders t (UTC, microseconds) as a timestamp literal
// comparable with sa_event_time: TIMESTAMP WITH TIME ZONE in DuckDB (the
// lake stores UTC-adjusted timestamps), TIMESTAMP in Athena (Glue's
// timestamp is without zone, in UTC).
func (d Dialect) timestampLiteral(t time.Time) string {
	s := t.UTC().Format("2006-01-02 15:04:05.000000")
	if d == DuckDB {
		return "TIMESTAMPTZ '" + s + "+00'"
	}
	return "TIMESTAMP '" + s + "'"
}
