package alerts

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// A rig is one output wired to a stand-in of its service. start builds
// both; refuseOver > 0 makes the stand-in refuse larger payloads as the
// service refuses a payload. seen returns what the last accepted request
// delivered, decoded as the receiver reads it; inert checks that the
// alert's text shows there as text (markup says whether the alert carries
// hostile markup).
type rig struct {
	name  string
	start func(t *testing.T, refuseOver int) (o Output, seen func(t *testing.T) string)
	inert func(t *testing.T, seen string, a *Alert, markup bool)
	// full: the output keeps the whole payload (an archive, not a page).
	full bool
}

func rigOutput(t *testing.T, service string, settings, secrets map[string]string) Output {
	t.Helper()
	o, err := NewOutput(OutputConfig{Name: service + ":rig", Service: service, Settings: settings}, secrets, OutputOptions{AWSConfig: testAWS})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func httpRig(name, service string, standIn func(t *testing.T) *standIn, settings func(url string) (map[string]string, map[string]string),
	inert func(t *testing.T, seen string, a *Alert, markup bool)) rig {
	return rig{name: name, inert: inert, start: func(t *testing.T, refuseOver int) (Output, func(*testing.T) string) {
		s := standIn(t)
		s.refuseOver = refuseOver
		set, sec := settings(s.URL)
		return rigOutput(t, service, set, sec), func(t *testing.T) string { return string(s.lastAccepted(t).body) }
	}}
}

func rigs() []rig {
	return []rig{
		httpRig("slack", "slack", slackStandIn, func(u string) (map[string]string, map[string]string) {
			return nil, map[string]string{"webhook_url": u + "/services/T1/B2/XYZ"}
		}, slackInert),
		httpRig("teams/adaptive", "teams", teamsStandIn, func(u string) (map[string]string, map[string]string) {
			return map[string]string{"format": "adaptive"}, map[string]string{"webhook_url": u + "/workflows/abc"}
		}, teamsInert),
		httpRig("teams/messagecard", "teams", teamsStandIn, func(u string) (map[string]string, map[string]string) {
			return map[string]string{"format": "messagecard"}, map[string]string{"webhook_url": u + "/workflows/abc"}
		}, teamsInert),
		httpRig("jira/v2", "jira", func(t *testing.T) *standIn { return jiraStandIn(t, "2") }, func(u string) (map[string]string, map[string]string) {
			return map[string]string{"url": u, "project_key": "SEC", "api_version": "2"}, map[string]string{"email": "bot@example.com", "api_token": "tok3n"}
		}, jiraInert),
		httpRig("jira/v3", "jira", func(t *testing.T) *standIn { return jiraStandIn(t, "3") }, func(u string) (map[string]string, map[string]string) {
			return map[string]string{"url": u, "project_key": "SEC", "api_version": "3"}, map[string]string{"email": "bot@example.com", "api_token": "tok3n"}
		}, jiraInert),
		httpRig("github", "github", gitHubStandIn, func(u string) (map[string]string, map[string]string) {
			return map[string]string{"url": u, "repository": "acme/security"}, map[string]string{"token": "ghp_test"}
		}, gitHubInert),
		httpRig("pagerduty", "pagerduty", pagerDutyStandIn, func(u string) (map[string]string, map[string]string) {
			return map[string]string{"url": u}, map[string]string{"routing_key": "R0UT1NGKEY0000000000000000000000"}
		}, jsonInert),
		httpRig("opsgenie", "opsgenie", opsgenieStandIn, func(u string) (map[string]string, map[string]string) {
			return map[string]string{"url": u}, map[string]string{"api_key": "eb243592-faa2-4ba2-a551-1afdf565c889"}
		}, jsonInert),
		httpRig("webhook", "webhook", func(t *testing.T) *standIn { return webhookStandIn(t, "whsec", 256<<10) }, func(u string) (map[string]string, map[string]string) {
			return map[string]string{"url": u + "/hook", "max_bytes": "262144"}, map[string]string{"signing_key": "whsec"}
		}, jsonInert),
		{name: "sns", inert: jsonInert, start: func(t *testing.T, refuseOver int) (Output, func(*testing.T) string) {
			s := snsEnforcing(t)
			s.refuseOver = refuseOver
			o := rigOutput(t, "sns", map[string]string{"topic_arn": "arn:aws:sns:us-east-1:111122223333:alerts", "endpoint": s.URL}, nil)
			return o, func(t *testing.T) string {
				form, err := url.ParseQuery(string(s.lastAccepted(t).body))
				if err != nil {
					t.Fatal(err)
				}
				return form.Get("Message")
			}
		}},
		{name: "sqs", inert: jsonInert, start: func(t *testing.T, refuseOver int) (Output, func(*testing.T) string) {
			s := sqsEnforcing(t, 262144)
			s.refuseOver = refuseOver
			o := rigOutput(t, "sqs", map[string]string{"queue_url": "https://sqs.us-east-1.amazonaws.com/111122223333/alerts", "endpoint": s.URL}, nil)
			return o, func(t *testing.T) string { return str(s.lastAccepted(t).json(t), "MessageBody") }
		}},
		{name: "lambda", inert: jsonInert, start: func(t *testing.T, refuseOver int) (Output, func(*testing.T) string) {
			s := lambdaEnforcing(t)
			s.refuseOver = refuseOver
			o := rigOutput(t, "lambda", map[string]string{"function": "alert-handler", "endpoint": s.URL}, nil)
			return o, func(t *testing.T) string { return string(s.lastAccepted(t).body) }
		}},
		{name: "firehose", inert: jsonInert, start: func(t *testing.T, refuseOver int) (Output, func(*testing.T) string) {
			s := firehoseEnforcing(t)
			s.refuseOver = refuseOver
			o := rigOutput(t, "firehose", map[string]string{"stream": "alerts", "endpoint": s.URL}, nil)
			return o, func(t *testing.T) string {
				data, err := base64.StdEncoding.DecodeString(str(s.lastAccepted(t).json(t), "Record.Data"))
				if err != nil {
					t.Fatal(err)
				}
				return string(data)
			}
		}},
		{name: "email/ses", inert: mailInert, start: func(t *testing.T, refuseOver int) (Output, func(*testing.T) string) {
			s := sesEnforcing(t)
			s.refuseOver = refuseOver
			o := rigOutput(t, "email", map[string]string{"transport": "ses", "from": "alerts@example.com", "to": "soc@example.com", "endpoint": s.URL}, nil)
			return o, func(t *testing.T) string {
				var in struct {
					Content struct{ Raw struct{ Data []byte } }
				}
				if err := json.Unmarshal(s.lastAccepted(t).body, &in); err != nil {
					t.Fatal(err)
				}
				m := parseMail(t, in.Content.Raw.Data)
				return m.subject + "\n" + m.body
			}
		}},
		{name: "email/smtp", inert: mailInert, start: func(t *testing.T, refuseOver int) (Output, func(*testing.T) string) {
			s := newSMTPStub(t, nil, func(s *smtpStub) { s.enforce, s.size = true, refuseOver })
			o := rigOutput(t, "email", map[string]string{"host": "127.0.0.1", "port": s.port(), "from": "a@example.com", "to": "soc@example.com", "tls": "none"}, nil)
			return o, func(t *testing.T) string {
				s.mu.Lock()
				defer s.mu.Unlock()
				if len(s.mails) == 0 {
					t.Fatalf("the SMTP stand-in accepted no mail; refused: %v", s.refused)
				}
				m := parseMail(t, []byte(s.mails[len(s.mails)-1].data))
				return m.subject + "\n" + m.body
			}
		}},
		{name: "s3", inert: jsonInert, full: true, start: s3Rig},
		{name: "file", inert: jsonInert, full: true, start: func(t *testing.T, _ int) (Output, func(*testing.T) string) {
			path := filepath.Join(t.TempDir(), "alerts.jsonl")
			o := rigOutput(t, "file", map[string]string{"path": path}, nil)
			return o, func(t *testing.T) string {
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
				return string(lines[len(lines)-1])
			}
		}},
	}
}

// s3Rig runs gofakes3 behind a front that refuses bodies over refuseOver
// with S3's EntityTooLarge.
func s3Rig(t *testing.T, refuseOver int) (Output, func(*testing.T) string) {
	backend := s3mem.New()
	if err := backend.CreateBucket("alerts-archive"); err != nil {
		t.Fatal(err)
	}
	faker := gofakes3.New(backend).Server()
	var mu sync.Mutex
	lastKey := ""
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refuseOver > 0 && r.ContentLength > int64(refuseOver) {
			w.WriteHeader(400)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed object size.</Message></Error>`)
			return
		}
		if r.Method == http.MethodPut {
			mu.Lock()
			lastKey = strings.TrimPrefix(r.URL.Path, "/alerts-archive/")
			mu.Unlock()
		}
		faker.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	o := rigOutput(t, "s3", map[string]string{"bucket": "alerts-archive", "endpoint": srv.URL}, nil)
	return o, func(t *testing.T) string {
		mu.Lock()
		key := lastKey
		mu.Unlock()
		obj, err := backend.GetObject("alerts-archive", key, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer obj.Contents.Close()
		body, _ := io.ReadAll(obj.Contents)
		return string(body)
	}
}

// --- what "inert" means for each service ---

// jsonInert: a JSON payload for machines: it decodes, and carries no
// HTML escapes (\u003c) that would show to people reading it.
func jsonInert(t *testing.T, seen string, a *Alert, markup bool) {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(seen), &v); err != nil {
		t.Fatalf("payload is not JSON: %v", err)
	}
	if strings.Contains(seen, `\u003c`) || strings.Contains(seen, `\u0026`) {
		t.Error("payload JSON has Go's HTML escapes")
	}
	if markup && !strings.Contains(seen, "<!channel>") {
		t.Error("the hostile text is not in the payload as written")
	}
}

func slackInert(t *testing.T, seen string, a *Alert, markup bool) {
	t.Helper()
	m, err := decodeObject([]byte(seen))
	if err != nil {
		t.Fatal(err)
	}
	var mrkdwns []string
	var shown strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["type"] == "mrkdwn" {
				mrkdwns = append(mrkdwns, str(x, "text"))
				shown.WriteString(unescape(str(x, "text")))
			} else if x["type"] == "plain_text" {
				shown.WriteString(str(x, "text"))
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(m["blocks"])
	mrkdwns = append(mrkdwns, str(m, "text"))
	for _, s := range mrkdwns {
		// The one link made on purpose: the rule's runbook.
		s = strings.ReplaceAll(s, "<"+slackEscape(a.Runbook)+"|open the runbook>", "")
		if strings.ContainsAny(s, "<>") {
			t.Errorf("mrkdwn text with a raw < or >: %.200q", s)
		}
		if rest := strings.NewReplacer("&amp;", "", "&lt;", "", "&gt;", "").Replace(s); strings.Contains(rest, "&") {
			t.Errorf("mrkdwn text with a raw &: %.200q", s)
		}
		if code, isCode := strings.CutPrefix(s, "```"); isCode {
			if inner := strings.TrimSuffix(code, "```"); strings.Contains(inner, "```") || !strings.HasSuffix(code, "```") {
				t.Errorf("the record's code block is closed early: %.300q", s)
			}
		}
		wantInert(t, "slack mrkdwn", s, slackTokens, false)
	}
	if markup && !strings.Contains(shown.String(), "<!channel>") {
		t.Error("the hostile text is not shown as text")
	}
}

