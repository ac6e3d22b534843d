package alerts

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestCredentials_SetGetListEncrypted(t *testing.T) {
	dir := t.TempDir()
	c := OpenCredentials(dir)
	if names, err := c.List(); err != nil || len(names) != 0 {
		t.Fatalf("empty store lists %v, %v", names, err)
	}
	if _, err := c.Get("slack:sec"); !errors.Is(err, ErrNoSecret) {
		t.Fatalf("get from empty store: %v", err)
	}
	const hook = "https://hooks.slack.com/services/T00/B00/VerySecretValue42"
	if err := c.Set("slack:sec", map[string]string{"webhook_url": hook}); err != nil {
		t.Fatal(err)
	}
	if err := c.Set("pagerduty:oncall", map[string]string{"routing_key": "R0UTINGKEY99", "unused": ""}); err != nil {
		t.Fatal(err)
	}

	st, err := os.Stat(filepath.Join(dir, CredentialsKeyFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
	st, err = os.Stat(filepath.Join(dir, CredentialsFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secrets file mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, CredentialsFile))
	if bytes.Contains(raw, []byte("VerySecretValue42")) || bytes.Contains(raw, []byte("R0UTINGKEY99")) || !bytes.HasPrefix(raw, []byte("age-encryption.org/v1")) {
		t.Fatal("the secrets file is not age-encrypted")
	}

	// A fresh handle reads what the first wrote.
	c2 := OpenCredentials(dir)
	names, err := c2.List()
	if err != nil || !slices.Equal(names, []string{"pagerduty:oncall", "slack:sec"}) {
		t.Fatalf("list %v %v", names, err)
	}
	got, err := c2.Get("slack:sec")
	if err != nil || got["webhook_url"] != hook {
		t.Fatalf("get %v %v", got, err)
	}
	pd, _ := c2.Get("pagerduty:oncall")
	if _, ok := pd["unused"]; ok {
		t.Error("empty values are kept")
	}
	got["webhook_url"] = "changed"
	if again, _ := c2.Get("slack:sec"); again["webhook_url"] != hook {
		t.Error("Get returns the store's own map")
	}
	if err := c2.Delete("slack:sec"); err != nil {
		t.Fatal(err)
	}
	if names, _ := c2.List(); !slices.Equal(names, []string{"pagerduty:oncall"}) {
		t.Errorf("after delete: %v", names)
	}
}

func TestCredentials_Refusals(t *testing.T) {
	dir := t.TempDir()
	c := OpenCredentials(dir)
	if err := c.Set("no-descriptor", map[string]string{"k": "v"}); err == nil {
		t.Error("a name without service:descriptor was accepted")
	}
	if err := c.Set("slack:x", map[string]string{"webhook_url": "https://x"}); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, CredentialsKeyFile)
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get("slack:x"); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a world-readable key file was used: %v", err)
	}
	// Another key cannot decrypt the file.
	os.Remove(key)
	other := OpenCredentials(t.TempDir())
	if err := other.Set("x:y", map[string]string{"a": "b"}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(other.path))
	os.WriteFile(c.path, data, 0o600)
	if err := c.Set("slack:y", map[string]string{"k": "v"}); err == nil {
		t.Error("a file encrypted to another key was overwritten")
	}
}

// TestCredentials_FeedBuildOutputs: outputs read their secrets from the
// store; a missing secret is reported and the others still build.
func TestCredentials_FeedBuildOutputs(t *testing.T) {
	c := OpenCredentials(t.TempDir())
	if err := c.Set("slack:sec", map[string]string{"webhook_url": "https://hooks.example.com/x"}); err != nil {
		t.Fatal(err)
	}
	cfgs := []OutputConfig{
		{Name: "slack:sec", Service: "slack"},
		{Name: "pagerduty:oncall", Service: "pagerduty"},
		{Name: "file:alerts", Service: "file", Settings: map[string]string{"path": filepath.Join(t.TempDir(), "a.jsonl")}},
		{Name: "nope:x", Service: "nope"},
	}
	outs, errs := BuildOutputs(cfgs, c, OutputOptions{})
	if got := sortedKeys(outs); !slices.Equal(got, []string{"file:alerts", "slack:sec"}) {
		t.Errorf("built %v", got)
	}
	if len(errs) != 2 || !strings.Contains(errs[0].Error(), "streamalert outputs set pagerduty:oncall") || !strings.Contains(errs[1].Error(), "unknown service") {
		t.Errorf("errors %v", errs)
	}
	st := StatusOf(cfgs, c)
	if !st[0].Ready || !slices.Equal(st[0].SecretsSet, []string{"webhook_url"}) || st[1].Ready || !slices.Equal(st[1].SecretsMissing, []string{"routing_key"}) {
		t.Errorf("status %+v", st)
	}
	for _, s := range st {
		if strings.Contains(s.Problem, "hooks.example.com") {
			t.Errorf("status shows a secret: %+v", s)
		}
	}
}
