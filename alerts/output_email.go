package alerts

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

func init() {
	register(&Service{
		Name:        "email",
		Description: "email over SMTP (STARTTLS or implicit TLS, optional AUTH PLAIN) or Amazon SES (transport: ses)",
		Settings: []Setting{
			{Name: "transport", Doc: "smtp (default) or ses (Amazon SES v2 SendEmail; AWS credentials, no secrets)"},
			{Name: "host", Doc: "SMTP server host (required with transport: smtp)"},
			{Name: "port", Doc: "SMTP port (default 587; 465 with tls: implicit)"},
			{Name: "from", Required: true, Doc: "sender address"},
			{Name: "to", Required: true, Doc: "comma-separated recipient addresses"},
			{Name: "tls", Doc: "starttls (default: required when offered or when authenticating), implicit, or none (local relays only)"},
			{Name: "region", Doc: "ses: AWS region (default: the SDK's configuration)"},
			{Name: "endpoint", Doc: "ses: endpoint URL, for local stand-ins and VPC endpoints"},
			{Name: "configuration_set", Doc: "ses: configuration set name (event publishing, IP pool)"},
		},
		Secrets: []Setting{
			{Name: "username", Doc: "SMTP user (AUTH PLAIN)"},
			{Name: "password", Doc: "SMTP password"},
		},
		build: newEmail,
	})
}

// TLSConfigFunc returns the TLS configuration for a server name.
type TLSConfigFunc func(serverName string) *tls.Config

type emailOutput struct {
	env       *outputEnv
	host      string
	addr      string
	from      string
	to        []string
	mode      string
	user      string
	pass      string
	tlsConfig TLSConfigFunc
	secrets   []string
}

func newEmail(env *outputEnv) (Output, error) {
	switch t := env.setting("transport", "smtp"); t {
	case "ses":
		return newSESEmail(env)
	case "smtp":
	default:
		return nil, env.errorf("transport %q must be smtp or ses", t)
	}
	for _, k := range []string{"region", "endpoint", "configuration_set"} {
		if env.setting(k, "") != "" {
			return nil, env.errorf("setting %s is for transport: ses only", k)
		}
	}
	mode := env.setting("tls", "starttls")
	if mode != "starttls" && mode != "implicit" && mode != "none" {
		return nil, env.errorf("tls %q must be starttls, implicit or none", mode)
	}
	defPort := "587"
	if mode == "implicit" {
		defPort = "465"
	}
	port := env.setting("port", defPort)
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return nil, env.errorf("port %q is not a port number", port)
	}
	host := env.setting("host", "")
	if host == "" {
		return nil, env.errorf("setting host is required (SMTP server host; or set transport: ses)")
	}
	o := &emailOutput{
		env: env, host: host, addr: net.JoinHostPort(host, port), from: env.setting("from", ""),
		to: splitList(env.setting("to", "")), mode: mode,
		user: env.secret("username"), pass: env.secret("password"), tlsConfig: env.opts.SMTPTLS,
	}
	if err := checkAddresses(env, o.from, o.to); err != nil {
		return nil, err
	}
	if (o.user == "") != (o.pass == "") {
		return nil, env.errorf("secrets username and password go together")
	}
	if o.user != "" && mode == "none" {
		return nil, env.errorf("will not send a password without TLS (tls: none)")
	}
	for _, s := range []string{o.pass, o.user} {
		if s != "" {
			o.secrets = append(o.secrets, s)
		}
	}
	return o, nil
}

// checkAddresses checks the sender and recipients of an email output.
func checkAddresses(env *outputEnv, from string, to []string) error {
	if len(to) == 0 {
		return env.errorf("to lists no recipient")
	}
	for _, addr := range append([]string{from}, to...) {
		if strings.ContainsAny(addr, "\r\n<>") || !strings.Contains(addr, "@") {
			return env.errorf("%q is not an email address", addr)
		}
	}
	return nil
}

func (o *emailOutput) Name() string { return o.env.name }

