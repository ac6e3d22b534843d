package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// ssmParam is one parameter the SSM stand-in holds.
type ssmParam struct {
	Type, Value, KeyID, Tier string
	Version                  int
}

// ssmStandIn speaks the AWS JSON 1.1 protocol of SSM (POST /, X-Amz-Target
// AmazonSSM.<Operation>) for GetParameter, PutParameter and
// DeleteParameter over an in-memory store. It fails the test on a request
// SSM would reject for its shape: wrong target or content type, no SigV4
// signature for ssm, a missing field.
type ssmStandIn struct {
	*stub
	mu     sync.Mutex
	params map[string]*ssmParam
	fail   string // "500", "validation": answer every request with that error
}

func newSSMStandIn(t *testing.T) *ssmStandIn {
	s := &ssmStandIn{params: map[string]*ssmParam{}}
	s.stub = newStub(t, func(n int, r *http.Request, w http.ResponseWriter) {
		s.stub.mu.Lock()
		c := s.stub.reqs[n-1]
		s.stub.mu.Unlock()
		wantRequest(t, c, "POST", "/")
		wantSigV4(t, c, "ssm")
		wantHeader(t, c, "Content-Type", "application/x-amz-json-1.1")
		s.serve(t, c, w)
	})
	return s
}

func ssmError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}

