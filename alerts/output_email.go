package alerts

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
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

// message renders the mail: a plain-text body with the summary and the
// payload as JSON.
func (o *emailOutput) message(a *Alert, p map[string]any, now time.Time) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\n", o.from)
	fmt.Fprintf(&b, "To: %s\n", strings.Join(o.to, ", "))
	fmt.Fprintf(&b, "Subject: %s\n", mime.QEncoding.Encode("utf-8", emailSubject(a, p)))
	fmt.Fprintf(&b, "Date: %s\n", now.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@streamalert>\n", a.ID)
	fmt.Fprintf(&b, "X-Streamalert-Alert-Id: %s\n", a.ID)
	b.WriteString("MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n")
	b.WriteString(emailText(p))
	return b.Bytes()
}

// emailSubject is the one-line subject of an alert's mail: the published
// title (or the alert's), prefixed by the severity.
func emailSubject(a *Alert, p map[string]any) string {
	subject := pubString(p, "title")
	if subject == "" {
		subject = alertTitle(a)
	}
	if sev := a.Severity; sev != "" {
		subject = "[" + sev + "] " + subject
	}
	return strings.Join(strings.Fields(subject), " ")
}

// emailText is the plain-text body: the summary, the description and the
// payload as JSON.
func emailText(p map[string]any) string {
	var b strings.Builder
	b.WriteString(pubString(p, "summary") + "\n")
	if d := pubString(p, "description"); d != "" {
		b.WriteString("\n" + d + "\n")
	}
	js, _ := json.MarshalIndent(p, "", "  ")
	b.Write(js)
	b.WriteString("\n")
	return b.String()
}

func (o *emailOutput) fail(err error) error {
	msg := redactSecrets(err.Error(), o.secrets)
	var te *textproto.Error
	if errors.As(err, &te) {
		// 4xx replies are transient, 5xx permanent (RFC 5321).
		return &DeliveryError{Output: o.env.name, StatusCode: te.Code, Permanent: te.Code >= 500, Msg: msg}
	}
	return &DeliveryError{Output: o.env.name, Msg: msg}
}

func (o *emailOutput) Send(ctx context.Context, a *Alert) error {
	p, err := o.env.publish(a)
	if err != nil {
		return err
	}
	msg := o.message(a, p, time.Now())
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