func (o *emailOutput) tlsFor() *tls.Config {
	if o.tlsConfig != nil {
		return o.tlsConfig(o.host)
	}
	return &tls.Config{ServerName: o.host, MinVersion: tls.VersionTLS12}
}

// Email limits: a line of a message is at most 998 octets (RFC 5322
// 2.1.1); an encoded word at most 75 characters (RFC 2047 2); a message at
// most what the server announces with SIZE (RFC 1870), and here never more
// than 10 MB (SES v2: 40 MB; 10 MB is the common relay default, Postfix's
// message_size_limit).
const (
	emailMessageMax = 10_000_000
	emailSubjectMax = 250
	// encodedWordData is the bytes one =?utf-8?b?…?= word carries: 45
	// bytes are 60 base64 characters, 72 with the 12 of the word's frame.
	encodedWordData = 45
)

// mailMessage renders an alert's mail (CRLF line endings): RFC 2047
// subject folded into encoded words, and a plain-text UTF-8 body in
// quoted-printable, whose lines stay within 76 characters whatever the
// payload holds. Plain text: nothing in it is markup, HTML included.
func mailMessage(from string, to []string, a *Alert, p map[string]any, now time.Time) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\n", from)
	fmt.Fprintf(&b, "To: %s\r\n", strings.Join(to, ", "))
	fmt.Fprintf(&b, "Subject: %s\r\n", encodeSubject(emailSubject(a, p)))
	fmt.Fprintf(&b, "Date: %s\r\n", now.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@streamalert>\r\n", a.ID)
	fmt.Fprintf(&b, "X-Streamalert-Alert-Id: %s\r\n", a.ID)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	w := quotedprintable.NewWriter(&b)
	w.Write([]byte(emailText(p)))
	w.Close()
	return b.Bytes()
}

// encodeSubject returns a subject as header text: as it is when short
// printable ASCII, else as base64 encoded words of at most 75 characters,
// one per folded line (RFC 2047; whitespace between encoded words is not
// part of the text).
func encodeSubject(s string) string {
	plainASCII := len(s) <= 66
	for i := 0; i < len(s) && plainASCII; i++ {
		plainASCII = s[i] >= 0x20 && s[i] < 0x7f
	}
	if plainASCII && !strings.Contains(s, "=?") {
		return s
	}
	var words []string
	for s != "" {
		chunk := cutRunes(s, func(prefix string) bool { return len(prefix) <= encodedWordData })
		if chunk == "" { // a rune longer than a word carries cannot happen in UTF-8
			chunk = s[:1]
		}
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(chunk))+"?=")
		s = s[len(chunk):]
	}
	return strings.Join(words, "\r\n ")
}

// emailSubject is the one-line subject of an alert's mail: the published
// title (or the alert's), prefixed by the severity.
func emailSubject(a *Alert, p map[string]any) string {
	subject := displayText(pubString(p, "title"))
	if strings.TrimSpace(subject) == "" {
		subject = alertTitle(a)
	}
	if sev := a.Severity; sev != "" {
		subject = "[" + sev + "] " + subject
	}
	return clip(strings.Join(strings.Fields(subject), " "), emailSubjectMax)
}

// emailText is the plain-text body: the summary, the description, the
// payload as JSON and, when cut, where the full record is.
func emailText(p map[string]any) string {
	var b strings.Builder
	b.WriteString(displayText(pubString(p, "summary")) + "\n")
	if d := displayText(pubString(p, "description")); d != "" {
		b.WriteString("\n" + d + "\n")
	}
	if ptr := pubString(p, "full_record"); ptr != "" {
		b.WriteString("\nFull record: " + ptr + "\n")
	}
	b.WriteString("\n" + displayText(displayJSON(p)) + "\n")
	return b.String()
}

