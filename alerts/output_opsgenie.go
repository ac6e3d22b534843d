package alerts

import (
	"context"
	"maps"
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

// Opsgenie's limits (Alert API, Create Alert): message 130 characters,
// alias 512, description 15,000, tags 20 of 50 characters each, details
// 8,000 characters in total (keys and values), entity 512, source 100.
const (
	opsgenieMessageMax     = 130
	opsgenieDescriptionMax = 15000
	opsgenieTagsMax        = 20
	opsgenieTagMax         = 50
	opsgenieDetailsMax     = 8000
	opsgenieEntityMax      = 512
)

// opsgenieTags caps tags at 20 of at most 50 characters, without repeats.
func opsgenieTags(tags []string) []string {
	out := make([]string, 0, opsgenieTagsMax)
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.TrimSpace(displayText(t))
		t = clipEscaped(t, opsgenieTagMax, nil)
		if chars(t) > opsgenieTagMax || t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
		if len(out) == opsgenieTagsMax {
			break
		}
	}
	return out
}

func (o *opsgenieOutput) request(a *Alert, p map[string]any) map[string]any {
	msg := displayText(pubString(p, "title"))
	if strings.TrimSpace(msg) == "" {
		msg = alertTitle(a)
	}
	desc := displayText(pubString(p, "summary"))
	if d := displayText(pubString(p, "description")); d != "" {
		desc += "\n\n" + d
	}
	if rec, ok := p["record"]; ok && rec != nil {
		desc += "\n\n" + displayText(displayJSON(rec))
	}
	if ptr := pubString(p, "full_record"); ptr != "" {
		desc += "\n\nFull record: " + ptr
	}
	shown := clip(desc, opsgenieDescriptionMax)
	details := map[string]string{"alert_id": a.ID, "rule": a.Rule}
	used := len("alert_id") + chars(a.ID) + len("rule") + chars(a.Rule)
	fields := map[string]string{"full_record": pointerOf(a, p, shown != desc)}
	desc = shown
	for _, k := range []string{"severity", "log_type", "source", "event_time", "runbook"} {
		fields[k] = displayText(pubString(p, k))
	}
	for _, k := range []string{"full_record", "severity", "log_type", "source", "event_time", "runbook"} {
		if v := fields[k]; v != "" {
			v = clip(v, min(1000, opsgenieDetailsMax-used-len(k)))
			if used+len(k)+chars(v) > opsgenieDetailsMax {
				break
			}
			details[k] = v
			used += len(k) + chars(v)
		}
	}
	req := map[string]any{
		"message":     clip(strings.Join(strings.Fields(msg), " "), opsgenieMessageMax),
		"alias":       a.ID,
		"description": desc,
		"tags":        opsgenieTags(append([]string{"streamalert"}, a.Tags...)),
		"details":     details,
		"entity":      clip(a.Rule, opsgenieEntityMax),
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
	return o.post(ctx, a, p)
}

// SendMinimal creates an alert from the minimal payload.
func (o *opsgenieOutput) SendMinimal(ctx context.Context, a *Alert) error {
	return o.post(ctx, a, MinimalPayload(a))
}

func (o *opsgenieOutput) post(ctx context.Context, a *Alert, p map[string]any) error {
	// Every field is cut to its limit; the record is summarized first so a
	// huge one is not rendered only to be cut.
	if rec, ok := p["record"]; ok && rec != nil {
		p = maps.Clone(p)
		var cut bool
		if p["record"], cut = summarize(rec, 2*opsgenieDescriptionMax); cut {
			p["full_record"] = RecordPointer(a)
		}
	}
	body, err := compactJSON(o.request(a, p))
	if err != nil {
		return &DeliveryError{Output: o.env.name, Permanent: true, Msg: "encode alert: " + err.Error()}
	}
	h := http.Header{"Content-Type": {"application/json"}, "Authorization": {"GenieKey " + o.key}}
	_, _, err = o.http.do(ctx, http.MethodPost, o.url, h, body)
	return err
}
