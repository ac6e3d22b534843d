package alerts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/streamalert/streamalert/internal/duration"
)

// Output sends alerts to one configured destination, `service:descriptor`.
// Send must be safe for concurrent use.
type Output interface {
	Name() string
	Send(ctx context.Context, a *Alert) error
}

// DeliveryError is a failed send. Its message never holds a secret.
type DeliveryError struct {
	Output string
	// StatusCode is the HTTP (or SMTP) status, 0 when there was none.
	StatusCode int
	// RetryAfter is the wait the service asked for (Retry-After), 0 if none.
	RetryAfter time.Duration
	// Permanent marks an error a retry cannot fix (bad request, bad
	// credentials, unknown output): the output gives up at once.
	Permanent bool
	// Rejected marks a refusal of this payload (too large, malformed):
	// the Dispatcher then sends the output's minimal payload once.
	Rejected bool
	Msg      string
}

func (e *DeliveryError) Error() string {
	return fmt.Sprintf("send to %s: %s", e.Output, e.Msg)
}

// OutputConfig is one output of outputs.yaml: the fields of
// internal/config's Output that building it needs. (alerts does not import
// the config package, so it builds whatever state the rest of the tree is in.)
type OutputConfig struct {
	Name     string            // service:descriptor
	Service  string            // the part before the colon
	Settings map[string]string // non-secret settings
}

// Setting describes one setting or secret of an output service.
type Setting struct {
	Name     string `json:"name"`
	Required bool   `json:"required,omitempty"`
	Doc      string `json:"doc"`
}

// Service is a kind of output.
type Service struct {
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Settings    []Setting `json:"settings,omitempty"`
	// Secrets are stored with `streamalert outputs set`, never in outputs.yaml.
	Secrets []Setting `json:"secrets,omitempty"`
	build   func(env *outputEnv) (Output, error)
}

var services = map[string]*Service{}

func register(s *Service) {
	s.Settings = append(s.Settings,
		Setting{Name: "timeout", Doc: "time limit of one send (default 10s)"},
		Setting{Name: "fields", Doc: "publisher: comma-separated payload paths to keep"},
		Setting{Name: "drop", Doc: "publisher: comma-separated payload paths to remove"},
		Setting{Name: "rename", Doc: "publisher: comma-separated from=to path pairs"},
		Setting{Name: "template.FIELD", Doc: "publisher: Go text/template whose text is stored at FIELD"},
	)
	services[s.Name] = s
}

// Services lists every supported output service by name.
func Services() []Service {
	out := make([]Service, 0, len(services))
	for _, name := range sortedKeys(services) {
		out = append(out, *services[name])
	}
	return out
}

// LookupService returns the service of that name.
func LookupService(name string) (Service, bool) {
	s, ok := services[name]
	if !ok {
		return Service{}, false
	}
	return *s, true
}

// OutputOptions carry what outputs share and tests replace.
type OutputOptions struct {
	// Transport makes the HTTP requests (default http.DefaultTransport).
	Transport http.RoundTripper
	// AWSConfig returns the AWS configuration for a region (default: the
	// SDK's default chain). Tests return static credentials.
	AWSConfig func(ctx context.Context, region string) (aws.Config, error)
	// SMTPTLS optionally configures TLS of SMTP connections (tests trust a
	// local certificate with it).
	SMTPTLS TLSConfigFunc
}

// SecretSource gives the secrets of an output by its name; Credentials is
// the local one, an SSM or Secrets Manager source can serve AWS.
type SecretSource interface {
	Get(name string) (map[string]string, error)
}

// outputEnv is what a service's constructor gets.
type outputEnv struct {
	name     string
	service  string
	settings map[string]string
	secrets  map[string]string
	opts     OutputOptions
	pub      *Publisher
	timeout  time.Duration
}

func (e *outputEnv) setting(name, def string) string {
	if v, ok := e.settings[name]; ok && v != "" {
		return v
	}
	return def
}

func (e *outputEnv) secret(name string) string { return e.secrets[name] }

// errorf makes a configuration error of this output.
func (e *outputEnv) errorf(format string, args ...any) error {
	return fmt.Errorf("output %s: "+format, append([]any{e.name}, args...)...)
}

