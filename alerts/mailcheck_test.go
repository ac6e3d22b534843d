package alerts

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
	"testing"
)

// checkMailWire checks a message as a relay would (RFC 5322, RFC 2047):
// 7-bit text, lines of at most 998 octets, encoded words of at most 75
// characters.
func checkMailWire(data []byte) error {
	for i, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) > 998 {
			return fmt.Errorf("line %d is %d octets, over 998 (RFC 5322 2.1.1)", i+1, len(line))
		}
		for _, c := range line {
			if c >= 0x80 || c == 0 || c == '\r' {
				return fmt.Errorf("line %d holds byte %#x in a 7-bit message", i+1, c)
			}
		}
	}
	head, _, found := bytes.Cut(data, []byte("\r\n\r\n"))
	if !found {
		head, _, _ = bytes.Cut(data, []byte("\n\n"))
	}
	for _, w := range encodedWord.FindAll(head, -1) {
		if len(w) > 75 {
			return fmt.Errorf("encoded word of %d characters, over 75 (RFC 2047 2)", len(w))
		}
	}
	return nil
}

var encodedWord = regexp.MustCompile(`=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=`)

// parsedMail is a message as a mail reader shows it.
type parsedMail struct {
	header  mail.Header
	subject string
	body    string
}

// parseMail checks a message on the wire and decodes it: the subject's
// encoded words and the quoted-printable body.
func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	if err := checkMailWire(data); err != nil {
		t.Fatalf("mail: %v", err)
	}
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("mail: %v", err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("mail subject %q: %v", m.Header.Get("Subject"), err)
	}
	if ct := m.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q: the body must be plain text", ct)
	}
	var body io.Reader = m.Body
	if m.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
		body = quotedprintable.NewReader(m.Body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("mail body: %v", err)
	}
	return parsedMail{header: m.Header, subject: subject, body: strings.ReplaceAll(string(b), "\r\n", "\n")}
}
