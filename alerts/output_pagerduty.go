package alerts

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
)

func init() {
	register(&Service{
		Name:        "pagerduty",
		Description: "PagerDuty Events API v2 (trigger; dedup_key is the alert id)",
		Settings:    []Setting{{Name: "url", Doc: "Events API base URL (default https://events.pagerduty.com)"}},
		Secrets:     []Setting{{Name: "routing_key", Required: true, Doc: "the integration's routing key"}},
		build:       newPagerDuty,
	})
}

type pagerDutyOutput struct {
	env  *outputEnv
	http *httpSender
	url  string
	key  string
}

func newPagerDuty(env *outputEnv) (Output, error) {
	base := strings.TrimRight(env.setting("url", "https://events.pagerduty.com"), "/")
	return &pagerDutyOutput{env: env, http: newHTTPSender(env), url: base + "/v2/enqueue", key: env.secret("routing_key")}, nil
}

func (o *pagerDutyOutput) Name() string { return o.env.name }

// pagerDutySeverity maps a rule severity onto the four the API accepts.
func pagerDutySeverity(s string) string {
	switch strings.ToLower(s) {
	case "critical":
		return "critical"
	case "high", "error":
		return "error"
	case "medium", "warning":
		return "warning"
	}
	return "info"
}

func (o *pagerDutyOutput) event(a *Alert, p map[string]any) map[string]any {
	summary := pubString(p, "summary")
	if summary == "" {
		summary = alertTitle(a)
	}
	source := a.Source
	if source == "" {
		source = "streamalert"
	}
	payload := map[string]any{
		"summary":        truncate(summary, 1024),
		"source":         source,
		"severity":       pagerDutySeverity(a.Severity),
		"timestamp":      pubString(p, "event_time"),
		"component":      a.LogType,
		"group":          a.Rule,
		"custom_details": p,
	}
	if payload["timestamp"] == "" {
		delete(payload, "timestamp")
	}
	ev := map[string]any{
		"routing_key":  o.key,
		"event_action": "trigger",
		"dedup_key":    a.ID,
		"payload":      payload,
		"client":       "streamalert",
	}
	if a.Runbook != "" && (strings.HasPrefix(a.Runbook, "https://") || strings.HasPrefix(a.Runbook, "http://")) {
		ev["links"] = []any{map[string]any{"href": a.Runbook, "text": "Runbook"}}
	}
	return ev
}

func (o *pagerDutyOutput) Send(ctx context.Context, a *Alert) error {
	p, err := o.env.publish(a)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(o.event(a, p))
	data, _, err := o.http.do(ctx, http.MethodPost, o.url, http.Header{"Content-Type": {"application/json"}}, body)
	if err != nil {
		return err
	}
	var resp struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &resp) == nil && resp.Status != "" && resp.Status != "success" {
		return o.http.fail(202, false, 0, "PagerDuty answered status %q: %s", resp.Status, resp.Message)
	}
	return nil
}
