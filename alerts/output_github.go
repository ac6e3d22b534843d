package alerts

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

func init() {
	register(&Service{
		Name:        "github",
		Description: "GitHub: opens an issue in a repository (REST API)",
		Settings: []Setting{
			{Name: "repository", Required: true, Doc: "owner/name of the repository"},
			{Name: "labels", Doc: "comma-separated labels"},
			{Name: "assignees", Doc: "comma-separated logins"},
			{Name: "url", Doc: "API base URL (default https://api.github.com; GitHub Enterprise: https://HOST/api/v3)"},
		},
		Secrets: []Setting{{Name: "token", Required: true, Doc: "a token allowed to create issues"}},
		build:   newGitHub,
	})
}

// gitHubAPIVersion is the REST API version requested.
const gitHubAPIVersion = "2022-11-28"

type gitHubOutput struct {
	env       *outputEnv
	http      *httpSender
	url       string
	token     string
	labels    []string
	assignees []string
}

func newGitHub(env *outputEnv) (Output, error) {
	owner, name, ok := strings.Cut(env.setting("repository", ""), "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return nil, env.errorf("repository %q must be owner/name", env.setting("repository", ""))
	}
	base := strings.TrimRight(env.setting("url", "https://api.github.com"), "/")
	return &gitHubOutput{
		env: env, http: newHTTPSender(env), token: env.secret("token"),
		url:    fmt.Sprintf("%s/repos/%s/%s/issues", base, url.PathEscape(owner), url.PathEscape(name)),
		labels: splitList(env.setting("labels", "")), assignees: splitList(env.setting("assignees", "")),
	}, nil
}

func (o *gitHubOutput) Name() string { return o.env.name }

func (o *gitHubOutput) issue(a *Alert, p map[string]any) map[string]any {
	title := pubString(p, "title")
	if title == "" {
		title = alertTitle(a)
	}
	var b strings.Builder
	b.WriteString(pubString(p, "summary"))
	if d := pubString(p, "description"); d != "" {
		b.WriteString("\n\n" + d)
	}
	if r := pubString(p, "runbook"); r != "" {
		b.WriteString("\n\nRunbook: " + r)
	}
	js, _ := json.MarshalIndent(p, "", "  ")
	// Issue bodies are capped at 65,536 characters.
	fmt.Fprintf(&b, "\n\n```json\n%s\n```\n\nAlert `%s` of rule `%s`.", truncate(string(js), 60000), a.ID, a.Rule)
	issue := map[string]any{"title": truncate(title, 256), "body": b.String()}
	if len(o.labels) > 0 {
		issue["labels"] = o.labels
	}
	if len(o.assignees) > 0 {
		issue["assignees"] = o.assignees
	}
	return issue
}

func (o *gitHubOutput) Send(ctx context.Context, a *Alert) error {
	p, err := o.env.publish(a)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(o.issue(a, p))
	h := http.Header{
		"Content-Type":         {"application/json"},
		"Accept":               {"application/vnd.github+json"},
		"Authorization":        {"Bearer " + o.token},
		"X-Github-Api-Version": {gitHubAPIVersion},
	}
	_, _, err = o.http.do(ctx, http.MethodPost, o.url, h, body)
	return err
}
