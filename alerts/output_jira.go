package alerts

import (
	"context"
	"encoding/base64"
	"encoding/json"
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

func (o *jiraOutput) issue(a *Alert, p map[string]any) map[string]any {
	summary := pubString(p, "title")
	if summary == "" {
		summary = alertTitle(a)
	}
	text := pubString(p, "summary")
	if d := pubString(p, "description"); d != "" {
		text += "\n\n" + d
	}
	text += "\n\nAlert " + a.ID + " of rule " + a.Rule
	js, _ := json.MarshalIndent(p, "", "  ")
	var desc any
	if o.v3 {
		// Atlassian Document Format: a paragraph and the payload as code.
		desc = map[string]any{
			"type": "doc", "version": 1,
			"content": []any{
				map[string]any{"type": "paragraph", "content": []any{map[string]any{"type": "text", "text": text}}},
				map[string]any{"type": "codeBlock", "attrs": map[string]any{"language": "json"},
					"content": []any{map[string]any{"type": "text", "text": truncate(string(js), 30000)}}},
			},
		}
	} else {
		desc = text + "\n\n{code:json}\n" + truncate(string(js), 30000) + "\n{code}"
	}
	return map[string]any{"fields": map[string]any{
		"project":     map[string]any{"key": o.project},
		"summary":     truncate(strings.ReplaceAll(summary, "\n", " "), 255),
		"description": desc,
		"issuetype":   map[string]any{"name": o.typ},
		"labels":      o.labels,
	}}
}

func (o *jiraOutput) Send(ctx context.Context, a *Alert) error {
	p, err := o.env.publish(a)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(o.issue(a, p))
	h := http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}, "Authorization": {o.auth}}
	_, _, err = o.http.do(ctx, http.MethodPost, o.url, h, body)
	return err
}
