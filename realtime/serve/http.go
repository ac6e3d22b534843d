package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/streamalert/streamalert/realtime"
	"github.com/streamalert/streamalert/schema"
)

// Handler serves the ingest API, health and metrics:
//
//	POST /v1/ingest/{source}  body: JSON lines, a JSON array, one document or text lines (gzip allowed)
//	GET  /healthz
//	GET  /metrics             Prometheus text format
//
// An ingest answers 202 only once the body is durably in the ingest log.
// /healthz answers 503 "degraded" while the ingest log cannot write.
func Handler(run *realtime.Runner, metrics *realtime.Metrics, sources []*realtime.HTTPSource, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	byName := map[string]*realtime.HTTPSource{}
	for _, s := range sources {
		byName[s.Name] = s
	}
	mux := http.NewServeMux()
	var keys keyLocks
	mux.HandleFunc("POST /v1/ingest/{source}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("source")
		src, ok := byName[name]
		if !ok {
			metrics.Rejected(name, "unknown_source")
			jsonError(w, http.StatusNotFound, fmt.Sprintf("no HTTP source named %q", name))
			return
		}
		if !realtime.BearerValid(r.Header.Get("Authorization"), src.Token) {
			metrics.Rejected(name, "unauthorized")
			w.Header().Set("WWW-Authenticate", `Bearer realm="streamalert"`)
			jsonError(w, http.StatusUnauthorized, "missing or wrong bearer token")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, src.MaxBody()))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				metrics.Rejected(name, "too_large")
				jsonError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", src.MaxBody()))
				return
			}
			metrics.Rejected(name, "bad_body")
			jsonError(w, http.StatusBadRequest, "reading body: "+err.Error())
			return
		}
		switch enc := strings.ToLower(r.Header.Get("Content-Encoding")); enc {
		case "", "identity":
		case "gzip":
			if body, err = schema.Inflate(body, 8*src.MaxBody()); err != nil {
				metrics.Rejected(name, "bad_gzip")
				jsonError(w, http.StatusBadRequest, "gzip body: "+err.Error())
				return
			}
		default:
			metrics.Rejected(name, "bad_encoding")
			jsonError(w, http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Encoding %q (want gzip or none)", enc))
			return
		}
		if len(bytes.TrimSpace(body)) == 0 {
			metrics.Rejected(name, "empty")
			jsonError(w, http.StatusBadRequest, "empty body")
			return
		}
		batch := realtime.Batch{Source: name, Received: time.Now().UTC(), Payload: body}
		accepted := CountRecords(body)
		if key, ok := r.Header["Idempotency-Key"]; ok {
			if len(key) != 1 || !validIdempotencyKey(key[0]) {
				metrics.Rejected(name, "bad_idempotency_key")
				jsonError(w, http.StatusBadRequest, fmt.Sprintf("Idempotency-Key must be one value of 1 to %d visible ASCII characters", maxIdempotencyKey))
				return
			}
			ck := idemCursorKey(name, key[0])
			defer keys.lock(ck)()
			if v, ok := run.Cursor(ck); ok {
				if at, n, size, ok := parseIdemValue(v); ok && time.Since(at) <= IdempotencyWindow {
					metrics.Rejected(name, "duplicate")
					writeJSON(w, http.StatusAccepted, map[string]any{"accepted": n, "bytes": size, "duplicate": true})
					return
				}
			}
			batch.Cursor = realtime.Cursor{Key: ck, Value: idemValue(batch.Received, accepted, len(body))}
		}
		seq, err := run.SubmitBatches([]realtime.Batch{batch})
		if errors.Is(err, realtime.ErrBusy) {
			metrics.Rejected(name, "busy")
			w.Header().Set("Retry-After", "1")
			jsonError(w, http.StatusTooManyRequests, err.Error())
			return
		}
		if err != nil {
			metrics.Rejected(name, "not_stored")
			log.Error("ingest not stored", "source", name, "bytes", len(body), "err", err)
			w.Header().Set("Retry-After", "5")
			jsonError(w, http.StatusServiceUnavailable, "not stored: "+err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		json.NewEncoder(w).Encode(map[string]any{"accepted": accepted, "batch": seq, "bytes": len(body)})
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if since, err := run.Degraded(); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "degraded", "queue_depth": run.Depth(),
				"ingest_log": err.Error(), "since": since.UTC().Format(time.RFC3339)})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"status": "ok", "queue_depth": run.Depth()})
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		metrics.WriteText(w)
	})
	return mux
}

func jsonError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

var countParsers fastjson.ParserPool

// CountRecords estimates how many records a body holds without classifying
// it: the elements of a top-level JSON array, 1 for any other single JSON
// document, else the non-blank lines. Envelopes (CloudTrail's Records) count
// as one; the pipeline's metrics give the exact numbers.
func CountRecords(body []byte) int {
	t := bytes.TrimSpace(body)
	if len(t) > 0 && (t[0] == '[' || t[0] == '{') {
		// One pass of fastjson (the classifier's parser) both checks the
		// body is one document and counts an array's elements.
		p := countParsers.Get()
		v, err := p.ParseBytes(t)
		n := -1
		if err == nil {
			n = 1
			if a, aerr := v.Array(); aerr == nil {
				n = len(a)
			}
		}
		countParsers.Put(p)
		if n >= 0 {
			return n
		}
	}
	n := 0
	schema.SplitLines(body, func([]byte) error { n++; return nil })
	return n
}
