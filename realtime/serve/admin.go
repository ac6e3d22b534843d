package serve

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/realtime"
	"github.com/streamalert/streamalert/schema"
)

// The alert store is a bbolt file that one process holds open, so while
// `serve` runs the CLI's alert commands (list, show, retry, promote,
// staged) go through serve instead: serve leaves the address and a token
// of this admin API in the data directory (AdminFile, mode 0600, removed
// on exit), and the CLI uses them when it finds the store locked. Reading
// that file takes the same access as opening the store itself.
//
//	GET  /v1/admin/alerts?rule=R&since=RFC3339&status=S,S  alerts, oldest first (JSON array)
//	GET  /v1/admin/alerts/{id}                              one alert; a unique id prefix is enough
//	POST /v1/admin/alerts/retry   {"ids": [...]}            failed alerts made pending again ({"requeued": n})
//	POST /v1/admin/rules/{name}/promote?release=true        end a rule's staging ({"released": n})
//	POST /v1/admin/commit           process what was submitted and commit the lake now ({"lake": dir})
//	POST /v1/admin/ingest/{source}  body: a batch of any configured source (202 {"accepted": n, "batch": seq})
//	GET  /v1/admin/rules/staged                             the staged rules' digest (alerts.Digest)
//	GET  /v1/admin/rules/states                             every rule's staging state ([]alerts.RuleState)

// AdminInfo is the content of AdminFile.
type AdminInfo struct {
	URL   string `json:"url"`
	Token string `json:"token"`
	PID   int    `json:"pid"`
}

// AdminFile is where a running serve describes its admin API.
func AdminFile(dataDir string) string { return filepath.Join(dataDir, "serve.json") }

// ReadAdminInfo reads the admin file of a data directory.
func ReadAdminInfo(dataDir string) (AdminInfo, error) {
	var info AdminInfo
	b, err := os.ReadFile(AdminFile(dataDir))
	if err != nil {
		return info, err
	}
	if err := json.Unmarshal(b, &info); err != nil || info.URL == "" || info.Token == "" {
		return info, fmt.Errorf("%s: not a serve admin file", AdminFile(dataDir))
	}
	return info, nil
}

// writeAdminFile writes the admin file for a server at addr and returns
// its token.
func writeAdminFile(dataDir, addr string) (string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	info := AdminInfo{URL: "http://" + addr, Token: hex.EncodeToString(b[:]), PID: os.Getpid()}
	data, _ := json.Marshal(info)
	tmp := AdminFile(dataDir) + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return "", err
	}
	return info.Token, os.Rename(tmp, AdminFile(dataDir))
}

// adminIngestMax bounds one admin ingest post: the ingest client's batches
// (schema.DefaultBatchBytes) or one JSON document spread over lines.
const adminIngestMax = schema.MaxDocumentBytes