func teamsInert(t *testing.T, seen string, a *Alert, markup bool) {
	t.Helper()
	m, err := decodeObject([]byte(seen))
	if err != nil {
		t.Fatal(err)
	}
	var shown strings.Builder
	if m["@type"] == "MessageCard" {
		if _, has := m["text"]; has {
			t.Error("a MessageCard text (Markdown) is set")
		}
		for _, s := range m["sections"].([]any) {
			sec := s.(map[string]any)
			if sec["markdown"] != false {
				t.Errorf("a section with Markdown on: %.200v", sec)
			}
			shown.WriteString(str(sec, "text"))
		}
	} else {
		body, _ := lookupPath(m["attachments"].([]any)[0].(map[string]any), "content.body")
		for _, e := range body.([]any) {
			el := e.(map[string]any)
			switch el["type"] {
			case "RichTextBlock":
				for _, in := range el["inlines"].([]any) {
					if str(in.(map[string]any), "type") != "TextRun" {
						t.Errorf("inline %v", in)
					}
					shown.WriteString(str(in.(map[string]any), "text"))
				}
			case "FactSet":
				for _, f := range el["facts"].([]any) {
					if v := str(f.(map[string]any), "value"); strings.ContainsAny(v, "<>[]*`") {
						t.Errorf("a fact (Markdown) holds markup: %q", v)
					}
				}
			default:
				t.Errorf("element %v takes Markdown", el["type"])
			}
		}
	}
	if markup && !strings.Contains(shown.String(), "<!channel>") {
		t.Error("the hostile text is not shown as text")
	}
}

