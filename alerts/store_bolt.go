package alerts

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BoltStore is the embedded alert store of `streamalert serve`: one bbolt
// file in the data directory.
//
// Why bbolt: the store is one file that is easy to back up and move; every
// change is an ACID transaction (an insert and its index entries, or a
// delivery's state, land together or not at all, so a crash never leaves
// a half-recorded send); it is pure Go, so the binary and the Lambdas build
// without cgo; and its model — one writer, many readers, inside one
// process — is exactly `serve`'s. SQLite would add cgo (or a large
// transpiled driver) and SQL we do not need for keyed lookups and a few
// ordered indexes. The price: the file is locked by the process that opens
// it, so other processes (the CLI) cannot read it while `serve` runs; they
// get a clear "in use" error instead of waiting.
//
// Layout: bucket "alerts" maps id → alert JSON; "by_status", "by_rule" and
// "by_created" hold index keys (status|rule, 0, time in nanoseconds
// big-endian, id) with empty values, so listings seek and stop early. The
// time is the creation, except for pending alerts in "by_status", which are
// keyed by when they are next due: the dispatcher reads only what is due,
// however many alerts wait on a broken output. "rules" maps rule name →
// RuleState JSON.
type BoltStore struct {
	db   *bolt.DB
	path string
}

var (
	bucketAlerts    = []byte("alerts")
	bucketByStatus  = []byte("by_status")
	bucketByRule    = []byte("by_rule")
	bucketByCreated = []byte("by_created")
	bucketRules     = []byte("rules")
	bucketMeta      = []byte("meta")
)

// storeVersion is written in the meta bucket; a file of another version is refused.
const storeVersion = "1"

// ErrStoreLocked is returned by OpenBolt when another process (a running
// `streamalert serve`) holds the store.
var ErrStoreLocked = errors.New("the file is in use by another process (is `streamalert serve` running?)")

// DefaultStorePath is where the alert store lives in a data directory.
func DefaultStorePath(dataDir string) string { return filepath.Join(dataDir, "alerts.db") }

// OpenBolt opens (creating if needed) the alert store file at path.
func OpenBolt(path string) (*BoltStore, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open alert store %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("open alert store %s: %w", path, ErrStoreLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open alert store %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketAlerts, bucketByStatus, bucketByRule, bucketByCreated, bucketRules, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		switch v := meta.Get([]byte("version")); {
		case v == nil:
			return meta.Put([]byte("version"), []byte(storeVersion))
		case string(v) != storeVersion:
			return fmt.Errorf("the file has store version %s, this program reads version %s", v, storeVersion)
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open alert store %s: %w", path, err)
	}
	return &BoltStore{db: db, path: path}, nil
}

// Path returns the store's file.
func (s *BoltStore) Path() string { return s.path }

// Close implements Store.
func (s *BoltStore) Close() error { return s.db.Close() }

func timeKey(t time.Time) []byte {
	var b [8]byte
	n := t.UnixNano()
	if n < 0 {
		n = 0
	}
	binary.BigEndian.PutUint64(b[:], uint64(n))
	return b[:]
}

func indexKey(prefix string, created time.Time, id string) []byte {
	k := make([]byte, 0, len(prefix)+1+8+len(id))
	if prefix != "" {
		k = append(k, prefix...)
		k = append(k, 0)
	}
	k = append(k, timeKey(created)...)
	return append(k, id...)
}

func putIndexes(tx *bolt.Tx, a *Alert) error {
	if err := tx.Bucket(bucketByStatus).Put(indexKey(string(a.Status), a.due(), a.ID), nil); err != nil {
		return err
	}
	if err := tx.Bucket(bucketByRule).Put(indexKey(a.Rule, a.Created, a.ID), nil); err != nil {
		return err
	}
	return tx.Bucket(bucketByCreated).Put(indexKey("", a.Created, a.ID), nil)
}

// deleteIndexKeys deletes the index keys of a's id, status, rule and
// creation, with due its due time.
func deleteIndexKeys(tx *bolt.Tx, a *Alert, due time.Time) error {
	if err := tx.Bucket(bucketByStatus).Delete(indexKey(string(a.Status), due, a.ID)); err != nil {
		return err
	}
	if err := tx.Bucket(bucketByRule).Delete(indexKey(a.Rule, a.Created, a.ID)); err != nil {
		return err
	}
	return tx.Bucket(bucketByCreated).Delete(indexKey("", a.Created, a.ID))
}

// Insert implements Store.
func (s *BoltStore) Insert(ctx context.Context, alerts []*Alert) ([]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	enc, err := encodeAlerts(alerts)
	if err != nil {
		return nil, err
	}
	added := make([]bool, len(alerts))
	err = s.db.Update(func(tx *bolt.Tx) error { return insertTx(tx, alerts, enc, added) })
	if err != nil {
		return nil, fmt.Errorf("insert %d alerts into %s: %w", len(alerts), s.path, err)
	}
	return added, nil
}

func encodeAlerts(alerts []*Alert) ([][]byte, error) {
	enc := make([][]byte, len(alerts))
	for i, a := range alerts {
		b, err := encodeAlert(a)
		if err != nil {
			return nil, err
		}
		enc[i] = b
	}
	return enc, nil
}

// insertTx adds the alerts (encoded as enc) whose ids are new, setting
// added[i] for each one added.
func insertTx(tx *bolt.Tx, alerts []*Alert, enc [][]byte, added []bool) error {
	clear(added)
	b := tx.Bucket(bucketAlerts)
	for i, a := range alerts {
		if b.Get([]byte(a.ID)) != nil {
			continue
		}
		if err := b.Put([]byte(a.ID), enc[i]); err != nil {
			return err
		}
		if err := putIndexes(tx, a); err != nil {
			return err
		}
		added[i] = true
	}
	return nil
}

// Has implements Store.
func (s *BoltStore) Has(_ context.Context, ids []string) ([]bool, error) {
	out := make([]bool, len(ids))
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAlerts)
		for i, id := range ids {
			out[i] = b.Get([]byte(id)) != nil
		}
		return nil
	})
	return out, err
}

