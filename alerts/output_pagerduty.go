package alerts

import (
	"context"
	"encoding/json"
	"fmt"
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

// PagerDuty's limits (Events API v2 overview: "events … up to 512 KB";
// payload.summary up to 1024 characters; dedup_key up to 255).
const (
	pagerDutyEventMax   = 512000
	pagerDutySummaryMax = 1024
)

func (o *pagerDutyOutput) event(a *Alert, p map[string]any) map[string]any {
	summary := displayText(pubString(p, "summary"))
	if strings.TrimSpace(summary) == "" {
		summary = alertTitle(a)
	}
	source := a.Source
	if source == "" {
		source = "streamalert"
	}
	payload := map[string]any{
		"summary":        clip(summary, pagerDutySummaryMax),
		"source":         clip(source, 255),
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
	return o.post(ctx, a, p)
}

// SendMinimal triggers an event whose details are the minimal payload.
func (o *pagerDutyOutput) SendMinimal(ctx context.Context, a *Alert) error {
	return o.post(ctx, a, MinimalPayload(a))
}

func (o *pagerDutyOutput) post(ctx context.Context, a *Alert, p map[string]any) error {
	var body []byte
	fitted := fitPayload(a, p, func(q map[string]any) bool {
		body, _ = compactJSON(o.event(a, q))
		return len(body) <= pagerDutyEventMax
	})
	if fitted == nil {
		return &DeliveryError{Output: o.env.name, Permanent: true, Msg: fmt.Sprintf("alert %s: no event fits in %d bytes", a.ID, pagerDutyEventMax)}
	}
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