// adminHandler serves the admin API of a, for bearers of token.
func (a *App) adminHandler(token string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/admin/alerts", func(w http.ResponseWriter, r *http.Request) {
		f := alerts.Filter{Rule: r.URL.Query().Get("rule")}
		if s := r.URL.Query().Get("since"); s != "" {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				jsonError(w, http.StatusBadRequest, "since: "+err.Error())
				return
			}
			f.Since = t
		}
		if s := r.URL.Query().Get("status"); s != "" {
			for _, name := range strings.Split(s, ",") {
				st, ok := alerts.ParseStatus(name)
				if !ok {
					jsonError(w, http.StatusBadRequest, fmt.Sprintf("status %q: want one of %v", name, alerts.Statuses))
					return
				}
				f.Status = append(f.Status, st)
			}
		}
		list, err := a.Store.List(r.Context(), f)
		if err != nil {
			jsonError(w, http.StatusInternalServerError, err.Error())
			return
		}
		if list == nil {
			list = []*alerts.Alert{}
		}
		writeJSON(w, http.StatusOK, list)
	})
	mux.HandleFunc("GET /v1/admin/alerts/{id}", func(w http.ResponseWriter, r *http.Request) {
		al, err := alerts.Find(r.Context(), a.Store, r.PathValue("id"))
		if err != nil {
			code := http.StatusInternalServerError
			if errors.Is(err, alerts.ErrNotFound) {
				code = http.StatusNotFound
			}
			jsonError(w, code, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, al)
	})
	mux.HandleFunc("POST /v1/admin/alerts/retry", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			IDs []string `json:"ids"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
			jsonError(w, http.StatusBadRequest, "body: "+err.Error())
			return
		}
		n, err := a.Dispatcher.Retry(r.Context(), req.IDs...)
		if err != nil {
			jsonError(w, http.StatusInternalServerError, err.Error())
			return
		}
		// The dispatch loop sends them on its next round.
		writeJSON(w, http.StatusOK, map[string]int{"requeued": n})
	})
	// Files loaded with `streamalert ingest --source NAME` while serve
	// holds the data directory come here: any configured source (the HTTP
	// route takes only HTTP sources, with their own tokens). As on that
	// route, 202 means the body is durably in the ingest log.
	mux.HandleFunc("POST /v1/admin/ingest/{source}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("source")
		if _, ok := a.Config.Source(name); !ok {
			jsonError(w, http.StatusNotFound, fmt.Sprintf("no source named %q in sources.yaml", name))
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, adminIngestMax))
		if err != nil {
			jsonError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body: %v (at most %d bytes a post)", err, adminIngestMax))
			return
		}
		seq, err := a.Runner.Submit(name, time.Now().UTC(), body)
		if errors.Is(err, realtime.ErrBusy) {
			w.Header().Set("Retry-After", "1")
			jsonError(w, http.StatusTooManyRequests, err.Error())
			return
		}
		if err != nil {
			w.Header().Set("Retry-After", "5")
			jsonError(w, http.StatusServiceUnavailable, "not stored: "+err.Error())
			return
		}
		writeJSON(w, http.StatusAccepted, map[string]any{"accepted": CountRecords(body), "batch": seq, "bytes": len(body)})
	})
	// After an ingest through serve, `streamalert ingest` asks for what it
	// loaded to be in the lake before it returns, as it is when ingest
	// runs on its own: every batch submitted so far is processed, then the
	// lake's buffers are committed.
	mux.HandleFunc("POST /v1/admin/commit", func(w http.ResponseWriter, r *http.Request) {
		a.Runner.Drain()
		if err := a.Runner.Commit(r.Context()); err != nil {
			jsonError(w, http.StatusServiceUnavailable, "lake commit: "+err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"lake": a.LakeRoot})
	})
	mux.HandleFunc("POST /v1/admin/rules/{name}/promote", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if a.Rules.Get(name) == nil {
			jsonError(w, http.StatusNotFound, fmt.Sprintf("unknown rule %q", name))
			return
		}
		n, err := a.Processor.Promote(r.Context(), name, r.URL.Query().Get("release") == "true")
		if err != nil {
			jsonError(w, http.StatusInternalServerError, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]int{"released": n})
	})
	mux.HandleFunc("GET /v1/admin/rules/staged", func(w http.ResponseWriter, r *http.Request) {
		d, err := a.Processor.Digest(r.Context())
		if err != nil {
			jsonError(w, http.StatusInternalServerError, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, d)
	})
	mux.HandleFunc("GET /v1/admin/rules/states", func(w http.ResponseWriter, r *http.Request) {
		states, err := a.Store.Rules(r.Context())
		if err != nil {
			jsonError(w, http.StatusInternalServerError, err.Error())
			return
		}
		if states == nil {
			states = []alerts.RuleState{}
		}
		writeJSON(w, http.StatusOK, states)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !realtime.BearerValid(r.Header.Get("Authorization"), token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="streamalert-admin"`)
			jsonError(w, http.StatusUnauthorized, "missing or wrong admin token (see the data directory's serve.json)")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
