package alerts

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

func init() {
	register(&Service{
		Name:        "slack",
		Description: "Slack incoming webhook; the message is built from Block Kit blocks",
		Secrets:     []Setting{{Name: "webhook_url", Required: true, Doc: "the incoming webhook URL (https://hooks.slack.com/services/…)"}},
		build:       newSlack,
	})
}

// Slack's limits on blocks (Block Kit reference).
const (
	slackHeaderMax  = 150
	slackTextMax    = 3000
	slackFieldsMax  = 10
	slackFieldMax   = 2000
	slackContextMax = 10
)

type slackOutput struct {
	env  *outputEnv
	http *httpSender
	url  string
}

func newSlack(env *outputEnv) (Output, error) {
	u := env.secret("webhook_url")
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return nil, env.errorf("webhook_url is not an http(s) URL")
	}
	return &slackOutput{env: env, http: newHTTPSender(env), url: u}, nil
}

func (o *slackOutput) Name() string { return o.env.name }

// slackMessage builds the webhook body: a header, the summary with a few
// fields, the record (when the publisher kept it) and a context line.
func slackMessage(p map[string]any) map[string]any {
	title := pubString(p, "title")
	if title == "" {
		title = pubString(p, "rule")
	}
	text := pubString(p, "summary")
	if d := pubString(p, "description"); d != "" {
		text = strings.TrimSpace(text + "\n" + d)
	}
	if text == "" {
		text = title
	}
	var blocks []any
	if title != "" {
		blocks = append(blocks, map[string]any{"type": "header", "text": map[string]any{"type": "plain_text", "text": truncate(title, slackHeaderMax), "emoji": false}})
	}
	section := map[string]any{"type": "section", "text": mrkdwn(truncate(text, slackTextMax))}
	var fields []any
	for _, f := range [][2]string{{"Severity", "severity"}, {"Rule", "rule"}, {"Log type", "log_type"}, {"Source", "source"}, {"Event time", "event_time"}, {"Runbook", "runbook"}} {
		if v := pubString(p, f[1]); v != "" && len(fields) < slackFieldsMax {
			fields = append(fields, mrkdwn(truncate("*"+f[0]+"*\n"+v, slackFieldMax)))
		}
	}
	if m, ok := p["merge"].(map[string]any); ok && len(fields) < slackFieldsMax {
		fields = append(fields, mrkdwn(fmt.Sprintf("*Merged alerts*\n%v", m["count"])))
	}
	if len(fields) > 0 {
		section["fields"] = fields
	}
	blocks = append(blocks, section)
	if rec, ok := p["record"]; ok && rec != nil {
		js, _ := json.MarshalIndent(rec, "", "  ")
		// Leave room for the code fence within the section limit.
		blocks = append(blocks, map[string]any{"type": "section", "text": mrkdwn("```" + truncate(string(js), slackTextMax-6) + "```")})
	}
	var ctx []any
	if id := pubString(p, "id"); id != "" {
		ctx = append(ctx, mrkdwn("alert "+id))
	}
	if c := pubString(p, "created"); c != "" {
		ctx = append(ctx, mrkdwn("created "+c))
	}
	if len(ctx) > 0 {
		blocks = append(blocks, map[string]any{"type": "context", "elements": ctx[:min(len(ctx), slackContextMax)]})
	}
	return map[string]any{"text": truncate(title+": "+text, slackTextMax), "blocks": blocks}
}

func mrkdwn(s string) map[string]any { return map[string]any{"type": "mrkdwn", "text": s} }

func (o *slackOutput) Send(ctx context.Context, a *Alert) error {
	p, err := o.env.publish(a)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(slackMessage(p))
	_, _, err = o.http.do(ctx, http.MethodPost, o.url, http.Header{"Content-Type": {"application/json"}}, body)
	return err
}

// publish runs the output's publisher; its failure is permanent: a broken
// template does not heal by retrying.
func (e *outputEnv) publish(a *Alert) (map[string]any, error) {
	p, err := e.pub.Publish(a)
	if err != nil {
		return nil, &DeliveryError{Output: e.name, Permanent: true, Msg: err.Error()}
	}
	return p, nil
}

// pubString reads a payload value as text ("" when missing).
func pubString(p map[string]any, key string) string {
	v, ok := lookupPath(p, key)
	if !ok || v == nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		return x
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	}
	return plain(v)
}
