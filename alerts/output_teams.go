package alerts

import (
	"context"
	"encoding/json"
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

func teamsFacts(p map[string]any) [][2]string {
	var facts [][2]string
	for _, f := range [][2]string{{"Severity", "severity"}, {"Rule", "rule"}, {"Log type", "log_type"}, {"Source", "source"}, {"Event time", "event_time"}, {"Alert id", "id"}} {
		if v := pubString(p, f[1]); v != "" {
			facts = append(facts, [2]string{f[0], v})
		}
	}
	return facts
}

// adaptiveCard is the message body Teams workflows expect: a message with
// one Adaptive Card attachment.
func adaptiveCard(p map[string]any) map[string]any {
	title := pubString(p, "title")
	body := []any{
		map[string]any{"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": true},
		map[string]any{"type": "TextBlock", "text": pubString(p, "summary"), "wrap": true},
	}
	var facts []any
	for _, f := range teamsFacts(p) {
		facts = append(facts, map[string]any{"title": f[0], "value": f[1]})
	}
	if len(facts) > 0 {
		body = append(body, map[string]any{"type": "FactSet", "facts": facts})
	}
	if rec, ok := p["record"]; ok && rec != nil {
		js, _ := json.MarshalIndent(rec, "", "  ")
		body = append(body, map[string]any{"type": "TextBlock", "text": truncate(string(js), 10000), "fontType": "Monospace", "wrap": true})
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

// messageCard is the legacy Office 365 connector card.
func messageCard(p map[string]any) map[string]any {
	var facts []any
	for _, f := range teamsFacts(p) {
		facts = append(facts, map[string]any{"name": f[0], "value": f[1]})
	}
	text := pubString(p, "summary")
	if rec, ok := p["record"]; ok && rec != nil {
		js, _ := json.Marshal(rec)
		text += "\n\n```" + truncate(string(js), 10000) + "```"
	}
	return map[string]any{
		"@type":      "MessageCard",
		"@context":   "https://schema.org/extensions",
		"summary":    truncate(pubString(p, "title"), 200),
		"themeColor": severityColor(pubString(p, "severity")),
		"title":      pubString(p, "title"),
		"text":       text,
		"sections":   []any{map[string]any{"facts": facts}},
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
	if pubString(p, "title") == "" {
		p["title"] = alertTitle(a)
	}
	msg := adaptiveCard(p)
	if o.messageCard {
		msg = messageCard(p)
	}
	body, _ := json.Marshal(msg)
	_, _, err = o.http.do(ctx, http.MethodPost, o.url, http.Header{"Content-Type": {"application/json"}}, body)
	return err
}
