package realtime

import (
	"bytes"
	"encoding/json"
)

// Chunks splits a file's contents into batches of about size bytes at line
// boundaries, so that a large log file is ingested as many moderate
// batches. A payload that is one JSON document (an envelope such as
// CloudTrail's {"Records":[…]}, or an array) cannot be cut and is one batch.
func Chunks(payload []byte, size int, fn func(chunk []byte) error) error {
	if size <= 0 {
		size = 4 << 20
	}
	t := bytes.TrimSpace(payload)
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') && len(t) > size && json.Valid(t) {
		return fn(payload)
	}
	for len(payload) > 0 {
		if len(payload) <= size {
			return fn(payload)
		}
		cut := bytes.IndexByte(payload[size:], '\n')
		if cut < 0 {
			return fn(payload)
		}
		end := size + cut + 1
		if err := fn(payload[:end]); err != nil {
			return err
		}
		payload = payload[end:]
	}
	return nil
}
