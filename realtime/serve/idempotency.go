package serve

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// IdempotencyWindow is how long an Idempotency-Key of POST
// /v1/ingest/{source} is remembered: a body sent again with the same key
// within it is answered as the first was and not stored again.
const IdempotencyWindow = 24 * time.Hour

// maxIdempotencyKey bounds the header's length.
const maxIdempotencyKey = 255

// The key of a stored body is kept as an ingest-log cursor (durable with
// the body itself, across checkpoints and restarts):
// key "idempotency/<source>/<Idempotency-Key>", value
// "<unix nanos> <accepted> <bytes>".
const idemPrefix = "idempotency/"

func idemCursorKey(source, key string) string { return idemPrefix + source + "/" + key }

func idemValue(at time.Time, accepted, bytes int) string {
	return fmt.Sprintf("%d %d %d", at.UnixNano(), accepted, bytes)
}

// parseIdemValue reads a cursor value; ok is false for a malformed one.
func parseIdemValue(v string) (at time.Time, accepted, bytes int, ok bool) {
	f := strings.Fields(v)
	if len(f) != 3 {
		return time.Time{}, 0, 0, false
	}
	ns, err1 := strconv.ParseInt(f[0], 10, 64)
	a, err2 := strconv.Atoi(f[1])
	b, err3 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return time.Time{}, 0, 0, false
	}
	return time.Unix(0, ns), a, b, true
}

// ForgetIdempotencyKeys is the ingest log's ForgetCursors: keys older
// than IdempotencyWindow go at the next checkpoint.
func ForgetIdempotencyKeys(now func() time.Time) func(key, value string) bool {
	return func(key, value string) bool {
		if !strings.HasPrefix(key, idemPrefix) {
			return false
		}
		at, _, _, ok := parseIdemValue(value)
		return !ok || now().Sub(at) > IdempotencyWindow
	}
}

// validIdempotencyKey: 1 to 255 visible ASCII characters.
func validIdempotencyKey(k string) bool {
	if k == "" || len(k) > maxIdempotencyKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// keyLocks serialises requests that carry the same key, so that two
// copies sent at once store one body.
type keyLocks struct {
	mu   sync.Mutex
	held map[string]chan struct{}
}

func (k *keyLocks) lock(key string) (unlock func()) {
	for {
		k.mu.Lock()
		if k.held == nil {
			k.held = map[string]chan struct{}{}
		}
		ch, busy := k.held[key]
		if !busy {
			ch = make(chan struct{})
			k.held[key] = ch
			k.mu.Unlock()
			return func() {
				k.mu.Lock()
				delete(k.held, key)
				k.mu.Unlock()
				close(ch)
			}
		}
		k.mu.Unlock()
		<-ch
	}
}
