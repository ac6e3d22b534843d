package alerts

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// captured is one request a stub server received.
type captured struct {
	method string
	path   string
	query  string
	header http.Header
	body   []byte
}

func (c captured) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(c.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, c.body)
	}
	return m
}

// stub is an httptest server that records requests and answers with
// reply (default: 200 and an empty body).
type stub struct {
	*httptest.Server
	mu    sync.Mutex
	reqs  []captured
	reply func(n int, r *http.Request, w http.ResponseWriter)
}

func newStub(t *testing.T, reply func(n int, r *http.Request, w http.ResponseWriter)) *stub {
	s := &stub{reply: reply}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, captured{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
		n := len(s.reqs)
		s.mu.Unlock()
		if s.reply != nil {
			s.reply(n, r, w)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *stub) last(t *testing.T) captured {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.reqs) == 0 {
		t.Fatal("the server got no request")
	}
	return s.reqs[len(s.reqs)-1]
}

func status(code int, body string) func(int, *http.Request, http.ResponseWriter) {
	return func(_ int, _ *http.Request, w http.ResponseWriter) {
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

func sampleAlert() *Alert {
	a := &Alert{
		ID: AlertID("console_login_without_mfa", "rec-1"), Rule: "console_login_without_mfa",
		Title: "Console login without MFA", Description: "An IAM user signed in without MFA.", Severity: "high",
		Runbook: "https://runbooks.example.com/mfa", Tags: []string{"attack.initial_access"},
		LogType: "cloudtrail:events", Source: "prod-trail", RecordID: "rec-1",
		EventTime: t0, Created: t0.Add(time.Minute),
		Record:    map[string]any{"eventName": "ConsoleLogin", "userIdentity": map[string]any{"arn": "arn:aws:iam::1:user/alice"}, "sourceIPAddress": "198.51.100.7"},
		MergeKeys: []string{"userIdentity.arn"}, KeyValues: map[string]any{"userIdentity.arn": "arn:aws:iam::1:user/alice"},
		Outputs: []string{"x:y"}, Status: StatusPending,
	}
	return a
}

func mustOutput(t *testing.T, service string, settings, secrets map[string]string) Output {
	t.Helper()
	o, err := NewOutput(OutputConfig{Name: service + ":test", Service: service, Settings: settings}, secrets, OutputOptions{AWSConfig: testAWS})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func mustSend(t *testing.T, o Output, a *Alert) {
	t.Helper()
	if err := o.Send(context.Background(), a); err != nil {
		t.Fatalf("send: %v", err)
	}
}

func wantHeader(t *testing.T, c captured, key, want string) {
	t.Helper()
	if got := c.header.Get(key); got != want {
		t.Errorf("header %s = %q, want %q", key, got, want)
	}
}

func wantRequest(t *testing.T, c captured, method, path string) {
	t.Helper()
	if c.method != method || c.path != path {
		t.Errorf("request %s %s, want %s %s", c.method, c.path, method, path)
	}
}

func str(m map[string]any, path string) string {
	v, _ := lookupPath(m, path)
	s, _ := v.(string)
	return s
}

func TestSlack_SendsBlocksToWebhook(t *testing.T) {
	srv := newStub(t, status(200, "ok"))
	o := mustOutput(t, "slack", nil, map[string]string{"webhook_url": srv.URL + "/services/T1/B2/XYZ"})
	a := sampleAlert()
	a.Title = strings.Repeat("long title ", 20) // over the header's 150
	mustSend(t, o, a)
	c := srv.last(t)
	wantRequest(t, c, "POST", "/services/T1/B2/XYZ")
	wantHeader(t, c, "Content-Type", "application/json")
	m := c.json(t)
	if str(m, "text") == "" {
		t.Error("no fallback text")
	}
	blocks, _ := m["blocks"].([]any)
	if len(blocks) < 3 || len(blocks) > 50 {
		t.Fatalf("%d blocks", len(blocks))
	}
	header := blocks[0].(map[string]any)
	if header["type"] != "header" || str(header, "text.type") != "plain_text" || chars(str(header, "text.text")) > slackHeaderMax ||
		!strings.HasSuffix(str(header, "text.text"), truncMarker) {
		t.Errorf("header block %v", header)
	}
	for _, b := range blocks {
		b := b.(map[string]any)
		if b["type"] == "section" {
			if txt := str(b, "text.text"); txt == "" || chars(txt) > slackTextMax {
				t.Errorf("section text of %d chars", len(txt))
			}
			if f, ok := b["fields"].([]any); ok && len(f) > slackFieldsMax {
				t.Errorf("%d fields", len(f))
			}
		}
	}
	if !strings.Contains(string(c.body), "ConsoleLogin") || !strings.Contains(string(c.body), a.ID) {
		t.Error("the message lacks the record or the alert id")
	}
}

// TestSlack_RecordOnlyPublisher: with `fields: record` the payload has no
// title or summary; the message still has the text Slack requires.
func TestSlack_RecordOnlyPublisher(t *testing.T) {
	srv := slackStandIn(t)
	o := mustOutput(t, "slack", map[string]string{"fields": "record"}, map[string]string{"webhook_url": srv.URL + "/services/x"})
	a := sampleAlert()
	mustSend(t, o, a)
	m := srv.lastAccepted(t).json(t)
	blocks := m["blocks"].([]any)
	if got := str(blocks[1].(map[string]any), "text.text"); got != a.Title {
		t.Errorf("section text %q, want the title", got)
	}
}

func TestPagerDuty_EventsAPIv2Trigger(t *testing.T) {
	srv := newStub(t, status(202, `{"status":"success","message":"Event processed","dedup_key":"x"}`))
	o := mustOutput(t, "pagerduty", map[string]string{"url": srv.URL}, map[string]string{"routing_key": "R0UT1NGKEY0000000000000000000000"})
	a := sampleAlert()
	mustSend(t, o, a)
	c := srv.last(t)
	wantRequest(t, c, "POST", "/v2/enqueue")
	wantHeader(t, c, "Content-Type", "application/json")
	m := c.json(t)
	for path, want := range map[string]string{
		"routing_key": "R0UT1NGKEY0000000000000000000000", "event_action": "trigger", "dedup_key": a.ID,
		"payload.severity": "error", "payload.source": "prod-trail", "payload.timestamp": "2024-05-01T10:00:00Z",
	} {
		if got := str(m, path); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	if s := str(m, "payload.summary"); s == "" || len(s) > 1024 {
		t.Errorf("summary %q", s)
	}
	if _, ok := lookupPath(m, "payload.custom_details.record"); !ok {
		t.Error("custom_details lacks the record")
	}
	// A 2xx whose body says otherwise is an error.
	srv.reply = status(202, `{"status":"invalid event","message":"Event object is invalid"}`)
	if err := o.Send(context.Background(), a); err == nil {
		t.Error("no error for a non-success status")
	}
}

func TestOpsgenie_CreateAlert(t *testing.T) {
	srv := newStub(t, status(202, `{"result":"Request will be processed","took":0.1,"requestId":"r"}`))
	o := mustOutput(t, "opsgenie", map[string]string{"url": srv.URL, "responders": "secops, cloud"}, map[string]string{"api_key": "eb243592-faa2-4ba2-a551q-1afdf565c889"})
	a := sampleAlert()
	a.Title = strings.Repeat("x", 200)
	mustSend(t, o, a)
	c := srv.last(t)
	wantRequest(t, c, "POST", "/v2/alerts")
	wantHeader(t, c, "Authorization", "GenieKey eb243592-faa2-4ba2-a551q-1afdf565c889")
	wantHeader(t, c, "Content-Type", "application/json")
	m := c.json(t)
	if msg := str(m, "message"); msg == "" || chars(msg) > 130 || !strings.HasSuffix(msg, truncMarker) {
		t.Errorf("message of %d chars", len(msg))
	}
	if str(m, "alias") != a.ID || str(m, "priority") != "P2" || str(m, "details.rule") != a.Rule {
		t.Errorf("alias %q priority %q details %v", str(m, "alias"), str(m, "priority"), m["details"])
	}
	rs, _ := m["responders"].([]any)
	if len(rs) != 2 || str(rs[1].(map[string]any), "name") != "cloud" || str(rs[1].(map[string]any), "type") != "team" {
		t.Errorf("responders %v", rs)
	}
	for k, v := range m["details"].(map[string]any) {
		if _, ok := v.(string); !ok {
			t.Errorf("detail %s is not a string: %v", k, v)
		}
	}
}

func TestJira_CreateIssue(t *testing.T) {
	for _, version := range []string{"2", "3"} {
		t.Run("v"+version, func(t *testing.T) {
			srv := newStub(t, status(201, `{"id":"10000","key":"SEC-24","self":"x"}`))
			o := mustOutput(t, "jira", map[string]string{"url": srv.URL + "/", "project_key": "SEC", "api_version": version, "labels": "cloud"},
				map[string]string{"email": "bot@example.com", "api_token": "ATATT3xFfGF0token"})
			mustSend(t, o, sampleAlert())
			c := srv.last(t)
			wantRequest(t, c, "POST", "/rest/api/"+version+"/issue")
			wantHeader(t, c, "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("bot@example.com:ATATT3xFfGF0token")))
			wantHeader(t, c, "Accept", "application/json")
			m := c.json(t)
			if str(m, "fields.project.key") != "SEC" || str(m, "fields.issuetype.name") != "Task" || str(m, "fields.summary") != "Console login without MFA" {
				t.Errorf("fields %v", m["fields"])
			}
			desc, _ := lookupPath(m, "fields.description")
			switch version {
			case "2":
				if s, ok := desc.(string); !ok || !strings.Contains(s, "{code:json}") {
					t.Errorf("v2 description %v", desc)
				}
			case "3":
				d, ok := desc.(map[string]any)
				if !ok || d["type"] != "doc" || d["version"] != float64(1) || len(d["content"].([]any)) == 0 {
					t.Errorf("v3 description is not ADF: %v", desc)
				}
			}
			if labels := m["fields"].(map[string]any)["labels"].([]any); len(labels) != 2 || labels[1] != "cloud" {
				t.Errorf("labels %v", labels)
			}
		})
	}
}

func TestGitHub_CreateIssue(t *testing.T) {
	srv := newStub(t, status(201, `{"number":7}`))
	o := mustOutput(t, "github", map[string]string{"url": srv.URL, "repository": "acme/security", "labels": "alert,high"}, map[string]string{"token": "ghp_0123456789abcdef"})
	a := sampleAlert()
	mustSend(t, o, a)
	c := srv.last(t)
	wantRequest(t, c, "POST", "/repos/acme/security/issues")
	wantHeader(t, c, "Authorization", "Bearer ghp_0123456789abcdef")
	wantHeader(t, c, "Accept", "application/vnd.github+json")
	wantHeader(t, c, "X-GitHub-Api-Version", "2022-11-28")
	if c.header.Get("User-Agent") == "" {
		t.Error("no User-Agent (GitHub requires one)")
	}
	m := c.json(t)
	if str(m, "title") != a.Title || !strings.Contains(str(m, "body"), a.ID) {
		t.Errorf("issue %v", m)
	}
	if labels, _ := m["labels"].([]any); len(labels) != 2 {
		t.Errorf("labels %v", m["labels"])
	}
	if _, err := NewOutput(OutputConfig{Name: "github:x", Service: "github", Settings: map[string]string{"repository": "nope"}}, map[string]string{"token": "t"}, OutputOptions{}); err == nil {
		t.Error("a repository without owner was accepted")
	}
}

func TestTeams_Cards(t *testing.T) {
	for _, format := range []string{"adaptive", "messagecard"} {
		t.Run(format, func(t *testing.T) {
			srv := newStub(t, status(202, ""))
			o := mustOutput(t, "teams", map[string]string{"format": format}, map[string]string{"webhook_url": srv.URL + "/workflows/abc"})
			mustSend(t, o, sampleAlert())
			c := srv.last(t)
			wantRequest(t, c, "POST", "/workflows/abc")
			wantHeader(t, c, "Content-Type", "application/json")
			m := c.json(t)
			if format == "adaptive" {
				att := m["attachments"].([]any)[0].(map[string]any)
				if m["type"] != "message" || att["contentType"] != "application/vnd.microsoft.card.adaptive" ||
					str(att, "content.type") != "AdaptiveCard" || str(att, "content.version") == "" {
					t.Errorf("adaptive card %v", m)
				}
			} else if m["@type"] != "MessageCard" || m["@context"] != "https://schema.org/extensions" || str(m, "title") == "" {
				t.Errorf("message card %v", m)
			}
		})
	}
}

func TestWebhook_SignedPost(t *testing.T) {
	key := "whsec_test_key_123"
	srv := newStub(t, status(204, ""))
	o := mustOutput(t, "webhook", map[string]string{"url": srv.URL + "/hook", "fields": "id,rule,severity,record.sourceIPAddress"}, map[string]string{"signing_key": key})
	a := sampleAlert()
	mustSend(t, o, a)
	c := srv.last(t)
	wantRequest(t, c, "POST", "/hook")
	wantHeader(t, c, "Content-Type", "application/json")
	wantHeader(t, c, "X-Streamalert-Alert-Id", a.ID)
	sig := c.header.Get(SignatureHeader)
	if !VerifySignature([]byte(key), c.body, sig) {
		t.Errorf("signature %q does not verify", sig)
	}
	if VerifySignature([]byte("other"), c.body, sig) || VerifySignature([]byte(key), append(c.body, ' '), sig) {
		t.Error("signature verifies with a wrong key or body")
	}
	m := c.json(t)
	if len(m) != 4 || str(m, "record.sourceIPAddress") != "198.51.100.7" {
		t.Errorf("published payload %v", m)
	}
}

// httpFailureCases builds each HTTP output against a server and checks how
// failures are classified: retried (5xx, 429 with Retry-After, timeouts)
// or permanent (other 4xx).
func TestHTTPOutputs_FailurePaths(t *testing.T) {
	builders := map[string]func(url string) (Output, error){
		"slack": func(u string) (Output, error) {
			return NewOutput(OutputConfig{Name: "slack:t", Service: "slack", Settings: map[string]string{"timeout": "200ms"}}, map[string]string{"webhook_url": u + "/services/x"}, OutputOptions{})
		},
		"pagerduty": func(u string) (Output, error) {
			return NewOutput(OutputConfig{Name: "pagerduty:t", Service: "pagerduty", Settings: map[string]string{"url": u, "timeout": "200ms"}}, map[string]string{"routing_key": "k"}, OutputOptions{})
		},
		"opsgenie": func(u string) (Output, error) {
			return NewOutput(OutputConfig{Name: "opsgenie:t", Service: "opsgenie", Settings: map[string]string{"url": u, "timeout": "200ms"}}, map[string]string{"api_key": "k"}, OutputOptions{})
		},
		"jira": func(u string) (Output, error) {
			return NewOutput(OutputConfig{Name: "jira:t", Service: "jira", Settings: map[string]string{"url": u, "project_key": "P", "timeout": "200ms"}}, map[string]string{"email": "e@x", "api_token": "t"}, OutputOptions{})
		},
		"github": func(u string) (Output, error) {
			return NewOutput(OutputConfig{Name: "github:t", Service: "github", Settings: map[string]string{"url": u, "repository": "a/b", "timeout": "200ms"}}, map[string]string{"token": "t"}, OutputOptions{})
		},
		"teams": func(u string) (Output, error) {
			return NewOutput(OutputConfig{Name: "teams:t", Service: "teams", Settings: map[string]string{"timeout": "200ms"}}, map[string]string{"webhook_url": u + "/w"}, OutputOptions{})
		},
		"webhook": func(u string) (Output, error) {
			return NewOutput(OutputConfig{Name: "webhook:t", Service: "webhook", Settings: map[string]string{"url": u, "timeout": "200ms"}}, map[string]string{"signing_key": "k"}, OutputOptions{})
		},
	}
	cases := []struct {
		name       string
		reply      func(int, *http.Request, http.ResponseWriter)
		permanent  bool
		status     int
		retryAfter time.Duration
	}{
		{"500 is retried", status(500, "boom"), false, 500, 0},
		{"503 is retried", status(503, "unavailable"), false, 503, 0},
		{"429 honours Retry-After", func(_ int, _ *http.Request, w http.ResponseWriter) {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(429)
		}, false, 429, 7 * time.Second},
		{"400 is permanent", status(400, "invalid_payload"), true, 400, 0},
		{"401 is permanent", status(401, "bad key"), true, 401, 0},
		{"timeout is retried", func(_ int, r *http.Request, _ http.ResponseWriter) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, false, 0, 0},
	}
	for _, service := range sortedKeys(builders) {
		for _, tc := range cases {
			t.Run(service+"/"+tc.name, func(t *testing.T) {
				srv := newStub(t, tc.reply)
				o, err := builders[service](srv.URL)
				if err != nil {
					t.Fatal(err)
				}
				err = o.Send(context.Background(), sampleAlert())
				var de *DeliveryError
				if !errors.As(err, &de) {
					t.Fatalf("error %v is not a DeliveryError", err)
				}
				if de.Permanent != tc.permanent || de.StatusCode != tc.status || de.RetryAfter != tc.retryAfter {
					t.Errorf("got permanent=%v status=%d retry-after=%s (%s), want %v %d %s",
						de.Permanent, de.StatusCode, de.RetryAfter, de.Msg, tc.permanent, tc.status, tc.retryAfter)
				}
			})
		}
	}
}

func TestGitHub_RateLimitedForbiddenIsRetried(t *testing.T) {
	reset := time.Now().Add(90 * time.Second).Unix()
	srv := newStub(t, func(_ int, _ *http.Request, w http.ResponseWriter) {
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset, 10))
		w.WriteHeader(403)
	})
	o := mustOutput(t, "github", map[string]string{"url": srv.URL, "repository": "a/b"}, map[string]string{"token": "t"})
	var de *DeliveryError
	if err := o.Send(context.Background(), sampleAlert()); !errors.As(err, &de) || de.Permanent || de.RetryAfter < 30*time.Second {
		t.Errorf("rate-limited 403: %+v", de)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"120", 2 * time.Minute},
		{"-5", 0},
		{"99999999999", maxRetryAfter},
		{"soon", 0},
		{"Wed, 01 May 2024 10:00:30 GMT", 30 * time.Second},
		{"Wed, 01 May 2024 09:00:00 GMT", 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"1", "Wed, 01 May 2024 10:00:30 GMT", "", "-1", "9999999999999999999"} {
		f.Add(s)
	}
	now := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if d := parseRetryAfter(s, now); d < 0 {
			t.Errorf("parseRetryAfter(%q) = %s < 0", s, d)
		}
	})
}

func testAWS(context.Context, string) (aws.Config, error) {
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "testsecretkey", "")}, nil
}
