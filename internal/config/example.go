package config

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing/fstest"
)

//go:embed all:example
var exampleFS embed.FS

const tokenPlaceholder = "__TOKEN__"

// Example returns the example configuration that `streamalert init` writes,
// with a fresh random token for the HTTP source. It is also the embedded
// default used when no config directory exists.
func Example() fs.FS {
	sub, _ := fs.Sub(exampleFS, "example")
	out := fstest.MapFS{}
	token := NewToken()
	_ = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		out[p] = &fstest.MapFile{Data: bytes.ReplaceAll(data, []byte(tokenPlaceholder), []byte(token)), Mode: 0o644}
		return nil
	})
	return out
}

// NewToken returns a random bearer token for an HTTP source.
func NewToken() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic("config: no randomness: " + err.Error())
	}
	return "sa_" + hex.EncodeToString(b)
}

// Init writes the example configuration into dir, creating it. It refuses
// to overwrite any existing file.
func Init(dir string) error {
	ex := Example()
	var existing []string
	_ = fs.WalkDir(ex, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
				existing = append(existing, filepath.Join(dir, p))
			}
		}
		return nil
	})
	if len(existing) > 0 {
		return fmt.Errorf("init %s: %s already exists; not overwriting", dir, existing[0])
	}
	return fs.WalkDir(ex, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, p)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := fs.ReadFile(ex, p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if p == "sources.yaml" {
			mode = 0o600 // holds the HTTP source's token
		}
		return os.WriteFile(target, data, mode)
	})
}

// Find picks the configuration a command uses: the --config directory
// when given, else ./conf when it exists, else the embedded default.
func Find(flagDir string) (*Config, Problems) {
	if flagDir != "" {
		return LoadDir(flagDir)
	}
	if st, err := os.Stat("conf"); err == nil && st.IsDir() {
		return LoadDir("conf")
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return &Config{}, Problems{{File: "conf", Msg: err.Error()}}
	}
	return Load(Example(), "")
}
