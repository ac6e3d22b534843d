package firehose

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// A Destination stores finished lake files. Put must be atomic: a reader
// listing the lake sees the whole file at key, or nothing there.
type Destination interface {
	// Put stores data at key, a slash-separated path relative to the lake
	// root ("parquet/<table>/dt=YYYY-MM-DD-HH/<name>.parquet"). data is
	// reused after Put returns; Put must not keep it.
	Put(ctx context.Context, key string, data []byte) error
	// String names the lake root for messages ("/var/lake", "s3://b/p").
	String() string
}

// Dir is a Destination in a local directory.
type Dir struct {
	Root string
}

// NewDir returns the destination for the lake rooted at dir.
func NewDir(dir string) *Dir { return &Dir{Root: dir} }

func (d *Dir) String() string { return d.Root }

// testHookMidWrite, when set, runs when half of a file's bytes are written
// to its temporary name. The crash-safety test uses it to kill the writer
// in the middle of a flush.
var testHookMidWrite func(tmp string)

// Put writes data under a temporary name in the target directory, syncs it,
// and renames it into place, so that a crash leaves either the complete
// file or no file at key. The temporary name starts with "." and does not
// end in ".parquet", so lake globs never match it.
func (d *Dir) Put(ctx context.Context, key string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !validKey(key) {
		return fmt.Errorf("lake %s: invalid key %q", d.Root, key)
	}
	final := filepath.Join(d.Root, filepath.FromSlash(key))
	dir := filepath.Dir(final)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("lake %s: %w", d.Root, err)
	}
	tmp := filepath.Join(dir, "."+filepath.Base(final)+"."+randomHex(4)+".tmp")
	if err := writeSynced(tmp, data); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("lake %s: write %s: %w", d.Root, key, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("lake %s: publish %s: %w", d.Root, key, err)
	}
	// Make the rename itself durable; not every platform can sync a
	// directory, and the file is already complete either way.
	if df, err := os.Open(dir); err == nil {
		df.Sync()
		df.Close()
	}
	return nil
}

func writeSynced(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	half := len(data) / 2
	if _, err := f.Write(data[:half]); err != nil {
		f.Close()
		return err
	}
	if testHookMidWrite != nil {
		testHookMidWrite(name)
	}
	if _, err := f.Write(data[half:]); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// validKey rejects keys that would escape the lake root or name a directory.
func validKey(key string) bool {
	if key == "" || strings.HasPrefix(key, "/") || strings.HasSuffix(key, "/") {
		return false
	}
	for _, part := range strings.Split(key, "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	return true
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// tempSweeper is a Destination whose killed writes can leave temporary
// files behind (a directory; S3 puts are atomic).
type tempSweeper interface {
	RemoveTemps(olderThan time.Time) (int, error)
}

// isTempName reports whether name is a temporary file of Put:
// ".<file>.parquet.<hex>.tmp".
func isTempName(name string) bool {
	return strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".tmp") && strings.Contains(name, ".parquet.")
}

// RemoveTemps removes the temporary files of Put last modified before
// olderThan (left by a process killed mid-write) and returns how many.
func (d *Dir) RemoveTemps(olderThan time.Time) (int, error) {
	n := 0
	err := filepath.WalkDir(d.Root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if e.IsDir() || !isTempName(e.Name()) {
			return nil
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(olderThan) {
			return nil
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		n++
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("lake %s: removing temporary files: %w", d.Root, err)
	}
	return n, nil
}

// TempMaxAge is how old a temporary file of Put must be before a Lake
// opening the directory removes it as left by a killed write.
const TempMaxAge = time.Minute
