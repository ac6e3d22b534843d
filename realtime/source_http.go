package realtime

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"

	"github.com/streamalert/streamalert/internal/config"
)

// HTTPSource takes bodies posted to /v1/ingest/{name} with its bearer
// token: `serve`'s HTTP API, or the classifier function behind API Gateway
// or a function URL.
type HTTPSource struct{ config.Source }

var _ Source = (*HTTPSource)(nil)

func init() {
	sourceKinds["http"] = func(s config.Source) Source { return &HTTPSource{s} }
}

// Config implements Source.
func (s *HTTPSource) Config() config.Source { return s.Source }

// DefaultMaxBody is the body limit of an HTTP source that sets none.
const DefaultMaxBody = 16 << 20

// MaxBody is the largest body the source takes.
func (s *HTTPSource) MaxBody() int64 {
	if s.MaxBodyBytes <= 0 {
		return DefaultMaxBody
	}
	return s.MaxBodyBytes
}

// PayloadLimits is the most bytes one payload of each source may inflate
// to, each layer of compression counted alone: eight times an http
// source's max_body_bytes (the limit inflating its Content-Encoding
// stops at), global for every other source.
func PayloadLimits(srcs []Source, global int64) map[string]int64 {
	out := make(map[string]int64, len(srcs))
	for _, s := range srcs {
		out[s.Config().Name] = global
		if h, ok := s.(*HTTPSource); ok {
			out[h.Name] = 8 * h.MaxBody()
		}
	}
	return out
}

// TokenHashPrefix starts a token given as its SHA-256 digest in
// sources.yaml ("sha256:" and 64 hex digits), so that the file does not
// hold the secret itself.
const TokenHashPrefix = "sha256:"

// BearerValid reports whether an Authorization header carries token as a
// bearer token. The scheme is matched in any case and may be followed by
// several spaces (RFC 9110 11.1, 11.4). token is the token itself or
// "sha256:<hex digest of it>". The tokens are compared as SHA-256 digests
// in constant time, so that neither their bytes nor their lengths show in
// the time taken. An empty token admits nobody.
func BearerValid(header, token string) bool {
	scheme, got, ok := strings.Cut(header, " ")
	if !ok || token == "" || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got = strings.TrimLeft(got, " ")
	a := sha256.Sum256([]byte(got))
	b := sha256.Sum256([]byte(token))
	if h, ok := strings.CutPrefix(token, TokenHashPrefix); ok {
		d, err := hex.DecodeString(h)
		if err != nil || len(d) != sha256.Size {
			return false
		}
		copy(b[:], d)
	}
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}