// Get implements Store.
func (s *BoltStore) Get(_ context.Context, id string) (*Alert, error) {
	var a *Alert
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketAlerts).Get([]byte(id))
		if v == nil {
			return fmt.Errorf("get alert %s: %w", id, ErrNotFound)
		}
		var err error
		a, err = decodeAlert(v)
		return err
	})
	return a, err
}

// Modify implements Store.
func (s *BoltStore) Modify(ctx context.Context, ids []string, fn func(*Alert) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error { return modifyTx(tx, ids, fn) })
}

// modifyTx is Modify inside a transaction.
func modifyTx(tx *bolt.Tx, ids []string, fn func(*Alert) error) error {
	b := tx.Bucket(bucketAlerts)
	for _, id := range ids {
		v := b.Get([]byte(id))
		if v == nil {
			return fmt.Errorf("modify alert %s: %w", id, ErrNotFound)
		}
		a, err := decodeAlert(v)
		if err != nil {
			return err
		}
		// What the indexes hold of the alert before fn (decoding it
		// once: the record is most of the cost).
		old := &Alert{ID: a.ID, Status: a.Status, Rule: a.Rule, Created: a.Created}
		oldDue := a.due()
		if err := fn(a); errors.Is(err, ErrSkip) {
			continue
		} else if err != nil {
			return err
		}
		if a.ID != id {
			return fmt.Errorf("modify alert %s: the id must not change", id)
		}
		enc, err := encodeAlert(a)
		if err != nil {
			return err
		}
		if err := b.Put([]byte(id), enc); err != nil {
			return err
		}
		if old.Status != a.Status || old.Rule != a.Rule || !old.Created.Equal(a.Created) || !oldDue.Equal(a.due()) {
			if err := deleteIndexKeys(tx, old, oldDue); err != nil {
				return err
			}
			if err := putIndexes(tx, a); err != nil {
				return err
			}
		}
	}
	return nil
}

// Mark implements Store.
func (s *BoltStore) Mark(ctx context.Context, changes []StatusChange) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := checkMark(changes); err != nil {
		return 0, err
	}
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		n, err = markTx(tx, changes)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("mark %d alerts in %s: %w", len(changes), s.path, err)
	}
	return n, nil
}

// markTx is Mark (checked changes) inside a transaction.
func markTx(tx *bolt.Tx, changes []StatusChange) (int, error) {
	type patched struct {
		c       StatusChange
		out     []byte
		created time.Time
	}
	b := tx.Bucket(bucketAlerts)
	byStatus := tx.Bucket(bucketByStatus)
	var todo []patched
	seen := map[string]bool{}
	for _, c := range changes {
		if seen[c.ID] {
			return 0, fmt.Errorf("mark alert %s: changed twice in one call", c.ID)
		}
		seen[c.ID] = true
		v := b.Get([]byte(c.ID))
		if v == nil {
			return 0, fmt.Errorf("mark alert %s: %w", c.ID, ErrNotFound)
		}
		out, created, ok, err := patchStatus(v, c.From, c.To, c.MergedInto)
		if err != nil {
			return 0, fmt.Errorf("mark alert %s: %w", c.ID, err)
		}
		if ok {
			todo = append(todo, patched{c, out, created})
		}
	}
	// Index keys in ascending order: bbolt appends to a node instead of
	// shifting it, which matters for thousands of keys in one transaction.
	slices.SortFunc(todo, func(x, y patched) int {
		if d := x.created.Compare(y.created); d != 0 {
			return d
		}
		return strings.Compare(x.c.ID, y.c.ID)
	})
	for _, t := range todo {
		if err := b.Put([]byte(t.c.ID), t.out); err != nil {
			return 0, err
		}
		// Neither status is pending, so both index keys use the creation.
		if err := byStatus.Delete(indexKey(string(t.c.From), t.created, t.c.ID)); err != nil {
			return 0, err
		}
		if err := byStatus.Put(indexKey(string(t.c.To), t.created, t.c.ID), nil); err != nil {
			return 0, err
		}
	}
	return len(todo), nil
}