// NewOutput builds one configured output with its secrets (nil when the
// service needs none). Settings are checked: unknown or missing ones fail.
func NewOutput(o OutputConfig, secrets map[string]string, opts OutputOptions) (Output, error) {
	svc, ok := services[o.Service]
	if !ok {
		return nil, fmt.Errorf("output %s: unknown service %q (known: %s)", o.Name, o.Service, strings.Join(sortedKeys(services), ", "))
	}
	env := &outputEnv{name: o.Name, service: o.Service, settings: o.Settings, secrets: secrets, opts: opts, timeout: 10 * time.Second}
	if env.settings == nil {
		env.settings = map[string]string{}
	}
	for _, k := range sortedKeys(env.settings) {
		if isPublisherSetting(k) {
			continue
		}
		if !slices.ContainsFunc(svc.Settings, func(s Setting) bool { return s.Name == k }) {
			return nil, env.errorf("unknown setting %q for service %s (known: %s)", k, svc.Name, settingNames(svc.Settings))
		}
	}
	for _, s := range svc.Settings {
		if s.Required && env.settings[s.Name] == "" {
			return nil, env.errorf("setting %s is required (%s)", s.Name, s.Doc)
		}
	}
	for _, s := range svc.Secrets {
		if s.Required && env.secrets[s.Name] == "" {
			return nil, env.errorf("secret %s is not set (store it with `streamalert outputs set %s`)", s.Name, o.Name)
		}
	}
	if t := env.settings["timeout"]; t != "" {
		d, err := duration.Parse(t)
		if err == nil && d <= 0 {
			err = errors.New("it must be more than zero")
		}
		if err != nil {
			return nil, env.errorf("timeout %q is not a positive duration (%v)", t, err)
		}
		env.timeout = d
	}
	pub, err := NewPublisher(env.settings)
	if err != nil {
		return nil, env.errorf("%w", err)
	}
	env.pub = pub
	return svc.build(env)
}

func settingNames(ss []Setting) string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}

// BuildOutputs builds every configured output. An output that cannot be
// built (missing secret, bad setting) is reported and left out; its
// alerts wait, failing, until it is fixed and they are retried.
func BuildOutputs(cfgs []OutputConfig, secrets SecretSource, opts OutputOptions) (map[string]Output, []error) {
	out := map[string]Output{}
	var errs []error
	for _, c := range cfgs {
		svc, ok := services[c.Service]
		var sec map[string]string
		if ok && len(svc.Secrets) > 0 && secrets != nil {
			s, err := secrets.Get(c.Name)
			if err != nil && !errors.Is(err, ErrNoSecret) {
				errs = append(errs, fmt.Errorf("output %s: read secrets: %w", c.Name, err))
				continue
			}
			sec = s
		}
		o, err := NewOutput(c, sec, opts)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[c.Name] = o
	}
	return out, errs
}

// OutputStatus says whether a configured output has what it needs.
type OutputStatus struct {
	Name    string `json:"name"`
	Service string `json:"service"`
	// Ready is true when the output can be built.
	Ready bool `json:"ready"`
	// SecretsSet names the secrets stored (never their values);
	// SecretsMissing the required ones that are not.
	SecretsSet     []string `json:"secrets_set,omitempty"`
	SecretsMissing []string `json:"secrets_missing,omitempty"`
	Problem        string   `json:"problem,omitempty"`
}

// StatusOf reports, for `outputs list`, which outputs are configured and
// which secrets each has, without revealing any.
func StatusOf(cfgs []OutputConfig, secrets SecretSource) []OutputStatus {
	var out []OutputStatus
	for _, c := range cfgs {
		st := OutputStatus{Name: c.Name, Service: c.Service}
		var sec map[string]string
		if secrets != nil {
			sec, _ = secrets.Get(c.Name)
		}
		st.SecretsSet = sortedKeys(sec)
		if svc, ok := services[c.Service]; ok {
			for _, s := range svc.Secrets {
				if s.Required && sec[s.Name] == "" {
					st.SecretsMissing = append(st.SecretsMissing, s.Name)
				}
			}
		}
		if _, err := NewOutput(c, sec, OutputOptions{AWSConfig: offlineAWS}); err != nil {
			st.Problem = err.Error()
		} else {
			st.Ready = true
		}
		out = append(out, st)
	}
	return out
}

// offlineAWS builds outputs without touching the network or the
// credential chain, for status checks.
func offlineAWS(context.Context, string) (aws.Config, error) {
	return aws.Config{Region: "us-east-1"}, nil
}

// TestAlert is the alert `outputs test` sends.
func TestAlert(now time.Time, output string) *Alert {
	a := &Alert{
		ID:          AlertID("streamalert_output_test", output+" "+now.UTC().Format(time.RFC3339Nano)),
		Rule:        "streamalert_output_test",
		Title:       "streamalert test alert",
		Description: "A test alert sent by `streamalert outputs test " + output + "`.",
		Severity:    "info",
		LogType:     "streamalert:test",
		Source:      "cli",
		RecordID:    now.UTC().Format(time.RFC3339Nano),
		EventTime:   now.UTC(),
		Record:      map[string]any{"message": "If you can read this, the output works.", "output": output},
		Outputs:     []string{output},
		Status:      StatusPending,
		Created:     now.UTC(),
	}
	a.initDelivery()
	return a
}

// --- HTTP plumbing shared by the web services ---

// httpSender posts requests for one output and turns failures into
// DeliveryErrors with secrets removed.
type httpSender struct {
	output  string
	client  *http.Client
	secrets []string
}

func newHTTPSender(env *outputEnv) *httpSender {
	tr := env.opts.Transport
	if tr == nil {
		tr = http.DefaultTransport
	}
	h := &httpSender{output: env.name, client: &http.Client{Transport: tr, Timeout: env.timeout}}
	for _, v := range env.secrets {
		h.secrets = append(h.secrets, secretForms(v)...)
	}
	sortSecrets(h.secrets)
	return h
}