func jiraInert(t *testing.T, seen string, a *Alert, markup bool) {
	t.Helper()
	m, err := decodeObject([]byte(seen))
	if err != nil {
		t.Fatal(err)
	}
	desc := mustLookup(m, "fields.description")
	if s, isText := desc.(string); isText {
		text, code, found := strings.Cut(s, "{code:json}\n")
		if !found || !strings.HasSuffix(code, "\n{code}") {
			t.Fatalf("v2 description has no code block: %.300q", s)
		}
		inner := strings.ToLower(strings.TrimSuffix(code, "\n{code}"))
		if strings.Contains(inner, "{code") || strings.Contains(inner, "{noformat") {
			t.Error("the data closes the {code} block")
		}
		wantInert(t, "jira wiki", text, jiraTokens, markup)
		return
	}
	var shown strings.Builder
	var walk func(n map[string]any)
	walk = func(n map[string]any) {
		switch n["type"] {
		case "doc", "paragraph", "codeBlock", "hardBreak":
		case "text":
			if _, has := n["marks"]; has {
				t.Errorf("text with marks: %v", n)
			}
			shown.WriteString(str(n, "text"))
		default:
			t.Errorf("ADF node %v", n["type"])
		}
		if c, _ := n["content"].([]any); c != nil {
			for _, child := range c {
				walk(child.(map[string]any))
			}
		}
	}
	walk(desc.(map[string]any))
	if markup && !strings.Contains(shown.String(), "<!channel>") {
		t.Error("the hostile text is not shown as text")
	}
}

