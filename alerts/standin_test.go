package alerts

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// A stand-in is a local server for one service that enforces what the
// service documents (limits, request shape, allowed characters; the
// figures are those of docs/alerts.md, "Limits of the services") and
// answers a violation the way the service does. refuseOver, when set,
// makes it also refuse any payload over that many bytes in the same way:
// how the tests provoke the minimal-payload fallback.

// answer is a stand-in's reply.
type answer struct {
	status int
	header map[string]string
	body   string
}

func say(status int, body string) answer { return answer{status: status, body: body} }

// standIn records the requests it accepted.
type standIn struct {
	*stub
	mu         sync.Mutex
	accepted   []captured
	refusals   []string
	refuseOver int
}

func newStandIn(t *testing.T, check func(s *standIn, r *http.Request, body []byte) answer) *standIn {
	s := &standIn{}
	s.stub = newStub(t, func(n int, r *http.Request, w http.ResponseWriter) {
		s.stub.mu.Lock()
		c := s.stub.reqs[n-1]
		s.stub.mu.Unlock()
		a := check(s, r, c.body)
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		s.mu.Lock()
		if a.status < 300 {
			s.accepted = append(s.accepted, c)
		} else {
			s.refusals = append(s.refusals, fmt.Sprintf("%d %s", a.status, a.body))
		}
		s.mu.Unlock()
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
	})
	return s
}

// lastAccepted is the last request the stand-in accepted.
func (s *standIn) lastAccepted(t *testing.T) captured {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.accepted) == 0 {
		t.Fatalf("the stand-in accepted no request; refusals: %v", s.refusals)
	}
	return s.accepted[len(s.accepted)-1]
}

func (s *standIn) tooBig(n int) bool { return s.refuseOver > 0 && n > s.refuseOver }

// problems collects what a request breaks.
type problems []string

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

func (p problems) String() string { return strings.Join(p, "; ") }

// textField checks a string value: present (when min > 0) and at most max
// characters (UTF-16 units, as the services count).
func (p *problems) textField(name string, v any, min, max int) {
	s, isStr := v.(string)
	switch {
	case v == nil && min == 0:
	case !isStr:
		p.add("%s is not a string", name)
	case chars(s) < min:
		p.add("%s is empty", name)
	case chars(s) > max:
		p.add("%s is %d characters, over %d", name, chars(s), max)
	}
}

func decodeObject(body []byte) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	if !utf8.Valid(body) {
		return nil, fmt.Errorf("body is not UTF-8")
	}
	return m, nil
}

// --- Slack: Block Kit reference (blocks, text objects), chat.postMessage ---

func slackStandIn(t *testing.T) *standIn {
	return newStandIn(t, func(s *standIn, r *http.Request, body []byte) answer {
		if s.tooBig(len(body)) {
			return say(400, "invalid_blocks")
		}
		m, err := decodeObject(body)
		if err != nil || r.Header.Get("Content-Type") != "application/json" {
			return say(400, "invalid_payload")
		}
		var p problems
		blocks, _ := m["blocks"].([]any)
		p.textField("text", m["text"], 0, slackMessageMax)
		if len(blocks) == 0 && str(m, "text") == "" {
			return say(400, "no_text")
		}
		if len(blocks) > slackBlocksMax {
			p.add("%d blocks", len(blocks))
		}
		for i, b := range blocks {
			slackBlock(&p, fmt.Sprintf("blocks[%d]", i), b)
		}
		if len(p) > 0 {
			return say(400, "invalid_blocks: "+p.String())
		}
		return say(200, "ok")
	})
}

func slackTextObject(p *problems, name string, v any, max int) {
	o, isObj := v.(map[string]any)
	if !isObj {
		p.add("%s is not a text object", name)
		return
	}
	switch o["type"] {
	case "plain_text":
	case "mrkdwn":
		if _, has := o["emoji"]; has {
			p.add("%s: emoji is only for plain_text", name)
		}
	default:
		p.add("%s: text type %v", name, o["type"])
	}
	p.textField(name+".text", o["text"], 1, max)
}

