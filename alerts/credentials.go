package alerts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
)

// ErrNoSecret is returned for an output that has no stored secrets.
var ErrNoSecret = errors.New("no secrets stored")

// Credentials is the local store of output secrets: one file encrypted
// with age to an X25519 identity kept in a key file readable by its owner
// only, both in the data directory. Secrets never touch outputs.yaml or
// the logs; listing shows names only.
type Credentials struct {
	mu      sync.Mutex
	keyPath string
	path    string
}

// Credential file names in the data directory.
const (
	CredentialsKeyFile = "credentials.key"
	CredentialsFile    = "credentials.age"
)

// OpenCredentials returns the credential store of a data directory. Files
// are created by the first Set.
func OpenCredentials(dataDir string) *Credentials {
	return &Credentials{
		keyPath: filepath.Join(dataDir, CredentialsKeyFile),
		path:    filepath.Join(dataDir, CredentialsFile),
	}
}

// Set stores the secrets of an output (service:descriptor), replacing any
// it had. Empty values are dropped; no values at all deletes the entry.
func (c *Credentials) Set(name string, secret map[string]string) error {
	if err := checkOutputName(name); err != nil {
		return fmt.Errorf("set credentials: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	id, err := c.identity(true)
	if err != nil {
		return err
	}
	all, err := c.read(id)
	if err != nil {
		return err
	}
	clean := map[string]string{}
	for k, v := range secret {
		if k == "" {
			return fmt.Errorf("set credentials of %s: empty secret name", name)
		}
		if v != "" {
			clean[k] = v
		}
	}
	if len(clean) == 0 {
		delete(all, name)
	} else {
		all[name] = clean
	}
	return c.write(id, all)
}

// Get returns the secrets of an output, or ErrNoSecret.
func (c *Credentials) Get(name string) (map[string]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, err := c.identity(false)
	if err != nil {
		return nil, err
	}
	if id == nil {
		return nil, fmt.Errorf("credentials of %s: %w", name, ErrNoSecret)
	}
	all, err := c.read(id)
	if err != nil {
		return nil, err
	}
	s, ok := all[name]
	if !ok {
		return nil, fmt.Errorf("credentials of %s: %w", name, ErrNoSecret)
	}
	return maps.Clone(s), nil
}

// List returns the names of the outputs that have secrets, sorted.
func (c *Credentials) List() ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, err := c.identity(false)
	if err != nil || id == nil {
		return nil, err
	}
	all, err := c.read(id)
	if err != nil {
		return nil, err
	}
	return sortedKeys(all), nil
}

// Delete removes the secrets of an output.
func (c *Credentials) Delete(name string) error {
	return c.Set(name, nil)
}

func checkOutputName(name string) error {
	service, desc, ok := strings.Cut(name, ":")
	if !ok || service == "" || desc == "" {
		return fmt.Errorf("output %q must be named service:descriptor", name)
	}
	return nil
}

// identity reads the key file, creating it when create is set. A key file
// that others may read is refused: it would expose every secret.
func (c *Credentials) identity(create bool) (*age.X25519Identity, error) {
	st, err := os.Stat(c.keyPath)
	if errors.Is(err, fs.ErrNotExist) {
		if !create {
			return nil, nil
		}
		return c.newIdentity()
	}
	if err != nil {
		return nil, fmt.Errorf("credential key %s: %w", c.keyPath, err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("credential key %s has mode %04o: it must be readable by its owner only (chmod 600 %s)", c.keyPath, st.Mode().Perm(), c.keyPath)
	}
	data, err := os.ReadFile(c.keyPath)
	if err != nil {
		return nil, fmt.Errorf("credential key %s: %w", c.keyPath, err)
	}
	ids, err := age.ParseIdentities(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("credential key %s: %w", c.keyPath, err)
	}
	for _, id := range ids {
		if x, ok := id.(*age.X25519Identity); ok {
			return x, nil
		}
	}
	return nil, fmt.Errorf("credential key %s holds no X25519 identity", c.keyPath)
}

func (c *Credentials) newIdentity() (*age.X25519Identity, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, fmt.Errorf("create credential key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(c.keyPath), 0o700); err != nil {
		return nil, fmt.Errorf("create credential key %s: %w", c.keyPath, err)
	}
	text := fmt.Sprintf("# streamalert credential key, created %s\n# public key: %s\n%s\n",
		time.Now().UTC().Format(time.RFC3339), id.Recipient(), id)
	f, err := os.OpenFile(c.keyPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create credential key %s: %w", c.keyPath, err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return nil, fmt.Errorf("write credential key %s: %w", c.keyPath, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write credential key %s: %w", c.keyPath, err)
	}
	return id, nil
}

func (c *Credentials) read(id *age.X25519Identity) (map[string]map[string]string, error) {
	all := map[string]map[string]string{}
	f, err := os.Open(c.path)
	if errors.Is(err, fs.ErrNotExist) {
		return all, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read credentials %s: %w", c.path, err)
	}
	defer f.Close()
	r, err := age.Decrypt(f, id)
	if err != nil {
		return nil, fmt.Errorf("decrypt credentials %s with key %s: %w", c.path, c.keyPath, err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("decrypt credentials %s: %w", c.path, err)
	}
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, fmt.Errorf("credentials %s: decrypted content is not valid: %w", c.path, err)
	}
	return all, nil
}

// write encrypts all secrets to a temporary file and renames it over the
// old one, so a crash leaves either the old or the new file.
func (c *Credentials) write(id *age.X25519Identity, all map[string]map[string]string) error {
	data, err := json.Marshal(all)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), ".credentials-*.tmp")
	if err != nil {
		return fmt.Errorf("write credentials %s: %w", c.path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write credentials %s: %w", c.path, err)
	}
	w, err := age.Encrypt(tmp, id.Recipient())
	if err == nil {
		_, err = w.Write(data)
	}
	if err == nil {
		err = w.Close()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write credentials %s: %w", c.path, err)
	}
	if err := os.Rename(tmp.Name(), c.path); err != nil {
		return fmt.Errorf("write credentials %s: %w", c.path, err)
	}
	return nil
}
