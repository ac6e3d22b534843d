package alerts

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// smtpStub is a tiny SMTP server: EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT,
// DATA, QUIT. It records what it got and can refuse recipients.
type smtpStub struct {
	ln       net.Listener
	tls      *tls.Config // nil: no STARTTLS offered
	rcptCode string      // e.g. "451 4.3.0 try again later"; "" accepts
	silent   bool        // never greet (for timeouts)
	// enforce checks each mail as a relay does (checkMailWire) and answers
	// 554 to one that breaks the rules; size > 0 refuses larger mails with
	// 552, announced in EHLO's SIZE when advertise is set.
	enforce   bool
	size      int
	advertise bool

	mu      sync.Mutex
	auths   []string
	mails   []smtpMail
	refused []string
}

type smtpMail struct {
	from string
	to   []string
	data string
	tls  bool
}

func newSMTPStub(t *testing.T, tlsConf *tls.Config, configure ...func(*smtpStub)) *smtpStub {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpStub{ln: ln, tls: tlsConf}
	for _, c := range configure {
		c(s) // before the server runs
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpStub) port() string { _, p, _ := net.SplitHostPort(s.ln.Addr().String()); return p }

func (s *smtpStub) serve(conn net.Conn) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if s.silent {
		buf := make([]byte, 1)
		conn.Read(buf)
		return
	}
	tp := textproto.NewConn(conn)
	tp.PrintfLine("220 stub ESMTP")
	var cur smtpMail
	secure := false
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			tp.PrintfLine("250-stub greets %s", arg)
			if s.tls != nil && !secure {
				tp.PrintfLine("250-STARTTLS")
			}
			if secure {
				tp.PrintfLine("250-AUTH PLAIN")
			}
			if s.advertise && s.size > 0 {
				tp.PrintfLine("250-SIZE %d", s.size)
			}
			tp.PrintfLine("250 8BITMIME")
		case "STARTTLS":
			tp.PrintfLine("220 2.0.0 ready")
			tc := tls.Server(conn, s.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, secure = tc, true
			tp = textproto.NewConn(tc)
		case "AUTH":
			mech, b64, _ := strings.Cut(arg, " ")
			raw, _ := base64.StdEncoding.DecodeString(b64)
			s.mu.Lock()
			s.auths = append(s.auths, mech+":"+strings.ReplaceAll(string(raw), "\x00", "|"))
			s.mu.Unlock()
			tp.PrintfLine("235 2.7.0 ok")
		case "MAIL":
			cur = smtpMail{from: arg, tls: secure}
			tp.PrintfLine("250 ok")
		case "RCPT":
			if s.rcptCode != "" {
				tp.PrintfLine("%s", s.rcptCode)
				continue
			}
			cur.to = append(cur.to, arg)
			tp.PrintfLine("250 ok")
		case "DATA":
			tp.PrintfLine("354 go ahead")
			lines, err := tp.ReadDotLines()
			if err != nil {
				return
			}
			cur.data = strings.Join(lines, "\n")
			if s.enforce {
				reply := ""
				if err := checkMailWire([]byte(cur.data)); err != nil {
					reply = "554 5.6.0 " + err.Error()
				} else if s.size > 0 && len(cur.data) > s.size {
					reply = "552 5.3.4 Message size exceeds fixed limit"
				}
				if reply != "" {
					s.mu.Lock()
					s.refused = append(s.refused, reply)
					s.mu.Unlock()
					tp.PrintfLine("%s", reply)
					continue
				}
			}
			s.mu.Lock()
			s.mails = append(s.mails, cur)
			s.mu.Unlock()
			tp.PrintfLine("250 queued")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("250 ok")
		}
	}
}

// selfSigned makes a certificate for 127.0.0.1 and a client config that
// trusts it.
func selfSigned(t *testing.T) (*tls.Config, TLSConfigFunc) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "stub"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return server, func(name string) *tls.Config { return &tls.Config{ServerName: name, RootCAs: pool} }
}

