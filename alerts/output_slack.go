package alerts

import (
	"context"
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

// Slack's limits (Block Kit reference: blocks, text objects; chat.postMessage
// for the top-level text), in characters.
const (
	slackHeaderMax  = 150
	slackTextMax    = 3000
	slackFieldsMax  = 10
	slackFieldMax   = 2000
	slackContextMax = 10
	slackBlocksMax  = 50
	slackMessageMax = 40000
	// slackRecordBudget is the JSON the record block summarizes a record
	// to before clipping: a code block is read, not searched.
	slackRecordBudget = 2500
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
// Text from the alert goes out as plain_text, which Slack shows as
// written; the record's code block is mrkdwn, escaped and with backtick
// runs broken, so its data can neither mention, link nor end the block.
func slackMessage(a *Alert, p map[string]any) map[string]any {
	title := displayText(pubString(p, "title"))
	if title == "" {
		title = alertTitle(a)
	}
	text := displayText(pubString(p, "summary"))
	if d := displayText(pubString(p, "description")); d != "" {
		text = strings.TrimSpace(text + "\n" + d)
	}
	if strings.TrimSpace(text) == "" {
		text = title
	}
	blocks := []any{
		map[string]any{"type": "header", "text": plainText(clip(title, slackHeaderMax))},
	}
	shown := clip(text, slackTextMax)
	cut := shown != text
	section := map[string]any{"type": "section", "text": plainText(shown)}
	var fields []any
	for _, f := range [][2]string{{"Severity", "severity"}, {"Rule", "rule"}, {"Log type", "log_type"}, {"Source", "source"}, {"Event time", "event_time"}, {"Runbook", "runbook"}} {
		v := displayText(pubString(p, f[1]))
		switch {
		case v == "" || len(fields) >= slackFieldsMax:
		case f[1] == "runbook" && linkable(v) && chars(v) < slackFieldMax-40:
			// The rule's runbook, a plain URL: a link (the URL escaped too).
			fields = append(fields, mrkdwn("*Runbook*\n<"+slackEscape(v)+"|open the runbook>"))
		default:
			fields = append(fields, plainText(clip(f[0]+": "+v, slackFieldMax)))
		}
	}
	if m, ok := p["merge"].(map[string]any); ok && len(fields) < slackFieldsMax {
		fields = append(fields, plainText(fmt.Sprintf("Merged alerts: %v", m["count"])))
	}
	if len(fields) > 0 {
		section["fields"] = fields
	}
	blocks = append(blocks, section)
	if rec, ok := p["record"]; ok && rec != nil {
		var recCut bool
		rec, recCut = summarize(rec, slackRecordBudget)
		cut = cut || recCut
		// Leave room for the two fences within the section limit.
		code := clipEscaped(displayText(displayJSON(rec)), slackTextMax-6, slackCode)
		blocks = append(blocks, map[string]any{"type": "section", "text": mrkdwn("```" + code + "```")})
	}
	ctx := []any{plainText("alert " + a.ID)}
	if c := pubString(p, "created"); c != "" {
		ctx = append(ctx, plainText(clip("created "+displayText(c), slackTextMax)))
	}
	if pointer := pointerOf(a, p, cut); pointer != "" {
		ctx = append(ctx, plainText(clip("full record: "+pointer, slackTextMax)))
	}
	blocks = append(blocks, map[string]any{"type": "context", "elements": ctx[:min(len(ctx), slackContextMax)]})
	return map[string]any{"text": clipEscaped(title+": "+text, slackTextMax, slackEscape), "blocks": blocks[:min(len(blocks), slackBlocksMax)]}
}

func mrkdwn(s string) map[string]any { return map[string]any{"type": "mrkdwn", "text": s} }

// plainText is a Block Kit plain_text object: Slack does not parse it.
func plainText(s string) map[string]any {
	return map[string]any{"type": "plain_text", "text": s, "emoji": false}
}

func (o *slackOutput) Send(ctx context.Context, a *Alert) error {
	p, err := o.env.publish(a)
	if err != nil {
		return err
	}
	return o.post(ctx, a, p)
}

// SendMinimal posts the minimal payload.
func (o *slackOutput) SendMinimal(ctx context.Context, a *Alert) error {
	return o.post(ctx, a, MinimalPayload(a))
}

func (o *slackOutput) post(ctx context.Context, a *Alert, p map[string]any) error {
	body, err := compactJSON(slackMessage(a, p))
	if err != nil {
		return &DeliveryError{Output: o.env.name, Permanent: true, Msg: "encode message: " + err.Error()}
	}
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