func slackBlock(p *problems, name string, v any) {
	b, _ := v.(map[string]any)
	switch b["type"] {
	case "header":
		slackTextObject(p, name+".text", b["text"], slackHeaderMax)
		if str(b, "text.type") != "plain_text" {
			p.add("%s: a header takes plain_text", name)
		}
	case "section":
		fields, _ := b["fields"].([]any)
		if b["text"] == nil && len(fields) == 0 {
			p.add("%s: a section needs text or fields", name)
		}
		if b["text"] != nil {
			slackTextObject(p, name+".text", b["text"], slackTextMax)
		}
		if len(fields) > slackFieldsMax {
			p.add("%s: %d fields", name, len(fields))
		}
		for i, f := range fields {
			slackTextObject(p, fmt.Sprintf("%s.fields[%d]", name, i), f, slackFieldMax)
		}
	case "context":
		els, _ := b["elements"].([]any)
		if len(els) == 0 || len(els) > slackContextMax {
			p.add("%s: %d context elements", name, len(els))
		}
		for i, e := range els {
			slackTextObject(p, fmt.Sprintf("%s.elements[%d]", name, i), e, slackTextMax)
		}
	case "divider":
	default:
		p.add("%s: block type %v", name, b["type"])
	}
}

// --- Microsoft Teams: webhook message of at most 28 KB ---

func teamsStandIn(t *testing.T) *standIn {
	return newStandIn(t, func(s *standIn, r *http.Request, body []byte) answer {
		if len(body) > 28*1024 || s.tooBig(len(body)) {
			return say(413, "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 413")
		}
		m, err := decodeObject(body)
		if err != nil {
			return say(400, "Bad payload received by generic incoming webhook.")
		}
		var p problems
		switch {
		case m["type"] == "message":
			atts, _ := m["attachments"].([]any)
			if len(atts) != 1 {
				p.add("%d attachments", len(atts))
				break
			}
			att, _ := atts[0].(map[string]any)
			if att["contentType"] != "application/vnd.microsoft.card.adaptive" || str(att, "content.type") != "AdaptiveCard" || str(att, "content.version") == "" {
				p.add("attachment is not an Adaptive Card")
			}
			if body, _ := lookupPath(att, "content.body"); body == nil {
				p.add("card has no body")
			}
		case m["@type"] == "MessageCard":
			if m["@context"] != "https://schema.org/extensions" {
				p.add("@context %v", m["@context"])
			}
			if str(m, "summary") == "" && str(m, "text") == "" {
				p.add("a MessageCard needs summary or text")
			}
		default:
			p.add("neither a message with an Adaptive Card nor a MessageCard")
		}
		if len(p) > 0 {
			return say(400, "Bad payload: "+p.String())
		}
		return say(202, "1")
	})
}

// --- Jira: REST API v2 / v3 create issue ---

func jiraStandIn(t *testing.T, version string) *standIn {
	return newStandIn(t, func(s *standIn, r *http.Request, body []byte) answer {
		fail := func(field, msg string) answer {
			b, _ := json.Marshal(map[string]any{"errorMessages": []string{}, "errors": map[string]string{field: msg}})
			return answer{status: 400, header: map[string]string{"Content-Type": "application/json"}, body: string(b)}
		}
		if r.URL.Path != "/rest/api/"+version+"/issue" || !strings.HasPrefix(r.Header.Get("Authorization"), "Basic ") {
			return say(404, "")
		}
		if s.tooBig(len(body)) {
			return fail("description", "CONTENT_LIMIT_EXCEEDED")
		}
		m, err := decodeObject(body)
		if err != nil {
			return fail("body", "Unexpected character")
		}
		f, _ := m["fields"].(map[string]any)
		if str(f, "project.key") == "" || str(f, "issuetype.name") == "" {
			return fail("project", "project is required")
		}
		summary := str(f, "summary")
		if summary == "" || strings.ContainsAny(summary, "\r\n") {
			return fail("summary", "You must specify a summary of the issue.")
		}
		if chars(summary) > jiraSummaryMax {
			return fail("summary", "Summary must be less than 255 characters.")
		}
		desc := f["description"]
		if version == "2" {
			if _, isStr := desc.(string); !isStr {
				return fail("description", "Operation value must be a string")
			}
		} else if d, isDoc := desc.(map[string]any); !isDoc || d["type"] != "doc" || d["version"] != float64(1) {
			return fail("description", "Operation value must be an Atlassian Document (see the Atlassian Document Format)")
		}
		if descriptionChars(desc) > jiraDescriptionMax {
			return fail("description", "CONTENT_LIMIT_EXCEEDED")
		}
		labels, _ := f["labels"].([]any)
		for _, l := range labels {
			if ls, _ := l.(string); ls == "" || strings.ContainsAny(ls, " \t") || chars(ls) > 255 {
				return fail("labels", "The label '"+fmt.Sprint(l)+"' contains spaces which is invalid.")
			}
		}
		return answer{status: 201, header: map[string]string{"Content-Type": "application/json"}, body: `{"id":"10000","key":"SEC-1","self":"x"}`}
	})
}

