package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/streamalert/streamalert/alerts"
)

// AdminClient is how the alert commands reach the alert store while
// `streamalert serve` holds it: through serve's admin API (admin.go), found
// in the data directory's serve.json.
type AdminClient struct {
	info AdminInfo
	http *http.Client
}

// DialAdmin returns the admin client of a serve that runs on the data
// directory dir and answers, or nil. The commands then go to it at once
// instead of waiting for the store's lock to time out; a stale admin file
// (serve was killed) does not count.
func DialAdmin(dir string) *AdminClient {
	info, err := ReadAdminInfo(dir)
	if err != nil {
		return nil
	}
	resp, err := (&http.Client{Timeout: time.Second}).Get(info.URL + "/healthz")
	if err != nil {
		return nil
	}
	resp.Body.Close()
	return &AdminClient{info: info, http: &http.Client{Timeout: time.Minute}}
}

// Info is the admin file of the serve the client talks to.
func (c *AdminClient) Info() AdminInfo { return c.info }

// do calls the admin API: body (if not nil) is sent as JSON, the answer is
// decoded into out.
func (c *AdminClient) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.info.URL+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.info.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("the alert store is held by `streamalert serve` (pid %d), which did not answer at %s: %w", c.info.PID, c.info.URL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<30))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			if resp.StatusCode == http.StatusNotFound {
				return fmt.Errorf("%s: %w", e.Error, alerts.ErrNotFound)
			}
			return errors.New(e.Error)
		}
		return fmt.Errorf("serve's admin API: %s", resp.Status)
	}
	return json.Unmarshal(data, out)
}

// List is alerts.Store's List, through serve.
func (c *AdminClient) List(ctx context.Context, f alerts.Filter) ([]*alerts.Alert, error) {
	q := url.Values{}
	if f.Rule != "" {
		q.Set("rule", f.Rule)
	}
	if !f.Since.IsZero() {
		q.Set("since", f.Since.Format(time.RFC3339Nano))
	}
	if len(f.Status) > 0 {
		s := make([]string, len(f.Status))
		for i, st := range f.Status {
			s[i] = string(st)
		}
		q.Set("status", strings.Join(s, ","))
	}
	var out []*alerts.Alert
	err := c.do(ctx, "GET", "/v1/admin/alerts?"+q.Encode(), nil, &out)
	return out, err
}

// Find is alerts.Store's Find, through serve.
func (c *AdminClient) Find(ctx context.Context, id string) (*alerts.Alert, error) {
	var a alerts.Alert
	if err := c.do(ctx, "GET", "/v1/admin/alerts/"+url.PathEscape(id), nil, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// Retry requeues the alerts ids (all failed ones when empty).
func (c *AdminClient) Retry(ctx context.Context, ids []string) (int, error) {
	if ids == nil {
		ids = []string{}
	}
	var out struct {
		Requeued int `json:"requeued"`
	}
	err := c.do(ctx, "POST", "/v1/admin/alerts/retry", map[string][]string{"ids": ids}, &out)
	return out.Requeued, err
}

// Promote ends a rule's staging, releasing its held alerts when release.
func (c *AdminClient) Promote(ctx context.Context, rule string, release bool) (int, error) {
	var out struct {
		Released int `json:"released"`
	}
	err := c.do(ctx, "POST", "/v1/admin/rules/"+url.PathEscape(rule)+"/promote?release="+fmt.Sprint(release), struct{}{}, &out)
	return out.Released, err
}

// Digest is the staged rules' digest.
func (c *AdminClient) Digest(ctx context.Context) (alerts.Digest, error) {
	var d alerts.Digest
	err := c.do(ctx, "GET", "/v1/admin/rules/staged", nil, &d)
	return d, err
}

// RuleStates is the staging state of every rule.
func (c *AdminClient) RuleStates(ctx context.Context) ([]alerts.RuleState, error) {
	var out []alerts.RuleState
	err := c.do(ctx, "GET", "/v1/admin/rules/states", nil, &out)
	return out, err
}

// Ingest posts payload (uncompressed text) as a batch of source, which may
// be any configured source, to the serve that holds the data directory,
// and returns the records it accepted.
func (c *AdminClient) Ingest(ctx context.Context, source string, payload []byte) (int, error) {
	ic := &IngestClient{URL: c.info.URL, Route: "/v1/admin/ingest/", Source: source, Token: c.info.Token}
	return ic.Post(ctx, payload)
}

// Commit has serve process every batch submitted so far and write the
// lake's buffers out, and returns the lake's root.
func (c *AdminClient) Commit(ctx context.Context) (string, error) {
	var out struct {
		Lake string `json:"lake"`
	}
	err := c.do(ctx, http.MethodPost, "/v1/admin/commit", nil, &out)
	return out.Lake, err
}
