package alerts

import (
	"context"
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

// GitHub's limits on an issue (the REST API answers 422 "is too long"):
// a title of 256 characters, a body of 65,536.
const (
	gitHubTitleMax = 256
	gitHubBodyMax  = 65536
)

// gitHubBody is the Markdown body: the summary, description and runbook as
// escaped text, the payload as JSON in a fence its data cannot close.
func gitHubBody(a *Alert, p map[string]any) string {
	var b strings.Builder
	b.WriteString(markdownEscape(displayText(pubString(p, "summary"))))
	if d := displayText(pubString(p, "description")); d != "" {
		b.WriteString("\n\n" + markdownEscape(d))
	}
	if r := displayText(pubString(p, "runbook")); r != "" {
		if linkable(r) {
			b.WriteString("\n\nRunbook: <" + r + ">") // a CommonMark autolink
		} else {
			b.WriteString("\n\nRunbook: " + markdownEscape(r))
		}
	}
	js := displayText(displayJSON(p))
	fence := markdownFence(js)
	fmt.Fprintf(&b, "\n\n%sjson\n%s\n%s\n\nAlert %s of rule %s.", fence, js, fence, a.ID, markdownEscape(a.Rule))
	if ptr := pubString(p, "full_record"); ptr != "" {
		b.WriteString("\nFull record: " + markdownEscape(ptr))
	}
	return b.String()
}

func (o *gitHubOutput) issue(a *Alert, p map[string]any) map[string]any {
	title := displayText(pubString(p, "title"))
	if title == "" {
		title = alertTitle(a)
	}
	issue := map[string]any{"title": clip(strings.Join(strings.Fields(title), " "), gitHubTitleMax), "body": gitHubBody(a, p)}
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
	return o.post(ctx, a, p)
}

// SendMinimal opens an issue from the minimal payload.
func (o *gitHubOutput) SendMinimal(ctx context.Context, a *Alert) error {
	return o.post(ctx, a, MinimalPayload(a))
}

func (o *gitHubOutput) post(ctx context.Context, a *Alert, p map[string]any) error {
	var issue map[string]any
	fitted := fitPayload(a, p, func(q map[string]any) bool {
		issue = o.issue(a, q)
		return chars(issue["body"].(string)) <= gitHubBodyMax
	})
	if fitted == nil {
		return &DeliveryError{Output: o.env.name, Permanent: true, Msg: fmt.Sprintf("alert %s: no issue body fits in %d characters", a.ID, gitHubBodyMax)}
	}
	body, err := compactJSON(issue)
	if err != nil {
		return &DeliveryError{Output: o.env.name, Permanent: true, Msg: "encode issue: " + err.Error()}
	}
	h := http.Header{
		"Content-Type":         {"application/json"},
		"Accept":               {"application/vnd.github+json"},
		"Authorization":        {"Bearer " + o.token},
		"X-Github-Api-Version": {gitHubAPIVersion},
	}
	_, _, err = o.http.do(ctx, http.MethodPost, o.url, h, body)
	return err
}
