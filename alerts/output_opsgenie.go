package alerts

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
)

func init() {
	register(&Service{
		Name:        "opsgenie",
		Description: "Opsgenie Alert API v2 (create alert; alias is the alert id)",
		Settings: []Setting{
			{Name: "url", Doc: "API base URL (default https://api.opsgenie.com; EU: https://api.eu.opsgenie.com)"},
			{Name: "responders", Doc: "comma-separated team names to notify"},
		},
		Secrets: []Setting{{Name: "api_key", Required: true, Doc: "an API integration key (sent as GenieKey)"}},
		build:   newOpsgenie,
	})
}

type opsgenieOutput struct {
	env        *outputEnv
	http       *httpSender
	url        string
	key        string
	responders []string
}

func newOpsgenie(env *outputEnv) (Output, error) {
	base := strings.TrimRight(env.setting("url", "https://api.opsgenie.com"), "/")
	return &opsgenieOutput{env: env, http: newHTTPSender(env), url: base + "/v2/alerts", key: env.secret("api_key"), responders: splitList(env.setting("responders", ""))}, nil
}

func (o *opsgenieOutput) Name() string { return o.env.name }

// opsgeniePriority maps a rule severity onto P1 (critical) … P5 (info).
func opsgeniePriority(s string) string {
	switch strings.ToLower(s) {
	case "critical":
		return "P1"
	case "high":
		return "P2"
	case "low":
		return "P4"
	case "info", "informational":
		return "P5"
	}
	return "P3"
}

func (o *opsgenieOutput) request(a *Alert, p map[string]any) map[string]any {
	msg := pubString(p, "title")
	if msg == "" {
		msg = alertTitle(a)
	}
	desc := pubString(p, "summary")
	if rec, ok := p["record"]; ok {
		js, _ := json.MarshalIndent(rec, "", "  ")
		desc += "\n\n" + string(js)
	}
	details := map[string]string{"alert_id": a.ID, "rule": a.Rule}
	for _, k := range []string{"severity", "log_type", "source", "event_time", "runbook"} {
		if v := pubString(p, k); v != "" {
			details[k] = truncate(v, 1000)
		}
	}
	tags := append([]string{"streamalert"}, a.Tags...)
	req := map[string]any{
		"message":     truncate(msg, 130),
		"alias":       a.ID,
		"description": truncate(desc, 15000),
		"tags":        tags,
		"details":     details,
		"entity":      a.Rule,
		"source":      "streamalert",
		"priority":    opsgeniePriority(a.Severity),
	}
	if len(o.responders) > 0 {
		rs := make([]any, len(o.responders))
		for i, name := range o.responders {
			rs[i] = map[string]any{"type": "team", "name": name}
		}
		req["responders"] = rs
	}
	return req
}

func (o *opsgenieOutput) Send(ctx context.Context, a *Alert) error {
	p, err := o.env.publish(a)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(o.request(a, p))
	h := http.Header{"Content-Type": {"application/json"}, "Authorization": {"GenieKey " + o.key}}
	_, _, err = o.http.do(ctx, http.MethodPost, o.url, h, body)
	return err
}