func (s *ssmStandIn) serve(t *testing.T, c captured, w http.ResponseWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var in struct {
		Name, Value, Type, KeyId, Tier string
		WithDecryption, Overwrite      *bool
	}
	if err := json.Unmarshal(c.body, &in); err != nil || in.Name == "" {
		t.Errorf("request body %s: no Name (%v)", c.body, err)
		ssmError(w, 400, "ValidationException", "Name is required")
		return
	}
	switch s.fail {
	case "500":
		ssmError(w, 500, "InternalServerError", "oops")
		return
	case "validation":
		// Real validation messages may quote what was sent.
		ssmError(w, 400, "ValidationException", "Value '"+in.Value+"' failed to satisfy constraint")
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch target := c.header.Get("X-Amz-Target"); target {
	case "AmazonSSM.GetParameter":
		if in.WithDecryption == nil || !*in.WithDecryption {
			t.Errorf("GetParameter %s without WithDecryption: true", in.Name)
		}
		p, ok := s.params[in.Name]
		if !ok {
			ssmError(w, 400, "ParameterNotFound", "")
			return
		}
		value := p.Value
		if p.Type == "SecureString" && (in.WithDecryption == nil || !*in.WithDecryption) {
			value = "AQICAHh-ciphertext"
		}
		json.NewEncoder(w).Encode(map[string]any{"Parameter": map[string]any{
			"Name": in.Name, "Type": p.Type, "Value": value, "Version": p.Version, "DataType": "text",
			"ARN": "arn:aws:ssm:us-east-1:111122223333:parameter" + in.Name,
		}})
	case "AmazonSSM.PutParameter":
		if in.Value == "" || in.Type == "" {
			t.Errorf("PutParameter %s: Value and Type are required: %s", in.Name, c.body)
		}
		p, exists := s.params[in.Name]
		if exists && (in.Overwrite == nil || !*in.Overwrite) {
			ssmError(w, 400, "ParameterAlreadyExists", "The parameter already exists.")
			return
		}
		if !exists {
			p = &ssmParam{}
			s.params[in.Name] = p
		}
		p.Type, p.Value, p.KeyID, p.Tier = in.Type, in.Value, in.KeyId, in.Tier
		p.Version++
		json.NewEncoder(w).Encode(map[string]any{"Version": p.Version, "Tier": "Standard"})
	case "AmazonSSM.DeleteParameter":
		if _, ok := s.params[in.Name]; !ok {
			ssmError(w, 400, "ParameterNotFound", "")
			return
		}
		delete(s.params, in.Name)
		io.WriteString(w, "{}")
	default:
		t.Errorf("unexpected X-Amz-Target %q", target)
		ssmError(w, 400, "UnknownOperationException", "")
	}
}

func newTestSSMSecrets(t *testing.T, srv *ssmStandIn, prefix string) *SSMSecrets {
	t.Helper()
	cfg, _ := testAWS(context.Background(), "")
	client := ssm.NewFromConfig(cfg, func(o *ssm.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
		o.Retryer = aws.NopRetryer{}
	})
	s, err := NewSSMSecrets(client, prefix)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSSMSecrets_SetThenGet(t *testing.T) {
	srv := newSSMStandIn(t)
	s := newTestSSMSecrets(t, srv, "")
	s.KMSKeyID = "alias/streamalert-secrets"
	hook := "https://hooks.slack.com/services/T1/B2/XYZ"
	if err := s.Set("slack:security", map[string]string{"webhook_url": hook, "unused": ""}); err != nil {
		t.Fatal(err)
	}
	c := srv.last(t)
	wantHeader(t, c, "X-Amz-Target", "AmazonSSM.PutParameter")
	m := c.json(t)
	if m["Name"] != "/streamalert/outputs/slack/security" || m["Type"] != "SecureString" || m["Overwrite"] != true ||
		m["KeyId"] != "alias/streamalert-secrets" || m["Tier"] != "Intelligent-Tiering" {
		t.Errorf("PutParameter request %v", m)
	}
	if m["Value"] != `{"webhook_url":"`+hook+`"}` {
		t.Errorf("stored value %v", m["Value"])
	}

	got, err := s.Get("slack:security")
	if err != nil {
		t.Fatal(err)
	}
	c = srv.last(t)
	wantHeader(t, c, "X-Amz-Target", "AmazonSSM.GetParameter")
	if m := c.json(t); m["Name"] != "/streamalert/outputs/slack/security" || m["WithDecryption"] != true {
		t.Errorf("GetParameter request %v", m)
	}
	if len(got) != 1 || got["webhook_url"] != hook {
		t.Errorf("got %v", got)
	}

	// Setting again overwrites; setting nothing deletes.
	if err := s.Set("slack:security", map[string]string{"webhook_url": hook + "2"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get("slack:security"); got["webhook_url"] != hook+"2" {
		t.Errorf("after overwrite got %v", got)
	}
	if err := s.Set("slack:security", nil); err != nil {
		t.Fatal(err)
	}
	wantHeader(t, srv.last(t), "X-Amz-Target", "AmazonSSM.DeleteParameter")
	if _, err := s.Get("slack:security"); !errors.Is(err, ErrNoSecret) {
		t.Errorf("after delete: %v, want ErrNoSecret", err)
	}
	if err := s.Set("slack:security", map[string]string{}); err != nil {
		t.Errorf("deleting a missing parameter: %v", err)
	}
}

func TestSSMSecrets_GetFailures(t *testing.T) {
	srv := newSSMStandIn(t)
	s := newTestSSMSecrets(t, srv, "/prod/streamalert/")
	srv.params["/prod/streamalert/pagerduty/oncall"] = &ssmParam{Type: "String", Value: `{"routing_key":"abc"}`}
	srv.params["/prod/streamalert/jira/sec"] = &ssmParam{Type: "SecureString", Value: `token=s3cr3t-value`}
	tests := []struct {
		output   string
		noSecret bool
		want     string
	}{
		{"slack:missing", true, "/prod/streamalert/slack/missing"},
		{"pagerduty:oncall", false, "is a String, not a SecureString"},
		{"jira:sec", false, "not a JSON object"},
		{"email:soc team", true, "only letters, digits"},
	}
	for _, tt := range tests {
		t.Run(tt.output, func(t *testing.T) {
			_, err := s.Get(tt.output)
			if err == nil || errors.Is(err, ErrNoSecret) != tt.noSecret || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q (ErrNoSecret %v)", err, tt.want, tt.noSecret)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error quotes the secret: %v", err)
			}
		})
	}
	srv.fail = "500"
	if _, err := s.Get("slack:missing"); err == nil || errors.Is(err, ErrNoSecret) || !strings.Contains(err.Error(), "500") {
		t.Errorf("server error: %v", err)
	}
	srv.fail = "validation"
	err := s.Set("slack:x", map[string]string{"webhook_url": "https://hooks.example.com/very-secret-token"})
	if err == nil || strings.Contains(err.Error(), "very-secret-token") || !strings.Contains(err.Error(), "ValidationException") {
		t.Errorf("put error %v: want ValidationException without the secret", err)
	}
}

func TestSSMSecrets_Names(t *testing.T) {
	tests := []struct {
		prefix, output, want string // want "" = error
	}{
		{"", "slack:security", "/streamalert/outputs/slack/security"},
		{"/acme/sa/", "teams:soc-eu.1", "/acme/sa/teams/soc-eu.1"},
		{"", "slack:sec/ops", ""},
		{"", "slack:sec ops", ""},
		{"", "slack", ""},
		{"streamalert", "slack:a", ""},
		{"/aws/streamalert", "slack:a", ""},
		{"/SSM", "slack:a", ""},
		{"/a//b", "slack:a", ""},
	}
	for _, tt := range tests {
		t.Run(tt.prefix+" "+tt.output, func(t *testing.T) {
			var got string
			s, err := NewSSMSecrets(nil, tt.prefix)
			if err == nil {
				got, err = s.ParameterName(tt.output)
			}
			if got != tt.want || (tt.want == "") != (err != nil) {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestSSMSecrets_FeedBuildOutputs(t *testing.T) {
	srv := newSSMStandIn(t)
	s := newTestSSMSecrets(t, srv, "")
	hook := newStub(t, status(200, "ok"))
	if err := s.Set("slack:security", map[string]string{"webhook_url": hook.URL + "/services/T1/B2/XYZ"}); err != nil {
		t.Fatal(err)
	}
	cfgs := []OutputConfig{
		{Name: "slack:security", Service: "slack"},
		{Name: "slack:unset", Service: "slack"},
	}
	outs, errs := BuildOutputs(cfgs, s, OutputOptions{})
	if outs["slack:security"] == nil || len(outs) != 1 {
		t.Fatalf("outputs %v, errors %v", outs, errs)
	}
	if len(errs) != 1 || !strings.Contains(fmt.Sprint(errs), "slack:unset") {
		t.Errorf("errors %v: want one for slack:unset", errs)
	}
	mustSend(t, outs["slack:security"], sampleAlert())
	wantRequest(t, hook.last(t), "POST", "/services/T1/B2/XYZ")
}
