package alerts

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// sesStandIn answers the SES v2 REST-JSON protocol: SendEmail is
// POST /v2/email/outbound-emails; errors carry X-Amzn-ErrorType.
func sesStandIn(t *testing.T, fail string) *stub {
	return newStub(t, func(_ int, r *http.Request, w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method != "POST" || r.URL.Path != "/v2/email/outbound-emails" {
			w.Header().Set("X-Amzn-ErrorType", "NotFoundException")
			w.WriteHeader(404)
			io.WriteString(w, `{"message":"unknown operation"}`)
			return
		}
		switch fail {
		case "throttle":
			w.Header().Set("X-Amzn-ErrorType", "TooManyRequestsException")
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(429)
			io.WriteString(w, `{"message":"Maximum sending rate exceeded."}`)
		case "500":
			w.Header().Set("X-Amzn-ErrorType", "InternalFailure")
			w.WriteHeader(500)
			io.WriteString(w, `{"message":"internal failure"}`)
		case "rejected":
			w.Header().Set("X-Amzn-ErrorType", "MessageRejected")
			w.WriteHeader(400)
			io.WriteString(w, `{"message":"Email address is not verified."}`)
		default:
			io.WriteString(w, `{"MessageId":"0100018f2a7c1b2e-5c1d9a9e-1f7b-4c3e-9a52-3f0c7a1e2b44-000000"}`)
		}
	})
}

func TestEmail_SESSendEmail(t *testing.T) {
	srv := sesStandIn(t, "")
	settings := map[string]string{"transport": "ses", "from": "alerts@example.com", "to": "soc@example.com, oncall@example.com",
		"configuration_set": "alerts", "endpoint": srv.URL}
	o := mustOutput(t, "email", settings, nil)
	a := sampleAlert()
	mustSend(t, o, a)
	c := srv.last(t)
	wantRequest(t, c, "POST", "/v2/email/outbound-emails")
	wantSigV4(t, c, "ses")
	if ct := c.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	var in struct {
		FromEmailAddress     string
		ConfigurationSetName string
		Destination          struct{ ToAddresses []string }
		Content              struct {
			Raw struct{ Data []byte }
		}
	}
	if err := json.Unmarshal(c.body, &in); err != nil {
		t.Fatalf("body %s: %v", c.body, err)
	}
	if in.FromEmailAddress != "alerts@example.com" || in.ConfigurationSetName != "alerts" {
		t.Errorf("from %q, configuration set %q", in.FromEmailAddress, in.ConfigurationSetName)
	}
	if got := strings.Join(in.Destination.ToAddresses, ","); got != "soc@example.com,oncall@example.com" {
		t.Errorf("to %q", got)
	}
	// The raw message is the one the SMTP transport sends.
	mail := parseMail(t, in.Content.Raw.Data)
	if mail.subject != "[high] Console login without MFA" {
		t.Errorf("subject %q", mail.subject)
	}
	if !strings.Contains(mail.body, `"id": "`+a.ID+`"`) || !strings.Contains(mail.body, "An IAM user signed in without MFA.") {
		t.Errorf("body text %q", mail.body)
	}
	if got := mail.header.Get("X-Streamalert-Alert-Id"); got != a.ID {
		t.Errorf("X-Streamalert-Alert-Id %q", got)
	}

	for fail, permanent := range map[string]bool{"throttle": false, "500": false, "rejected": true} {
		srv := sesStandIn(t, fail)
		settings := map[string]string{"transport": "ses", "from": "alerts@example.com", "to": "soc@example.com", "endpoint": srv.URL}
		o := mustOutput(t, "email", settings, nil)
		t.Run(fail, func(t *testing.T) { wantDeliveryError(t, o.Send(context.Background(), a), permanent) })
	}
}

func TestEmail_TransportSettings(t *testing.T) {
	tests := []struct {
		name     string
		settings map[string]string
		secrets  map[string]string
		want     string // part of the error; "" builds
	}{
		{"ses", map[string]string{"transport": "ses", "from": "a@example.com", "to": "b@example.com"}, nil, ""},
		{"unknown transport", map[string]string{"transport": "pigeon", "from": "a@example.com", "to": "b@example.com"}, nil, `transport "pigeon"`},
		{"ses with host", map[string]string{"transport": "ses", "host": "smtp.example.com", "from": "a@example.com", "to": "b@example.com"}, nil, "setting host is for transport: smtp"},
		{"ses with smtp secrets", map[string]string{"transport": "ses", "from": "a@example.com", "to": "b@example.com"}, map[string]string{"username": "u", "password": "p"}, "secrets username and password"},
		{"ses bad address", map[string]string{"transport": "ses", "from": "nobody", "to": "b@example.com"}, nil, `"nobody" is not an email address`},
		{"ses bad endpoint", map[string]string{"transport": "ses", "from": "a@example.com", "to": "b@example.com", "endpoint": "ftp://x"}, nil, "not an http(s) URL"},
		{"smtp without host", map[string]string{"from": "a@example.com", "to": "b@example.com"}, nil, "setting host is required"},
		{"smtp with region", map[string]string{"host": "smtp.example.com", "region": "eu-west-1", "from": "a@example.com", "to": "b@example.com"}, nil, "setting region is for transport: ses"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewOutput(OutputConfig{Name: "email:soc", Service: "email", Settings: tt.settings}, tt.secrets, OutputOptions{AWSConfig: testAWS})
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