// fitMail renders the largest version of an alert's mail within limit bytes.
func fitMail(name, from string, to []string, a *Alert, p map[string]any, now time.Time, limit int) ([]byte, error) {
	var msg []byte
	if fitPayload(a, p, func(q map[string]any) bool {
		msg = mailMessage(from, to, a, q, now)
		return len(msg) <= limit
	}) == nil {
		return nil, &DeliveryError{Output: name, Permanent: true, Msg: fmt.Sprintf("alert %s: no mail fits in %d bytes", a.ID, limit)}
	}
	return msg, nil
}

func (o *emailOutput) fail(err error) error {
	msg := redactSecrets(err.Error(), o.secrets)
	var te *textproto.Error
	if errors.As(err, &te) {
		// 4xx replies are transient, 5xx permanent (RFC 5321); 552
		// (exceeded storage: the message is too large) and 554 (transaction
		// failed, e.g. content refused) refuse this message.
		return &DeliveryError{Output: o.env.name, StatusCode: te.Code, Permanent: te.Code >= 500, Rejected: te.Code == 552 || te.Code == 554, Msg: msg}
	}
	return &DeliveryError{Output: o.env.name, Msg: msg}
}

func (o *emailOutput) Send(ctx context.Context, a *Alert) error {
	p, err := o.env.publish(a)
	if err != nil {
		return err
	}
	return o.mail(ctx, a, p)
}

// SendMinimal mails the minimal payload.
func (o *emailOutput) SendMinimal(ctx context.Context, a *Alert) error {
	return o.mail(ctx, a, MinimalPayload(a))
}

func (o *emailOutput) mail(ctx context.Context, a *Alert, p map[string]any) error {
	ctx, cancel := context.WithTimeout(ctx, o.env.timeout)
	defer cancel()
	d := net.Dialer{}
	conn, err := d.DialContext(ctx, "tcp", o.addr)
	if err != nil {
		return o.fail(fmt.Errorf("connect to %s: %w", o.addr, err))
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	// Unblock the exchange when the caller cancels.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	if o.mode == "implicit" {
		conn = tls.Client(conn, o.tlsFor())
	}
	c, err := smtp.NewClient(conn, o.host)
	if err != nil {
		conn.Close()
		return o.fail(fmt.Errorf("greeting from %s: %w", o.addr, err))
	}
	defer c.Close()
	if err := c.Hello("streamalert"); err != nil {
		return o.fail(fmt.Errorf("EHLO: %w", err))
	}
	if o.mode == "starttls" {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(o.tlsFor()); err != nil {
				return o.fail(fmt.Errorf("STARTTLS: %w", err))
			}
		} else if o.user != "" {
			return &DeliveryError{Output: o.env.name, Permanent: true, Msg: fmt.Sprintf("%s offers no STARTTLS; will not send the password in clear", o.addr)}
		}
	}
	if o.user != "" {
		if err := c.Auth(smtp.PlainAuth("", o.user, o.pass, o.host)); err != nil {
			return o.fail(fmt.Errorf("AUTH: %w", err))
		}
	}
	limit := emailMessageMax
	if ok, size := c.Extension("SIZE"); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(size)); err == nil && n > 0 {
			limit = min(limit, n)
		}
	}
	msg, err := fitMail(o.env.name, o.from, o.to, a, p, time.Now(), limit)
	if err != nil {
		return err
	}
	if err := c.Mail(o.from); err != nil {
		return o.fail(fmt.Errorf("MAIL FROM: %w", err))
	}
	for _, to := range o.to {
		if err := c.Rcpt(to); err != nil {
			return o.fail(fmt.Errorf("RCPT TO %s: %w", to, err))
		}
	}
	w, err := c.Data()
	if err != nil {
		return o.fail(fmt.Errorf("DATA: %w", err))
	}
	if _, err := w.Write(msg); err != nil {
		return o.fail(fmt.Errorf("DATA: %w", err))
	}
	if err := w.Close(); err != nil {
		return o.fail(fmt.Errorf("end of DATA: %w", err))
	}
	if err := c.Quit(); err != nil {
		// The message was accepted; a failed QUIT does not undo that.
		return nil
	}
	return nil
}
