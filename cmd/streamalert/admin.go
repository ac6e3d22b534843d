package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/realtime/serve"
)

// adminClient is how the alert commands reach the alert store while
// `streamalert serve` holds it: through serve's admin API, found in the data
// directory's serve.json (see realtime/admin.go).
type adminClient struct {
	info serve.AdminInfo
	http *http.Client
}

// serveOn returns the admin client of a serve that runs on the data
// directory dir and answers, or nil. The commands then go to it at once
// instead of waiting for the store's lock to time out; a stale admin file
// (serve was killed) does not count.
func serveOn(dir string) *adminClient {
	info, err := serve.ReadAdminInfo(dir)
	if err != nil {
		return nil
	}
	resp, err := (&http.Client{Timeout: time.Second}).Get(info.URL + "/healthz")
	if err != nil {
		return nil
	}
	resp.Body.Close()
	return &adminClient{info: info, http: &http.Client{Timeout: time.Minute}}
}

// do calls the admin API: body (if not nil) is sent as JSON, the answer is
// decoded into out.
func (c *adminClient) do(ctx context.Context, method, path string, body, out any) error {
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

func (c *adminClient) List(ctx context.Context, f alerts.Filter) ([]*alerts.Alert, error) {
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

func (c *adminClient) Find(ctx context.Context, id string) (*alerts.Alert, error) {
	var a alerts.Alert
	if err := c.do(ctx, "GET", "/v1/admin/alerts/"+url.PathEscape(id), nil, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

func (c *adminClient) Retry(ctx context.Context, ids []string) (int, error) {
	if ids == nil {
		ids = []string{}
	}
	var out struct {
		Requeued int `json:"requeued"`
	}
	err := c.do(ctx, "POST", "/v1/admin/alerts/retry", map[string][]string{"ids": ids}, &out)
	return out.Requeued, err
}

func (c *adminClient) Promote(ctx context.Context, rule string, release bool) (int, error) {
	var out struct {
		Released int `json:"released"`
	}
	err := c.do(ctx, "POST", "/v1/admin/rules/"+url.PathEscape(rule)+"/promote?release="+fmt.Sprint(release), struct{}{}, &out)
	return out.Released, err
}

func (c *adminClient) Digest(ctx context.Context) (alerts.Digest, error) {
	var d alerts.Digest
	err := c.do(ctx, "GET", "/v1/admin/rules/staged", nil, &d)
	return d, err
}

func (c *adminClient) RuleStates(ctx context.Context) ([]alerts.RuleState, error) {
	var out []alerts.RuleState
	err := c.do(ctx, "GET", "/v1/admin/rules/states", nil, &out)
	return out, err
}

// ruleStates returns the staging state the data directory's alert store
// keeps for each rule (through serve while it runs). No store yet: nil.
func (g *globals) ruleStates(ctx context.Context, data string) (map[string]alerts.RuleState, error) {
	cfg, err := g.loadConfig()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(alerts.DefaultStorePath(dataDir(data, cfg))); err != nil {
		return nil, nil
	}
	_, st, rc, _, err := g.openStore(data)
	if err != nil {
		return nil, err
	}
	var states []alerts.RuleState
	if rc != nil {
		states, err = rc.RuleStates(ctx)
	} else {
		defer st.Close()
		states, err = st.Rules(ctx)
	}
	if err != nil {
		return nil, err
	}
	out := make(map[string]alerts.RuleState, len(states))
	for _, s := range states {
		out[s.Rule] = s
	}
	return out, nil
}
