package demo

import (
	"strings"
	"time"
)

// oktaEvent is an Okta System Log LogEvent.
type oktaEvent struct {
	Actor                 obj    `json:"actor"`
	Client                obj    `json:"client"`
	AuthenticationContext obj    `json:"authenticationContext"`
	DisplayMessage        string `json:"displayMessage"`
	EventType             string `json:"eventType"`
	Outcome               obj    `json:"outcome"`
	Published             string `json:"published"`
	SecurityContext       obj    `json:"securityContext"`
	Severity              string `json:"severity"`
	DebugContext          obj    `json:"debugContext"`
	LegacyEventType       string `json:"legacyEventType,omitempty"`
	Transaction           obj    `json:"transaction"`
	UUID                  string `json:"uuid"`
	Version               string `json:"version"`
	Target                []obj  `json:"target,omitempty"`
}

// oktaApps are the apps people sign in to, and who uses them.
var oktaApps = []struct {
	id, name, dept string
}{
	{"0oa1slack0000EXAMPLE", "Slack", ""},
	{"0oa2gws00000EXAMPLE", "Google Workspace", ""},
	{"0oa3zoom0000EXAMPLE", "Zoom", ""},
	{"0oa4github00EXAMPLE", "GitHub", "engineering"},
	{"0oa5awsidc00EXAMPLE", "AWS IAM Identity Center", "operations"},
	{"0oa6jira0000EXAMPLE", "Jira", "engineering"},
	{"0oa7sfdc0000EXAMPLE", "Salesforce", "sales"},
	{"0oa8netsuiteEXAMPLE", "NetSuite", "finance"},
}

// oktaLog writes a day of the System Log.
type oktaLog struct {
	g      *gen
	c      *company
	col    *collector
	target int
}

func (o *oktaLog) actor(p *person) obj {
	return obj{"id": p.oktaID, "type": "User", "alternateId": p.email(), "displayName": p.name, "detailEntry": nil}
}

// client describes the browser of p at ip.
func (o *oktaLog) client(p *person, ip string) obj {
	ct := p.city
	if ip == OfficeIP || ip == VPNIP {
		ct = cities[0]
	}
	os, browser := "Mac OS X", "CHROME"
	switch {
	case strings.Contains(p.browser, "Windows"):
		os = "Windows 10"
	case strings.Contains(p.browser, "Linux"):
		os = "Linux"
	}
	switch {
	case strings.Contains(p.browser, "Firefox"):
		browser = "FIREFOX"
	case strings.Contains(p.browser, "Version/"):
		browser = "SAFARI"
	}
	return obj{
		"userAgent": obj{"rawUserAgent": p.browser, "os": os, "browser": browser},
		"zone":      "null", "device": "Computer", "id": nil, "ipAddress": ip,
		"geographicalContext": obj{"city": ct.name, "state": ct.state, "country": ct.country, "postalCode": ct.postal,
			"geolocation": obj{"lat": ct.lat, "lon": ct.lon}},
	}
}

// event builds one event of p at t from ip.
func (o *oktaLog) event(t time.Time, p *person, ip, eventType, display, legacy, result, reason string, target []obj) *oktaEvent {
	g := o.g
	var outReason any
	if reason != "" {
		outReason = reason
	}
	sev := "INFO"
	if result == "FAILURE" || result == "DENY" {
		sev = "WARN"
	}
	return &oktaEvent{
		Actor: o.actor(p), Client: o.client(p, ip),
		AuthenticationContext: obj{"authenticationStep": 0, "externalSessionId": "102" + g.alnum(22)},
		DisplayMessage:        display, EventType: eventType,
		Outcome:   obj{"result": result, "reason": outReason},
		Published: t.UTC().Format("2006-01-02T15:04:05.000Z"),
		SecurityContext: obj{"asNumber": 64500 + len(ip)%7, "asOrg": "example broadband", "isp": "example isp",
			"domain": "example.net", "isProxy": false},
		Severity: sev,
		DebugContext: obj{"debugData": obj{"requestId": g.alnum(20), "requestUri": "/api/v1/authn",
			"threatSuspected": "false", "url": "/api/v1/authn?"}},
		LegacyEventType: legacy,
		Transaction:     obj{"type": "WEB", "id": g.alnum(20)},
		UUID:            g.uuid(), Version: "0", Target: target,
	}
}

