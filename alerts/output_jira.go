package alerts

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

func init() {
	register(&Service{
		Name:        "jira",
		Description: "Jira: creates an issue (REST API v3 with an ADF description, or v2 with text)",
		Settings: []Setting{
			{Name: "url", Required: true, Doc: "site URL, e.g. https://example.atlassian.net"},
			{Name: "project_key", Required: true, Doc: "project the issue is created in"},
			{Name: "issue_type", Doc: "issue type name (default Task)"},
			{Name: "api_version", Doc: "3 (default, Jira Cloud) or 2 (Jira Server/Data Center)"},
			{Name: "labels", Doc: "comma-separated labels added to the issue"},
		},
		Secrets: []Setting{
			{Name: "email", Required: true, Doc: "the account's email (or user name on Server)"},
			{Name: "api_token", Required: true, Doc: "an API token (or password on Server)"},
		},
		build: newJira,
	})
}

type jiraOutput struct {
	env     *outputEnv
	http    *httpSender
	url     string
	auth    string
	project string
	typ     string
	v3      bool
	labels  []string
}

func newJira(env *outputEnv) (Output, error) {
	v := env.setting("api_version", "3")
	if v != "2" && v != "3" {
		return nil, env.errorf("api_version %q must be 2 or 3", v)
	}
	base := strings.TrimRight(env.setting("url", ""), "/")
	labels := append([]string{"streamalert"}, splitList(env.setting("labels", ""))...)
	for _, l := range labels {
		if strings.ContainsAny(l, " \t") {
			return nil, env.errorf("label %q contains a space (Jira labels cannot)", l)
		}
	}
	auth := base64.StdEncoding.EncodeToString([]byte(env.secret("email") + ":" + env.secret("api_token")))
	o := &jiraOutput{env: env, http: newHTTPSender(env), url: base + "/rest/api/" + v + "/issue", auth: "Basic " + auth,
		project: env.setting("project_key", ""), typ: env.setting("issue_type", "Task"), v3: v == "3", labels: labels}
	o.http.secrets = append(o.http.secrets, auth)
	return o, nil
}

func (o *jiraOutput) Name() string { return o.env.name }

// Jira's limits (Atlassian: "Jira Cloud text field character limit"; the
// REST API answers CONTENT_LIMIT_EXCEEDED): a summary of 255 characters, a
// text field of 32,767 — for an ADF description, counted here on the
// document's JSON, which is never shorter than its text.
const (
	jiraSummaryMax     = 255
	jiraDescriptionMax = 32767
)

// jiraText is the human part of the description: summary, description,
// alert id and rule, and where the full record is when it was cut.
func jiraText(a *Alert, p map[string]any) string {
	text := displayText(pubString(p, "summary"))
	if d := displayText(pubString(p, "description")); d != "" {
		text += "\n\n" + d
	}
	text += "\n\nAlert " + a.ID + " of rule " + a.Rule
	if ptr := pubString(p, "full_record"); ptr != "" {
		text += "\nFull record: " + ptr
	}
	return strings.TrimSpace(text)
}

// adfParagraphs turns text into ADF paragraphs, one per blank-line
// separated block, lines joined by hardBreak nodes. ADF text nodes are
// literal: nothing in them is markup.
func adfParagraphs(text string) []any {
	var out []any
	for block := range strings.SplitSeq(text, "\n\n") {
		var content []any
		for line := range strings.SplitSeq(block, "\n") {
			if len(content) > 0 {
				content = append(content, map[string]any{"type": "hardBreak"})
			}
			if line != "" {
				content = append(content, map[string]any{"type": "text", "text": line})
			}
		}
		if len(content) > 0 {
			out = append(out, map[string]any{"type": "paragraph", "content": content})
		}
	}
	return out
}

// jiraDescription is the description in the API version's form: an ADF
// document (v3) or wiki markup text (v2), with the payload as JSON code.
func (o *jiraOutput) jiraDescription(a *Alert, p map[string]any) any {
	text := jiraText(a, p)
	js := displayText(displayJSON(p))
	if o.v3 {
		content := adfParagraphs(text)
		content = append(content, map[string]any{"type": "codeBlock", "attrs": map[string]any{"language": "json"},
			"content": []any{map[string]any{"type": "text", "text": js}}})
		return map[string]any{"type": "doc", "version": 1, "content": content}
	}
	return jiraEscape(text) + "\n\n{code:json}\n" + jiraNoformat(js) + "\n{code}"
}

func (o *jiraOutput) issue(a *Alert, p map[string]any) map[string]any {
	summary := displayText(pubString(p, "title"))
	if summary == "" {
		summary = alertTitle(a)
	}
	summary = strings.Join(strings.Fields(summary), " ")
	return map[string]any{"fields": map[string]any{
		"project":     map[string]any{"key": o.project},
		"summary":     clip(summary, jiraSummaryMax),
		"description": o.jiraDescription(a, p),
		"issuetype":   map[string]any{"name": o.typ},
		"labels":      o.labels,
	}}
}

// descriptionChars is how long Jira finds a description: its text (v2) or
// its JSON (v3).
func descriptionChars(d any) int {
	if s, ok := d.(string); ok {
		return chars(s)
	}
	b, _ := compactJSON(d)
	return chars(string(b))
}

func (o *jiraOutput) Send(ctx context.Context, a *Alert) error {
	p, err := o.env.publish(a)
	if err != nil {
		return err
	}
	return o.post(ctx, a, p)
}

// SendMinimal creates an issue from the minimal payload.
func (o *jiraOutput) SendMinimal(ctx context.Context, a *Alert) error {
	return o.post(ctx, a, MinimalPayload(a))
}

func (o *jiraOutput) post(ctx context.Context, a *Alert, p map[string]any) error {
	var issue map[string]any
	fitted := fitPayload(a, p, func(q map[string]any) bool {
		issue = o.issue(a, q)
		return descriptionChars(issue["fields"].(map[string]any)["description"]) <= jiraDescriptionMax
	})
	if fitted == nil {
		return &DeliveryError{Output: o.env.name, Permanent: true, Msg: fmt.Sprintf("alert %s: no description fits in %d characters", a.ID, jiraDescriptionMax)}
	}
	body, err := compactJSON(issue)
	if err != nil {
		return &DeliveryError{Output: o.env.name, Permanent: true, Msg: "encode issue: " + err.Error()}
	}
	h := http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}, "Authorization": {o.auth}}
	_, _, err = o.http.do(ctx, http.MethodPost, o.url, h, body)
	return err
}
