package serve

import (
	"context"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServe_DataDirectoryPermissions: what serve writes outside the lake
// (ingest log, checkpoints, alert store, the admin file with its token)
// is readable by its owner only: directories 0700, files 0600. The lake
// (Parquet files for readers such as DuckDB) lies inside the 0700 data
// directory.
func TestServe_DataDirectoryPermissions(t *testing.T) {
	cfg := testConfig(t)
	data := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	app, err := OpenApp(ctx, cfg, data, AppOptions{CommitInterval: 100 * time.Millisecond, Logger: quietLog, NoOutputs: true})
	if err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, "127.0.0.1:0", func(a string) { addrc <- a }) }()
	url := "http://" + <-addrc + "/v1/ingest/http"
	src, _ := cfg.Source("http")
	if code, _ := post(t, url, src.Token, []byte(`{"a":1}`)); code != http.StatusAccepted {
		t.Fatalf("post: %d", code)
	}
	waitFor(t, "a commit", func() bool { _, err := os.Stat(filepath.Join(data, "ingest", "checkpoint")); return err == nil })
	check := func() {
		err := filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(data, p)
			if rel == "lake" || strings.HasPrefix(rel, "lake"+string(filepath.Separator)) {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			want := fs.FileMode(0o600)
			if d.IsDir() {
				want = 0o700
			}
			if info.Mode().Perm() != want {
				t.Errorf("%s: mode %v, want %v", rel, info.Mode().Perm(), want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	check() // while serving: serve.json is there
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	check()
}
