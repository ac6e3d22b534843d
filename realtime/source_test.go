package realtime

import (
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"testing"

	"github.com/streamalert/streamalert/internal/config"
)

// TestSources_EveryKindIsAType: each kind sources.yaml accepts becomes its
// own type, carrying the source as configured; fed kinds name the resource
// their events come from.
func TestSources_EveryKindIsAType(t *testing.T) {
	wantType := map[string]reflect.Type{
		"file": reflect.TypeFor[*FileSource](), "http": reflect.TypeFor[*HTTPSource](),
		"kinesis": reflect.TypeFor[*KinesisSource](), "s3": reflect.TypeFor[*S3Source](),
		"sns": reflect.TypeFor[*SNSSource](), "sqs": reflect.TypeFor[*SQSSource](),
		"syslog": reflect.TypeFor[*SyslogSource](),
	}
	wantResource := map[string]string{"kinesis": "stream-a", "s3": "bucket-a", "sqs": "queue-a", "sns": "topic-a"}
	cfg := &config.Config{}
	for _, kind := range config.SourceKinds {
		cfg.Sources = append(cfg.Sources, config.Source{Name: "src_" + kind, Kind: kind,
			Stream: "stream-a", Bucket: "bucket-a", Queue: "queue-a", Topic: "topic-a"})
	}
	srcs, err := Sources(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) != len(config.SourceKinds) {
		t.Fatalf("%d sources for %d kinds", len(srcs), len(config.SourceKinds))
	}
	for i, s := range srcs {
		kind := config.SourceKinds[i]
		if got := reflect.TypeOf(s); got != wantType[kind] {
			t.Errorf("kind %s: type %v, want %v", kind, got, wantType[kind])
		}
		if s.Config().Name != "src_"+kind {
			t.Errorf("kind %s: config %+v", kind, s.Config())
		}
		fed, isFed := s.(FedSource)
		if want, ok := wantResource[kind]; ok != isFed || isFed && fed.Resource() != want {
			t.Errorf("kind %s: fed %v, want resource %q", kind, isFed, want)
		}
	}
	if got := SourcesOf[*KinesisSource](srcs); len(got) != 1 || got[0].Name != "src_kinesis" {
		t.Errorf("SourcesOf[*KinesisSource] = %v", got)
	}
	cfg.Sources = append(cfg.Sources, config.Source{Name: "odd", Kind: "carrier-pigeon", File: "sources.yaml", Line: 9})
	if _, err := Sources(cfg); err == nil || err.Error() != `sources.yaml:9: source odd: type "carrier-pigeon" is not served` {
		t.Errorf("an unknown kind: %v", err)
	}
}

// TestHTTPSource_BearerAndBodyLimit: the token must come as a bearer
// token and match exactly (the scheme in any case, RFC 9110 11.1, and
// after one or more spaces); an empty token admits nobody; the body limit
// defaults.
func TestHTTPSource_BearerAndBodyLimit(t *testing.T) {
	for _, c := range []struct {
		header, token string
		ok            bool
	}{
		{"Bearer s3cret", "s3cret", true},
		{"Bearer s3cret ", "s3cret", false},
		{"bearer s3cret", "s3cret", true},
		{"BEARER s3cret", "s3cret", true},
		{"Bearer   s3cret", "s3cret", true},
		{"Bearer s3cre", "s3cret", false},
		{"Bearer s3cretx", "s3cret", false},
		{"Basic s3cret", "s3cret", false},
		{"Bearers3cret", "s3cret", false},
		// sha256 of "s3cret", as sources.yaml may hold it.
		{"Bearer s3cret", "sha256:3a4b5c8a5c6f2f5a5d1d8a1c9cfbd0b94c5e39a05a0d05bc3c1a4b9c6a0b1d72", false},
		{"Bearer s3cret", "sha256:" + sha256Hex("s3cret"), true},
		{"Bearer " + "sha256:" + sha256Hex("s3cret"), "sha256:" + sha256Hex("s3cret"), false},
		{"Bearer s3cret", "sha256:zz", false},
		{"s3cret", "s3cret", false},
		{"Bearer ", "", false},
		{"Bearer x", "", false},
	} {
		if got := BearerValid(c.header, c.token); got != c.ok {
			t.Errorf("BearerValid(%q, %q) = %v", c.header, c.token, got)
		}
	}
	if got := (&HTTPSource{}).MaxBody(); got != DefaultMaxBody {
		t.Errorf("default body limit %d", got)
	}
	if got := (&HTTPSource{config.Source{MaxBodyBytes: 10}}).MaxBody(); got != 10 {
		t.Errorf("set body limit %d", got)
	}
}

func sha256Hex(s string) string {
	d := sha256.Sum256([]byte(s))
	return hex.EncodeToString(d[:])
}