func gitHubInert(t *testing.T, seen string, a *Alert, markup bool) {
	t.Helper()
	m, err := decodeObject([]byte(seen))
	if err != nil {
		t.Fatal(err)
	}
	body := str(m, "body")
	// The payload block: its opening fence, and no line inside that a
	// CommonMark reader takes for its end.
	lines := strings.Split(body, "\n")
	open := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "```") && strings.HasSuffix(l, "json") {
			open = i
			break
		}
	}
	if open < 0 {
		t.Fatalf("no JSON block in the body")
	}
	fence := strings.TrimSuffix(lines[open], "json")
	end := -1
	for i := open + 1; i < len(lines); i++ {
		if l := strings.TrimLeft(lines[i], " "); strings.HasPrefix(l, fence) {
			end = i
			break
		}
	}
	if end < 0 || strings.TrimSpace(lines[end]) != fence {
		t.Fatalf("the JSON block ends early or never (fence %q, at line %d): %.200q", fence, end, lines[max(end, 0)])
	}
	prose := strings.Join(lines[:open], "\n") + "\n" + strings.Join(lines[end+1:], "\n")
	wantInert(t, "github markdown", prose, markdownTokens, markup)
	if strings.Contains(body, `\u003c`) {
		t.Error("the JSON block has Go's HTML escapes")
	}
}

func mailInert(t *testing.T, seen string, a *Alert, markup bool) {
	t.Helper()
	// parseMail checked the body is text/plain: nothing in it is markup.
	if markup && !strings.Contains(seen, "<script>alert(1)</script>") {
		t.Error("the hostile text is not shown as written")
	}
	if strings.Contains(seen, `\u003c`) {
		t.Error("the mail's JSON has Go's HTML escapes")
	}
}
