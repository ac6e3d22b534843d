package alerts

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// Alerts carry text from logs, which an attacker can write. Wherever a
// service interprets markup, that text goes through one of these escapers
// so it is shown as written and never becomes a mention, a link, a
// formatting run or the end of a code block.

// zwsp (U+200B ZERO WIDTH SPACE) is invisible; put between two characters
// it keeps a service from reading them as one token (a closing fence, an
// @mention) while the text still reads the same.
const zwsp = "\u200b"

// displayText makes log text fit for showing: control characters other
// than tab and newline, and Unicode non-characters (U+FFFE, U+FFFF,
// U+FDD0–U+FDEF, …), which several services refuse, become U+FFFD;
// CRLF and CR become LF.
func displayText(s string) string {
	if isDisplayClean(s) {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\r':
			b.WriteByte('\n')
		case r == '\t' || r == '\n':
			b.WriteRune(r)
		case r < 0x20 || (r >= 0x7f && r < 0xa0) || isNonCharacter(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isDisplayClean(s string) bool {
	for _, r := range s {
		if (r < 0x20 && r != '\t' && r != '\n') || (r >= 0x7f && r < 0xa0) || isNonCharacter(r) || r == utf8.RuneError {
			return false
		}
	}
	return true
}

// isNonCharacter reports the 66 Unicode non-characters.
func isNonCharacter(r rune) bool {
	return (r >= 0xfdd0 && r <= 0xfdef) || r&0xfffe == 0xfffe
}

// displayJSON is a value as indented JSON for people: without Go's HTML
// escaping, so `<script>` reads as `<script>`, not `\u003cscript\u003e`.
func displayJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return plain(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// compactJSON encodes a payload for machines, also without HTML escaping
// (receivers decode it; escaping only makes it longer).
func compactJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// xmlSafeJSON escapes, in JSON text, the characters XML 1.0 does not allow
// (U+FFFE and U+FFFF: Go's encoder already escapes controls and replaces
// invalid UTF-8), as \uFFFE and \uFFFF. SQS and SNS refuse a message with
// them; the escaped form decodes to the same value.
func xmlSafeJSON(b []byte) []byte {
	if !bytes.Contains(b, []byte("\xef\xbf\xbe")) && !bytes.Contains(b, []byte("\xef\xbf\xbf")) {
		return b
	}
	b = bytes.ReplaceAll(b, []byte("\xef\xbf\xbe"), []byte(`\ufffe`))
	return bytes.ReplaceAll(b, []byte("\xef\xbf\xbf"), []byte(`\uffff`))
}

// isXMLChar reports whether XML 1.0 allows the character: #x9 | #xA | #xD
// | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
func isXMLChar(r rune) bool {
	return r == 0x9 || r == 0xa || r == 0xd || (r >= 0x20 && r <= 0xd7ff) || (r >= 0xe000 && r <= 0xfffd) || (r >= 0x10000 && r <= 0x10ffff)
}

// linkable reports a plain http(s) URL: no space, control character or
// character that ends a link in Slack or Markdown (< > | `).
func linkable(s string) bool {
	if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || strings.ContainsRune("<>|`\"\\", r) || r >= 0x7f })
}

// slackEscape escapes the three characters Slack's mrkdwn gives meaning
// to as control sequences (<!channel>, <https://…|label>, &entities;).
func slackEscape(s string) string {
	return slackEscaper.Replace(s)
}

var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// breakRuns puts a zero-width space between every two consecutive c, so
// no run of two or more c (a code fence, a closing ```) remains.
func breakRuns(s string, c byte) string {
	if !strings.Contains(s, string([]byte{c, c})) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if i > 0 && s[i] == c && s[i-1] == c {
			b.WriteString(zwsp)
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// slackCode is text for the inside of a mrkdwn ``` block: escaped, and with
// backtick runs broken so the data cannot close the block.
func slackCode(s string) string { return breakRuns(slackEscape(s), '`') }

// markdownEscape makes text inert in CommonMark / GitHub Flavored
// Markdown (GitHub issues, Teams MessageCards): every ASCII punctuation
// character is backslash-escaped (CommonMark: it is then literal), and a
// zero-width space follows @ and # so no @mention or #reference is made
// (GitHub finds those in the rendered text, escapes or not).
func markdownEscape(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for _, r := range s {
		if r < 0x80 && isASCIIPunct(byte(r)) {
			b.WriteByte('\\')
			b.WriteRune(r)
			if r == '@' || r == '#' {
				b.WriteString(zwsp)
			}
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isASCIIPunct(c byte) bool {
	return strings.IndexByte("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c) >= 0
}

// markdownFence returns a backtick fence longer than any backtick run in
// s (at least three): CommonMark closes a fenced block only with a fence
// at least as long as the opening one, so s cannot end it.
func markdownFence(s string) string {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// jiraEscape makes text inert in Jira wiki markup (API v2): the markup
// characters are backslash-escaped, so no *bold*, [link|url], [~mention],
// {macro}, |table| or emoticon forms.
func jiraEscape(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	lineStart := true
	for i, r := range s {
		// A line opening with h1. … h6. or bq. would be a heading or a
		// quote: a zero-width space in front makes it text.
		if lineStart && (isJiraBlockMarker(s[i:])) {
			b.WriteString(zwsp)
		}
		lineStart = r == '\n'
		if r < 0x80 && strings.IndexByte(`\{}[]*_-+^~?|!#()`, byte(r)) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isJiraBlockMarker(s string) bool {
	if strings.HasPrefix(s, "bq.") {
		return true
	}
	return len(s) >= 3 && s[0] == 'h' && s[1] >= '1' && s[1] <= '6' && s[2] == '.'
}

// jiraNoformat is text for the inside of a {noformat} block: a zero-width
// space after every { so the data cannot write {noformat} (or {code}) and
// end the block.
func jiraNoformat(s string) string {
	return strings.ReplaceAll(s, "{", "{"+zwsp)
}
