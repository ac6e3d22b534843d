package realtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// correlationState keeps the correlation engine's checkpoint of each lake
// commit in a directory, one file per water mark: <dir>/<water>.json.
// A commit writes the file of its water mark before the lake files and
// the ingest log checkpoint; a restart restores the file of the ingest
// log's checkpoint and replays the batches after it. Files below the
// checkpoint are removed once it has moved past them.
type correlationState struct{ dir string }

func (s correlationState) path(water uint64) string {
	return filepath.Join(s.dir, fmt.Sprintf("%020d.json", water))
}

// save writes the state of water durably.
func (s correlationState) save(water uint64, data []byte) error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("correlation state: %w", err)
	}
	p := s.path(water)
	tmp := p + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("correlation state: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err == nil {
		err = SyncDir(s.dir)
	}
	if err != nil {
		return fmt.Errorf("correlation state %s: %w", p, err)
	}
	return nil
}

// load reads the state of water; ok is false when there is none.
func (s correlationState) load(water uint64) (data []byte, ok bool, err error) {
	data, err = os.ReadFile(s.path(water))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("correlation state: %w", err)
	}
	return data, true, nil
}

// prune removes the states of water marks below keep.
func (s correlationState) prune(keep uint64) error {
	ents, err := os.ReadDir(s.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("correlation state: %w", err)
	}
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		if n, err := strconv.ParseUint(name, 10, 64); err == nil && n < keep {
			if err := os.Remove(filepath.Join(s.dir, e.Name())); err != nil {
				return fmt.Errorf("correlation state: %w", err)
			}
		}
	}
	return nil
}