// secretForms returns a secret and, for a URL, the parts of it a server
// may echo: its path, its query and its longer path segments (the tokens
// of webhook URLs).
func secretForms(v string) []string {
	out := []string{v}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		return out
	}
	if len(u.Path) > 1 {
		out = append(out, u.Path)
	}
	if u.RawQuery != "" {
		out = append(out, u.RawQuery)
	}
	for seg := range strings.SplitSeq(u.Path, "/") {
		if len(seg) >= 5 {
			out = append(out, seg)
		}
	}
	return out
}

// sortSecrets puts the longest first, so a secret inside another is not
// half-replaced.
func sortSecrets(s []string) {
	sort.Slice(s, func(i, j int) bool { return len(s[i]) > len(s[j]) })
}

// redact removes every secret of the output from a message.
func (h *httpSender) redact(s string) string {
	return redactSecrets(s, h.secrets)
}

func redactSecrets(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, "[redacted]")
			if esc := url.PathEscape(sec); esc != sec {
				s = strings.ReplaceAll(s, esc, "[redacted]")
			}
		}
	}
	return s
}

// fail builds a DeliveryError with a redacted message.
func (h *httpSender) fail(status int, permanent bool, retryAfter time.Duration, format string, args ...any) *DeliveryError {
	return &DeliveryError{
		Output:     h.output,
		StatusCode: status,
		Permanent:  permanent,
		RetryAfter: retryAfter,
		Msg:        h.redact(fmt.Sprintf(format, args...)),
	}
}

// do sends one request and returns the response body of a 2xx answer.
func (h *httpSender) do(ctx context.Context, method, rawURL string, header http.Header, body []byte) ([]byte, *http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, rawURL, bytes.NewReader(body))
	if err != nil {
		return nil, nil, h.fail(0, true, 0, "build request to %s: %v", redactURL(rawURL), errorWithoutURL(err))
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "streamalert")
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, nil, h.fail(0, false, 0, "%s %s: %v", method, redactURL(rawURL), errorWithoutURL(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, resp, h.fail(resp.StatusCode, false, 0, "%s %s: read response: %v", method, redactURL(rawURL), errorWithoutURL(err))
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return data, resp, nil
	}
	return data, resp, h.statusError(method, rawURL, resp, data)
}

// statusError classifies a non-2xx answer: 408, 429 and 5xx are retried
// (honouring Retry-After), other 4xx are permanent.
func (h *httpSender) statusError(method, rawURL string, resp *http.Response, body []byte) *DeliveryError {
	code := resp.StatusCode
	retryable := code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
	wait := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	// GitHub's secondary rate limits answer 403 with no remaining quota.
	if code == http.StatusForbidden && resp.Header.Get("X-Ratelimit-Remaining") == "0" {
		retryable = true
		if reset, err := strconv.ParseInt(resp.Header.Get("X-Ratelimit-Reset"), 10, 64); err == nil && wait == 0 {
			wait = max(time.Until(time.Unix(reset, 0)), time.Second)
		}
	}
	de := h.fail(code, !retryable, wait, "%s %s: HTTP %d: %s", method, redactURL(rawURL), code, snippet(body))
	de.Rejected = payloadRefusal(code)
	return de
}

// payloadRefusal reports the HTTP answers that refuse a request for its
// body: 400 Bad Request, 413 Content Too Large, 422 Unprocessable Content.
func payloadRefusal(code int) bool {
	return code == http.StatusBadRequest || code == http.StatusRequestEntityTooLarge || code == http.StatusUnprocessableEntity
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date,
// capped at maxRetryAfter.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(min(n, int64(maxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return min(d, maxRetryAfter)
		}
	}
	return 0
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	s = strings.Join(strings.Fields(s), " ")
	return truncate(s, 300)
}

// redactURL keeps the scheme and host of a URL: paths and queries of
// webhook URLs are secrets.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "[url]"
	}
	if u.Path == "" && u.RawQuery == "" {
		return u.Scheme + "://" + u.Host
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// errorWithoutURL drops the URL net/http puts in its errors.
func errorWithoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ne, ok := ue.Err.(net.Error); ok && ne.Timeout() {
			return fmt.Errorf("timeout: %w", ue.Err)
		}
		return ue.Err
	}
	return err
}

// loadAWS returns the AWS configuration for an output.
func (e *outputEnv) loadAWS(ctx context.Context) (aws.Config, error) {
	region := e.setting("region", "")
	if e.opts.AWSConfig != nil {
		cfg, err := e.opts.AWSConfig(ctx, region)
		if err != nil {
			return cfg, e.errorf("AWS configuration: %w", err)
		}
		if region != "" {
			cfg.Region = region
		}
		return cfg, nil
	}
	var opts []func(*awsconfig.LoadOptions) error
	if region != "" {
		opts = append(opts, awsconfig.WithRegion(region))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, e.errorf("AWS configuration: %w", err)
	}
	return cfg, nil
}