// --- GitHub: REST API, create an issue ---

func gitHubStandIn(t *testing.T) *standIn {
	return newStandIn(t, func(s *standIn, r *http.Request, body []byte) answer {
		fail := func(field, msg string) answer {
			b, _ := json.Marshal(map[string]any{"message": "Validation Failed", "errors": []any{map[string]string{"resource": "Issue", "code": "custom", "field": field, "message": msg}}})
			return answer{status: 422, header: map[string]string{"Content-Type": "application/json"}, body: string(b)}
		}
		if r.Header.Get("User-Agent") == "" || !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			return say(403, `{"message":"Request forbidden by administrative rules."}`)
		}
		if s.tooBig(len(body)) {
			return fail("body", "body is too long (maximum is 65536 characters)")
		}
		m, err := decodeObject(body)
		if err != nil {
			return say(400, `{"message":"Problems parsing JSON"}`)
		}
		if title := str(m, "title"); title == "" || chars(title) > gitHubTitleMax {
			return fail("title", "title is too long (maximum is 256 characters)")
		}
		if b, isStr := m["body"].(string); !isStr || chars(b) > gitHubBodyMax {
			return fail("body", "body is too long (maximum is 65536 characters)")
		}
		return answer{status: 201, header: map[string]string{"Content-Type": "application/json"}, body: `{"number":1}`}
	})
}

// --- PagerDuty: Events API v2 ---

func pagerDutyStandIn(t *testing.T) *standIn {
	return newStandIn(t, func(s *standIn, r *http.Request, body []byte) answer {
		invalid := func(msg string) answer {
			return say(400, `{"status":"invalid event","message":"Event object is invalid","errors":["`+msg+`"]}`)
		}
		if len(body) > 512*1024 || s.tooBig(len(body)) {
			return invalid("Event object is too large")
		}
		m, err := decodeObject(body)
		if err != nil {
			return invalid("Invalid JSON")
		}
		var p problems
		p.textField("routing_key", m["routing_key"], 1, 64)
		p.textField("dedup_key", m["dedup_key"], 0, 255)
		if m["event_action"] != "trigger" {
			p.add("event_action")
		}
		p.textField("payload.summary", mustLookup(m, "payload.summary"), 1, 1024)
		p.textField("payload.source", mustLookup(m, "payload.source"), 1, 255)
		switch str(m, "payload.severity") {
		case "critical", "error", "warning", "info":
		default:
			p.add("payload.severity")
		}
		if len(p) > 0 {
			return invalid(p.String())
		}
		return say(202, `{"status":"success","message":"Event processed","dedup_key":"x"}`)
	})
}

func mustLookup(m map[string]any, path string) any {
	v, _ := lookupPath(m, path)
	return v
}

// --- Opsgenie: Alert API, create alert ---

