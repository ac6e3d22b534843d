package alerts

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

func init() {
	register(&Service{
		Name:        "teams",
		Description: "Microsoft Teams incoming webhook (Workflows): an Adaptive Card, or a legacy MessageCard",
		Settings:    []Setting{{Name: "format", Doc: "adaptive (default) or messagecard"}},
		Secrets:     []Setting{{Name: "webhook_url", Required: true, Doc: "the webhook URL"}},
		build:       newTeams,
	})
}

type teamsOutput struct {
	env         *outputEnv
	http        *httpSender
	url         string
	messageCard bool
}

func newTeams(env *outputEnv) (Output, error) {
	f := env.setting("format", "adaptive")
	if f != "adaptive" && f != "messagecard" {
		return nil, env.errorf("format %q must be adaptive or messagecard", f)
	}
	u := env.secret("webhook_url")
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return nil, env.errorf("webhook_url is not an http(s) URL")
	}
	return &teamsOutput{env: env, http: newHTTPSender(env), url: u, messageCard: f == "messagecard"}, nil
}

func (o *teamsOutput) Name() string { return o.env.name }

// Teams' documented limit: a webhook message of at most 28 KB (Microsoft
// Learn, "Create incoming webhooks" / Workflows: message size limit),
// whole request body, here with some room to spare.
const teamsMessageMax = 28000

// teamsRecordBudget is the JSON a card summarizes the record to.
const teamsRecordBudget = 8 << 10

func teamsFacts(a *Alert, p map[string]any) [][2]string {
	facts := [][2]string{{"Alert id", a.ID}, {"Rule", a.Rule}}
	for _, f := range [][2]string{{"Severity", "severity"}, {"Log type", "log_type"}, {"Source", "source"}, {"Event time", "event_time"}} {
		if v := displayText(pubString(p, f[1])); v != "" {
			facts = append(facts, [2]string{f[0], clip(v, 200)})
		}
	}
	return facts
}

// teamsTexts are the texts of a card: title, summary (with the
// description), the record as JSON and the full-record pointer.
func teamsTexts(a *Alert, p map[string]any) (title, text, record, pointer string) {
	title = displayText(pubString(p, "title"))
	if title == "" {
		title = alertTitle(a)
	}
	text = displayText(pubString(p, "summary"))
	if d := displayText(pubString(p, "description")); d != "" {
		text = strings.TrimSpace(text + "\n\n" + d)
	}
	cut := false
	if rec, ok := p["record"]; ok && rec != nil {
		rec, cut = summarize(rec, teamsRecordBudget)
		record = clip(displayText(displayJSON(rec)), 2*teamsRecordBudget)
	}
	if shown := clip(text, 8000); shown != text {
		text, cut = shown, true
	}
	if ptr := pointerOf(a, p, cut); ptr != "" {
		pointer = "Full record: " + ptr
	}
	return clip(title, 500), text, record, pointer
}

// textRun is a RichTextBlock of one TextRun: Adaptive Cards do not apply
// Markdown to a TextRun, so log text shows as written.
func textRun(text string, attrs ...any) map[string]any {
	run := map[string]any{"type": "TextRun", "text": text}
	for i := 0; i+1 < len(attrs); i += 2 {
		run[attrs[i].(string)] = attrs[i+1]
	}
	return map[string]any{"type": "RichTextBlock", "inlines": []any{run}}
}

// adaptiveCard is the message body Teams workflows expect: a message with
// one Adaptive Card attachment.
func adaptiveCard(a *Alert, p map[string]any) map[string]any {
	title, text, record, pointer := teamsTexts(a, p)
	body := []any{textRun(title, "weight", "Bolder", "size", "Medium")}
	if text != "" {
		body = append(body, textRun(text))
	}
	var facts []any
	for _, f := range teamsFacts(a, p) {
		facts = append(facts, map[string]any{"title": f[0], "value": f[1]})
	}
	body = append(body, map[string]any{"type": "FactSet", "facts": facts})
	if record != "" {
		body = append(body, textRun(record, "fontType", "Monospace"))
	}
	if pointer != "" {
		body = append(body, textRun(pointer, "isSubtle", true))
	}
	return map[string]any{
		"type": "message",
		"attachments": []any{map[string]any{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"contentUrl":  nil,
			"content": map[string]any{
				"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
				"type":    "AdaptiveCard",
				"version": "1.4",
				"body":    body,
			},
		}},
	}
}

// messageCard is the legacy Office 365 connector card. Its sections have
// Markdown turned off, so log text shows as written.
func messageCard(a *Alert, p map[string]any) map[string]any {
	title, text, record, pointer := teamsTexts(a, p)
	var facts []any
	for _, f := range teamsFacts(a, p) {
		facts = append(facts, map[string]any{"name": f[0], "value": f[1]})
	}
	sections := []any{}
	if text != "" {
		sections = append(sections, map[string]any{"text": text, "markdown": false})
	}
	sections = append(sections, map[string]any{"facts": facts, "markdown": false})
	if record != "" {
		sections = append(sections, map[string]any{"text": record, "markdown": false})
	}
	if pointer != "" {
		sections = append(sections, map[string]any{"text": pointer, "markdown": false})
	}
	return map[string]any{
		"@type":      "MessageCard",
		"@context":   "https://schema.org/extensions",
		"summary":    clip(title, 200),
		"themeColor": severityColor(a.Severity),
		"title":      title,
		"sections":   sections,
	}
}

func severityColor(s string) string {
	switch strings.ToLower(s) {
	case "critical":
		return "8B0000"
	case "high":
		return "D32F2F"
	case "medium":
		return "F57C00"
	case "low":
		return "FBC02D"
	}
	return "1976D2"
}

func (o *teamsOutput) Send(ctx context.Context, a *Alert) error {
	p, err := o.env.publish(a)
	if err != nil {
		return err
	}
	return o.post(ctx, a, p)
}

// SendMinimal posts a card of the minimal payload.
func (o *teamsOutput) SendMinimal(ctx context.Context, a *Alert) error {
	return o.post(ctx, a, MinimalPayload(a))
}

func (o *teamsOutput) post(ctx context.Context, a *Alert, p map[string]any) error {
	var body []byte
	fitted := fitPayload(a, p, func(q map[string]any) bool {
		msg := adaptiveCard(a, q)
		if o.messageCard {
			msg = messageCard(a, q)
		}
		body, _ = compactJSON(msg)
		return len(body) <= teamsMessageMax
	})
	if fitted == nil {
		return &DeliveryError{Output: o.env.name, Permanent: true, Msg: fmt.Sprintf("alert %s: no card fits in %d bytes", a.ID, teamsMessageMax)}
	}
	_, _, err := o.http.do(ctx, http.MethodPost, o.url, http.Header{"Content-Type": {"application/json"}}, body)
	return err
}