func (o *oktaLog) emit(e *oktaEvent) {
	if o.col.len() < o.target {
		t, _ := time.Parse("2006-01-02T15:04:05.000Z", e.Published)
		o.col.add(t, jsonLine(e))
	}
}

func pushTarget() []obj {
	return []obj{{"id": "pfd1okv0000EXAMPLE", "type": "AuthenticatorEnrollment", "alternateId": "unknown", "displayName": "Okta Verify"}}
}

func genOkta(g *gen, c *company, n int, col *collector) {
	o := &oktaLog{g: g, c: c, col: col, target: col.len() + n}
	denied := map[string]bool{} // at most one rejected push per person per day
	for col.len() < o.target {
		p := pick(g, c.people)
		t := g.at(&officeHours).Truncate(time.Millisecond)
		ip := c.ipOf(g, p, t.Hour())
		switch weighted(g, oktaMix) {
		case "signin":
			// A full sign-in: policy, push, MFA, session.
			o.emit(o.event(t, p, ip, "policy.evaluate_sign_on", "Evaluation of sign-on policy", "", "ALLOW", "Sign-on policy evaluation resulted in ALLOW", nil))
			t = t.Add(time.Duration(g.between(300, 1500)) * time.Millisecond)
			o.emit(o.event(t, p, ip, "system.push.send_factor_verify_push", "A push was sent to the user for verification", "", "SUCCESS", "", pushTarget()))
			t = t.Add(time.Duration(g.between(2500, 14000)) * time.Millisecond)
			o.emit(o.event(t, p, ip, "user.authentication.auth_via_mfa", "Authentication of user via MFA", "core.user.factor.attempt_success", "SUCCESS", "", pushTarget()))
			t = t.Add(time.Duration(g.between(100, 600)) * time.Millisecond)
			o.emit(o.event(t, p, ip, "user.session.start", "User login to Okta", "core.user_auth.login_success", "SUCCESS", "", nil))
		case "sso":
			var app = oktaApps[0]
			for {
				app = pick(g, oktaApps)
				if app.dept == "" || app.dept == p.dept || (app.dept == "engineering" && p.dept == "operations") {
					break
				}
			}
			o.emit(o.event(t, p, ip, "user.authentication.sso", "User single sign on to app", "app.auth.sso", "SUCCESS", "",
				[]obj{{"id": app.id, "type": "AppInstance", "alternateId": app.name, "displayName": app.name}}))
		case "logout":
			o.emit(o.event(t, p, ip, "user.session.end", "User logout from Okta", "core.user_auth.logout_success", "SUCCESS", "", nil))
		case "badpassword":
			o.emit(o.event(t, p, ip, "user.session.start", "User login to Okta", "core.user_auth.login_failed", "FAILURE", "INVALID_CREDENTIALS", nil))
		case "denypush":
			// Someone rejects a push they did not expect, then signs in.
			if denied[p.user] {
				continue
			}
			denied[p.user] = true
			o.emit(o.event(t, p, ip, "user.mfa.okta_verify.deny_push", "User rejected Okta push verify", "", "FAILURE", "User rejected Okta push verify", pushTarget()))
		case "group":
			admin := pick(g, c.it)
			o.emit(o.event(t, admin, OfficeIP, "group.user_membership.add", "Add user to group membership", "core.user_group_member.user_add", "SUCCESS", "",
				[]obj{{"id": p.oktaID, "type": "User", "alternateId": p.email(), "displayName": p.name},
					{"id": "00g1" + g.alnum(16), "type": "UserGroup", "alternateId": "unknown", "displayName": pick(g, []string{"Engineering", "VPN Users", "Finance Reports"})}}))
		}
	}
}

var oktaMix = []choice[string]{{3, "signin"}, {12, "sso"}, {1.2, "logout"}, {0.6, "badpassword"}, {0.08, "denypush"}, {0.1, "group"}}