func opsgenieStandIn(t *testing.T) *standIn {
	return newStandIn(t, func(s *standIn, r *http.Request, body []byte) answer {
		invalid := func(msg string) answer {
			return say(422, `{"message":"`+msg+`","took":0.001,"requestId":"r"}`)
		}
		if !strings.HasPrefix(r.Header.Get("Authorization"), "GenieKey ") {
			return say(401, `{"message":"Could not authenticate","took":0,"requestId":"r"}`)
		}
		if s.tooBig(len(body)) {
			return invalid("Description should be less than 15000 characters")
		}
		m, err := decodeObject(body)
		if err != nil {
			return invalid("Request body is not processable")
		}
		var p problems
		p.textField("message", m["message"], 1, opsgenieMessageMax)
		p.textField("alias", m["alias"], 0, 512)
		p.textField("description", m["description"], 0, opsgenieDescriptionMax)
		p.textField("entity", m["entity"], 0, opsgenieEntityMax)
		p.textField("source", m["source"], 0, 100)
		tags, _ := m["tags"].([]any)
		if len(tags) > opsgenieTagsMax {
			p.add("%d tags", len(tags))
		}
		for i, tag := range tags {
			p.textField(fmt.Sprintf("tags[%d]", i), tag, 1, opsgenieTagMax)
		}
		details, _ := m["details"].(map[string]any)
		total := 0
		for k, v := range details {
			vs, isStr := v.(string)
			if !isStr {
				p.add("details.%s is not a string", k)
			}
			total += chars(k) + chars(vs)
		}
		if total > opsgenieDetailsMax {
			p.add("details of %d characters", total)
		}
		switch m["priority"] {
		case "P1", "P2", "P3", "P4", "P5":
		default:
			p.add("priority")
		}
		if len(p) > 0 {
			return invalid(p.String())
		}
		return say(202, `{"result":"Request will be processed","took":0.1,"requestId":"r"}`)
	})
}

// --- generic webhook: the receiver's own limit (max_bytes) and signature ---

func webhookStandIn(t *testing.T, key string, max int) *standIn {
	return newStandIn(t, func(s *standIn, r *http.Request, body []byte) answer {
		if !VerifySignature([]byte(key), body, r.Header.Get(SignatureHeader)) {
			return say(401, "bad signature")
		}
		if len(body) > max || s.tooBig(len(body)) {
			return say(413, "too large")
		}
		if _, err := decodeObject(body); err != nil {
			return say(400, "not JSON")
		}
		return say(204, "")
	})
}

// --- Amazon SNS: Publish (query protocol) ---

func snsEnforcing(t *testing.T) *standIn {
	return newStandIn(t, func(s *standIn, r *http.Request, body []byte) answer {
		fail := func(status int, code, msg string) answer {
			return answer{status: status, header: map[string]string{"Content-Type": "text/xml"},
				body: `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>` + code + `</Code><Message>` + msg + `</Message></Error><RequestId>r</RequestId></ErrorResponse>`}
		}
		form, err := url.ParseQuery(string(body))
		if err != nil || form.Get("Action") != "Publish" {
			return fail(400, "InvalidAction", "bad request")
		}
		msg := form.Get("Message")
		if len(msg) > snsMessageMax || s.tooBig(len(msg)) {
			return fail(400, "InvalidParameter", "Invalid parameter: Message too long")
		}
		if msg == "" || !allXMLChars(msg) {
			return fail(400, "InvalidParameter", "Invalid parameter: Message")
		}
		if sub := form.Get("Subject"); sub != "" {
			if len(sub) > 100 || strings.IndexFunc(sub, func(r rune) bool { return r < 0x20 || r >= 0x7f }) >= 0 {
				return fail(400, "InvalidParameter", "Invalid parameter: Subject")
			}
		}
		return answer{status: 200, header: map[string]string{"Content-Type": "text/xml"},
			body: `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>`}
	})
}

func allXMLChars(s string) bool {
	for _, r := range s {
		if !isXMLChar(r) {
			return false
		}
	}
	return utf8.ValidString(s)
}

// --- Amazon SQS: SendMessage (JSON 1.0 protocol) ---