func TestEmail_SMTPWithStartTLSAndAuth(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	s := newSMTPStub(t, serverTLS)
	o, err := NewOutput(OutputConfig{Name: "email:soc", Service: "email", Settings: map[string]string{
		"host": "127.0.0.1", "port": s.port(), "from": "streamalert@example.com", "to": "soc@example.com, oncall@example.com",
	}}, map[string]string{"username": "mailer", "password": "s3cret-pass"}, OutputOptions{SMTPTLS: clientTLS})
	if err != nil {
		t.Fatal(err)
	}
	a := sampleAlert()
	a.Title = "Console login without MFA ✓"
	mustSend(t, o, a)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.mails) != 1 {
		t.Fatalf("%d mails", len(s.mails))
	}
	m := s.mails[0]
	if !m.tls || !strings.HasPrefix(m.from, "FROM:<streamalert@example.com>") || len(m.to) != 2 || m.to[1] != "TO:<oncall@example.com>" {
		t.Errorf("envelope %+v", m)
	}
	if len(s.auths) != 1 || s.auths[0] != "PLAIN:|mailer|s3cret-pass" {
		t.Errorf("auth %v", s.auths)
	}
	for _, want := range []string{"Subject: =?utf-8?b?", "Message-ID: <" + a.ID + "@streamalert>", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"} {
		if !strings.Contains(m.data, want) {
			t.Errorf("message lacks %q:\n%s", want, m.data)
		}
	}
	mail := parseMail(t, []byte(m.data))
	if mail.subject != "[high] Console login without MFA ✓" || !strings.Contains(mail.body, `"eventName": "ConsoleLogin"`) {
		t.Errorf("subject %q, body %q", mail.subject, mail.body)
	}
}

func TestEmail_FailurePaths(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(*smtpStub)
		permanent bool
		code      int
	}{
		{"4xx reply is retried", func(s *smtpStub) { s.rcptCode = "451 4.3.0 try again later" }, false, 451},
		{"5xx reply is permanent", func(s *smtpStub) { s.rcptCode = "550 5.1.1 no such user" }, true, 550},
		{"silent server times out and is retried", func(s *smtpStub) { s.silent = true }, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSMTPStub(t, nil, tt.setup)
			o, err := NewOutput(OutputConfig{Name: "email:x", Service: "email", Settings: map[string]string{
				"host": "127.0.0.1", "port": s.port(), "from": "a@example.com", "to": "b@example.com", "tls": "none", "timeout": "300ms",
			}}, nil, OutputOptions{})
			if err != nil {
				t.Fatal(err)
			}
			err = o.Send(context.Background(), sampleAlert())
			wantDeliveryError(t, err, tt.permanent)
			if de := err.(*DeliveryError); de.StatusCode != tt.code {
				t.Errorf("status %d, want %d", de.StatusCode, tt.code)
			}
		})
	}
	// A password is never sent where TLS is not offered.
	s := newSMTPStub(t, nil)
	o, err := NewOutput(OutputConfig{Name: "email:x", Service: "email", Settings: map[string]string{
		"host": "127.0.0.1", "port": s.port(), "from": "a@example.com", "to": "b@example.com",
	}}, map[string]string{"username": "u", "password": "p4ssword"}, OutputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantDeliveryError(t, o.Send(context.Background(), sampleAlert()), true)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.auths) != 0 {
		t.Errorf("credentials sent in clear: %v", s.auths)
	}
}

func TestFile_AppendsJSONLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "alerts.jsonl")
	o := mustOutput(t, "file", map[string]string{"path": path, "drop": "record"}, nil)
	a, b := sampleAlert(), sampleAlert()
	b.ID = "other"
	mustSend(t, o, a)
	mustSend(t, o, b)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if _, ok := m["record"]; ok {
			t.Error("drop: record is still there")
		}
		ids = append(ids, m["id"].(string))
	}
	if len(ids) != 2 || ids[0] != a.ID || ids[1] != "other" {
		t.Errorf("ids %v", ids)
	}
}