// List implements Store. It scans the narrowest index: each wanted status,
// else the rule, else creation time; all from Since on.
func (s *BoltStore) List(_ context.Context, f Filter) ([]*Alert, error) {
	var out []*Alert
	err := s.db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketAlerts)
		// scan walks one index from..until (zero until: to the end).
		scan := func(bucket []byte, prefix string, from, until time.Time, limit int) error {
			c := tx.Bucket(bucket).Cursor()
			pre := []byte(prefix)
			if prefix != "" {
				pre = append(pre, 0)
			}
			start := append(slices.Clone(pre), timeKey(from)...)
			n := 0
			for k, _ := c.Seek(start); k != nil && bytes.HasPrefix(k, pre); k, _ = c.Next() {
				rest := k[len(pre):]
				if len(rest) < 8 {
					continue
				}
				if !until.IsZero() && bytes.Compare(rest[:8], timeKey(until)) > 0 {
					break
				}
				v := data.Get(rest[8:])
				if v == nil {
					return fmt.Errorf("index entry for missing alert %s", rest[8:])
				}
				a, err := decodeAlert(v)
				if err != nil {
					return err
				}
				if !f.match(a) {
					continue
				}
				out = append(out, a)
				if n++; limit > 0 && n >= limit {
					break
				}
			}
			return nil
		}
		switch {
		case len(f.Status) > 0:
			for _, st := range f.Status {
				from, until := f.Since, f.Until
				if st == StatusPending {
					// Keyed by due time: creation bounds cannot seek.
					from, until = time.Time{}, f.DueBy
				}
				if err := scan(bucketByStatus, string(st), from, until, f.Limit); err != nil {
					return err
				}
			}
		case f.Rule != "":
			return scan(bucketByRule, f.Rule, f.Since, f.Until, f.Limit)
		default:
			return scan(bucketByCreated, "", f.Since, f.Until, f.Limit)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list alerts in %s: %w", s.path, err)
	}
	sortAlerts(out)
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// Rules implements Store.
func (s *BoltStore) Rules(context.Context) ([]RuleState, error) {
	var out []RuleState
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRules).ForEach(func(_, v []byte) error {
			var st RuleState
			if err := json.Unmarshal(v, &st); err != nil {
				return fmt.Errorf("decode rule state: %w", err)
			}
			out = append(out, st)
			return nil
		})
	})
	return out, err
}

// PutRule implements Store.
func (s *BoltStore) PutRule(_ context.Context, st RuleState) error {
	if st.Rule == "" {
		return errors.New("put rule state: empty rule name")
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRules).Put([]byte(st.Rule), b)
	})
}

// Apply implements BatchStore: the batch's writes in one transaction.
func (s *BoltStore) Apply(ctx context.Context, wb WriteBatch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkMark(wb.Mark); err != nil {
		return err
	}
	enc, err := encodeAlerts(wb.Insert)
	if err != nil {
		return err
	}
	states := make([][]byte, len(wb.Rules))
	for i, st := range wb.Rules {
		if st.Rule == "" {
			return errors.New("put rule state: empty rule name")
		}
		if states[i], err = json.Marshal(st); err != nil {
			return err
		}
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := insertTx(tx, wb.Insert, enc, make([]bool, len(wb.Insert))); err != nil {
			return err
		}
		if len(wb.Mark) > 0 {
			if _, err := markTx(tx, wb.Mark); err != nil {
				return err
			}
		}
		if len(wb.ModifyIDs) > 0 {
			if err := modifyTx(tx, wb.ModifyIDs, wb.Modify); err != nil {
				return err
			}
		}
		for i, st := range wb.Rules {
			if err := tx.Bucket(bucketRules).Put([]byte(st.Rule), states[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write %d new alerts, %d status changes, %d rule states to %s: %w",
			len(wb.Insert), len(wb.Mark)+len(wb.ModifyIDs), len(wb.Rules), s.path, err)
	}
	return nil
}