func sqsEnforcing(t *testing.T, max int) *standIn {
	return newStandIn(t, func(s *standIn, r *http.Request, body []byte) answer {
		fail := func(code, query, msg string) answer {
			return answer{status: 400, header: map[string]string{"Content-Type": "application/x-amz-json-1.0", "X-Amzn-Query-Error": query + ";Sender"},
				body: `{"__type":"com.amazonaws.sqs#` + code + `","message":"` + msg + `"}`}
		}
		var in struct{ QueueUrl, MessageBody string }
		if err := json.Unmarshal(body, &in); err != nil || r.Header.Get("X-Amz-Target") != "AmazonSQS.SendMessage" {
			return fail("InvalidAction", "AWS.SimpleQueueService.InvalidAction", "bad request")
		}
		if len(in.MessageBody) > max || s.tooBig(len(in.MessageBody)) {
			return fail("InvalidParameterValue", "InvalidParameterValue", "One or more parameters are invalid. Reason: Message must be shorter than "+strconv.Itoa(max)+" bytes.")
		}
		if in.MessageBody == "" || !allXMLChars(in.MessageBody) {
			return fail("InvalidMessageContents", "InvalidMessageContents", "Invalid characters found.")
		}
		sum := md5.Sum([]byte(in.MessageBody))
		b, _ := json.Marshal(map[string]string{"MessageId": "5fea7756-0ea4-451a-a703-a558b933e274", "MD5OfMessageBody": hex.EncodeToString(sum[:])})
		return answer{status: 200, header: map[string]string{"Content-Type": "application/x-amz-json-1.0"}, body: string(b)}
	})
}

// --- AWS Lambda: Invoke, asynchronous ---

func lambdaEnforcing(t *testing.T) *standIn {
	return newStandIn(t, func(s *standIn, r *http.Request, body []byte) answer {
		fail := func(status int, typ, msg string) answer {
			return answer{status: status, header: map[string]string{"Content-Type": "application/json", "X-Amzn-Errortype": typ},
				body: `{"Type":"User","message":"` + msg + `"}`}
		}
		if r.Header.Get("X-Amz-Invocation-Type") != "Event" {
			return fail(400, "InvalidParameterValueException", "invocation type")
		}
		if len(body) > 1024*1024 || s.tooBig(len(body)) {
			return fail(413, "RequestEntityTooLargeException", "Request must be smaller than 1048576 bytes for the InvokeAsync operation")
		}
		if !json.Valid(body) {
			return fail(400, "InvalidRequestContentException", "Could not parse request body into json")
		}
		return say(202, "")
	})
}

// --- Amazon Data Firehose: PutRecord ---

func firehoseEnforcing(t *testing.T) *standIn {
	return newStandIn(t, func(s *standIn, r *http.Request, body []byte) answer {
		fail := func(typ, msg string) answer {
			return answer{status: 400, header: map[string]string{"Content-Type": "application/x-amz-json-1.1"}, body: `{"__type":"` + typ + `","message":"` + msg + `"}`}
		}
		var in struct {
			DeliveryStreamName string
			Record             struct{ Data string }
		}
		if err := json.Unmarshal(body, &in); err != nil || in.DeliveryStreamName == "" {
			return fail("InvalidArgumentException", "bad request")
		}
		data, err := base64.StdEncoding.DecodeString(in.Record.Data)
		if err != nil {
			return fail("InvalidArgumentException", "Record data is not base64")
		}
		if len(data) > 1000*1024 || s.tooBig(len(data)) {
			return fail("InvalidArgumentException", "Record size exceeds 1000 KiB")
		}
		return answer{status: 200, header: map[string]string{"Content-Type": "application/x-amz-json-1.1"}, body: `{"RecordId":"49543463076548007577105092703039560359975228518395019266","Encrypted":false}`}
	})
}

// --- Amazon SES v2: SendEmail with raw content ---

func sesEnforcing(t *testing.T) *standIn {
	return newStandIn(t, func(s *standIn, r *http.Request, body []byte) answer {
		fail := func(typ, msg string) answer {
			return answer{status: 400, header: map[string]string{"Content-Type": "application/json", "X-Amzn-ErrorType": typ}, body: `{"message":"` + msg + `"}`}
		}
		var in struct {
			FromEmailAddress string
			Content          struct{ Raw struct{ Data []byte } }
		}
		if err := json.Unmarshal(body, &in); err != nil || in.FromEmailAddress == "" {
			return fail("BadRequestException", "bad request")
		}
		data := in.Content.Raw.Data
		if len(data) > 40*1000*1000 || s.tooBig(len(data)) {
			return fail("MessageRejected", "Message length is more than 40 megabytes")
		}
		if err := checkMailWire(data); err != nil {
			return fail("MessageRejected", err.Error())
		}
		return answer{status: 200, header: map[string]string{"Content-Type": "application/json"}, body: `{"MessageId":"0100018f2a7c1b2e"}`}
	})
}
