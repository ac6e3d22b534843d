package alerts

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

func init() {
	register(&Service{
		Name: "webhook",
		Description: "generic JSON POST of the payload, signed: X-Streamalert-Signature: sha256=HEX, " +
			"the HMAC-SHA256 of the body under the signing key",
		Settings: []Setting{
			{Name: "url", Doc: "the endpoint (or store it as the secret url when it holds a token)"},
			{Name: "max_bytes", Doc: "the largest body the receiver takes; larger payloads are summarized (default: no limit)"},
		},
		Secrets: []Setting{
			{Name: "signing_key", Required: true, Doc: "the HMAC key receivers verify the signature with"},
			{Name: "url", Doc: "the endpoint, when it must stay secret"},
		},
		build: newWebhook,
	})
}

// SignatureHeader is the header that carries a webhook body's signature.
const SignatureHeader = "X-Streamalert-Signature"

// Sign returns the signature header value of a webhook body.
func Sign(key, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifySignature checks a signature header value in constant time.
func VerifySignature(key, body []byte, header string) bool {
	got, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	want := Sign(key, body)[len("sha256="):]
	return hmac.Equal([]byte(got), []byte(want))
}

type webhookOutput struct {
	env  *outputEnv
	http *httpSender
	url  string
	key  []byte
	// max is the receiver's body limit (max_bytes; 0: none).
	max int
}

func newWebhook(env *outputEnv) (Output, error) {
	u := env.secret("url")
	if u == "" {
		u = env.setting("url", "")
	}
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return nil, env.errorf("needs an http(s) url (setting url or secret url)")
	}
	limit := 0
	if v := env.setting("max_bytes", ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1024 {
			return nil, env.errorf("max_bytes %q must be a number of bytes, at least 1024", v)
		}
		limit = n
	}
	return &webhookOutput{env: env, http: newHTTPSender(env), url: u, key: []byte(env.secret("signing_key")), max: limit}, nil
}

func (o *webhookOutput) Name() string { return o.env.name }

func (o *webhookOutput) Send(ctx context.Context, a *Alert) error {
	p, err := o.env.publish(a)
	if err != nil {
		return err
	}
	return o.post(ctx, a, p)
}

// SendMinimal posts the minimal payload.
func (o *webhookOutput) SendMinimal(ctx context.Context, a *Alert) error {
	return o.post(ctx, a, MinimalPayload(a))
}

func (o *webhookOutput) post(ctx context.Context, a *Alert, p map[string]any) error {
	var body []byte
	var err error
	if o.max > 0 {
		body, err = o.env.fittedJSON(a, p, o.max, nil)
	} else if body, err = compactJSON(p); err != nil {
		err = &DeliveryError{Output: o.env.name, Permanent: true, Msg: "encode payload: " + err.Error()}
	}
	if err != nil {
		return err
	}
	h := http.Header{
		"Content-Type":            {"application/json"},
		SignatureHeader:           {Sign(o.key, body)},
		"X-Streamalert-Alert-Id":  {a.ID},
		"X-Streamalert-Timestamp": {strconv.FormatInt(a.Created.Unix(), 10)},
	}
	_, _, err = o.http.do(ctx, http.MethodPost, o.url, h, body)
	return err
}
