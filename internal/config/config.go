// Package config loads a streamalert configuration directory: global
// settings, sources and outputs, and the places of the schema, rule and
// hunt files that their own packages load. Every problem found is reported
// with file and line, not just the first.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"reflect"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/streamalert/streamalert/internal/duration"
	"github.com/streamalert/streamalert/internal/yamlnode"
)

// Config is a loaded configuration directory.
type Config struct {
	// Dir is the directory it came from, or "" for the embedded default.
	Dir     string
	FS      fs.FS
	Global  Global
	Sources []Source
	Outputs []Output
	// outputsUnread is set when outputs.yaml could not be parsed, so that
	// references to outputs are not all reported as unknown.
	outputsUnread bool
}

// Global holds global.yaml.
type Global struct {
	Prefix string `yaml:"prefix"`
	Region string `yaml:"region"`
	// Lake is where the Parquet lake lives: file://DIR or s3://bucket/prefix.
	Lake    string `yaml:"lake"`
	DataDir string `yaml:"data_dir"`
	Buffer  Buffer `yaml:"buffer"`
	// ParquetCompression is how the embedded lake writer compresses
	// columns: auto (per column), zstd or snappy.
	ParquetCompression string `yaml:"parquet_compression"`
	// MaxPayloadBytes bounds what one payload of a source other than
	// http (syslog, Kinesis, S3, SQS, files) may inflate to, each layer
	// of compression counted alone (an http source's bound is eight
	// times its max_body_bytes). Default 128 MiB.
	MaxPayloadBytes int64         `yaml:"max_payload_bytes"`
	Alerts          Alerts        `yaml:"alerts"`
	Rules           RulesSettings `yaml:"rules"`
}

// RulesSettings turns the built-in rule pack and single rules on or off.
type RulesSettings struct {
	// Pack loads the built-in rule pack (default true).
	Pack bool `yaml:"pack"`
	// Disabled names rules (from the pack or the config) that do not run.
	Disabled []string `yaml:"disabled"`
}

// Buffer is the lake writer's flush policy, as Firehose's buffering hints.
type Buffer struct {
	SizeMiB         int `yaml:"size_mib"`
	IntervalSeconds int `yaml:"interval_seconds"`
}

// Alerts holds alert delivery settings.
type Alerts struct {
	MaxAttempts   int      `yaml:"max_attempts"`
	StagingPeriod Duration `yaml:"staging_period"`
	// DefaultOutputs are added to every rule's outputs.
	DefaultOutputs []string `yaml:"default_outputs"`
}

// Duration is a time.Duration written in the grammar of package
// internal/duration ("48h", "15m", "7d", "2w"), or the word off, which
// is a negative Duration: the setting's feature is turned off (for
// staging_period, automatic promotion). Negative durations are not
// written out.
type Duration time.Duration

// Off is the Duration of the word off.
const Off = Duration(-1)

// UnmarshalYAML reads a duration with duration.Parse, or off.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Value == "off" {
		*d = Off
		return nil
	}
	v, err := duration.Parse(n.Value)
	if err != nil {
		if strings.HasPrefix(strings.TrimSpace(n.Value), "-") {
			return fmt.Errorf("line %d: %w (write off to turn the setting off)", n.Line, err)
		}
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = Duration(v)
	return nil
}

// SourceKinds are the kinds of input a source can be.
var SourceKinds = []string{"file", "http", "kinesis", "s3", "sns", "sqs", "syslog"}

// Source is one input of sources.yaml and the log types it may carry.
type Source struct {
	Name     string   `yaml:"-"`
	Kind     string   `yaml:"type"`
	LogTypes []string `yaml:"log_types"`
	// http
	Token        string `yaml:"token"`
	MaxBodyBytes int64  `yaml:"max_body_bytes"`
	// syslog
	Listen   string `yaml:"listen"`
	Protocol string `yaml:"protocol"` // udp, tcp or both
	// UDPReceiveBuffer is the UDP socket's receive buffer (SO_RCVBUF) in
	// bytes; 0 means DefaultUDPReceiveBuffer.
	UDPReceiveBuffer int `yaml:"udp_receive_buffer_bytes"`
	// kinesis, s3, sqs, sns
	Stream string `yaml:"stream"`
	Bucket string `yaml:"bucket"`
	Queue  string `yaml:"queue"`
	Topic  string `yaml:"topic"`

	File      string `yaml:"-"`
	Line      int    `yaml:"-"`
	TypesLine int    `yaml:"-"` // line of log_types, for errors about them
}

// Output is one configured output `service:descriptor` of outputs.yaml.
// Secrets are never here; they live in the credential store.
type Output struct {
	Name     string            // service:descriptor
	Service  string            //
	Settings map[string]string // non-secret settings (url of a self-hosted service, file path, …)
	File     string
	Line     int
}

// Load reads a configuration from fsys. dir is only used for messages and
// may be "" for the embedded default.
func Load(fsys fs.FS, dir string) (*Config, Problems) {
	c := &Config{Dir: dir, FS: fsys}
	var ps Problems
	c.Global = defaultGlobal()
	if n := readYAML(fsys, "global.yaml", &ps, true); n != nil {
		dec := n.Content[0]
		if err := decodeStrict(dec, &c.Global); err != nil {
			ps.add("global.yaml", nodeErrLine(err, dec), "%s", plainDecodeErr(err))
		}
		checkGlobal(&c.Global, dec, &ps)
	}
	if n := readYAML(fsys, "sources.yaml", &ps, true); n != nil {
		c.Sources = loadSources(n.Content[0], &ps)
	}
	before := len(ps)
	if n := readYAML(fsys, "outputs.yaml", &ps, false); n != nil {
		c.Outputs = loadOutputs(n.Content[0], &ps)
	} else if len(ps) > before {
		c.outputsUnread = true
	}
	return c, ps
}

// LoadDir loads the configuration directory dir.
func LoadDir(dir string) (*Config, Problems) {
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return &Config{Dir: dir}, Problems{{Msg: "config directory not found (run `streamalert init " + dir + "` to create one)"}}
	}
	return Load(os.DirFS(dir), dir)
}

func defaultGlobal() Global {
	return Global{
		Prefix:  "streamalert",
		Region:  "us-east-1",
		Lake:    "file://./data/lake",
		DataDir: "./data",
		Buffer:  Buffer{SizeMiB: 128, IntervalSeconds: 60},
		Alerts:  Alerts{MaxAttempts: 10, StagingPeriod: Duration(48 * time.Hour)},
		Rules:   RulesSettings{Pack: true},

		ParquetCompression: "auto",
		MaxPayloadBytes:    128 << 20,
	}
}

func checkGlobal(g *Global, n *yaml.Node, ps *Problems) {
	line := func(key string) int {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i].Line
			}
		}
		return n.Line
	}
	if !strings.HasPrefix(g.Lake, "file://") && !strings.HasPrefix(g.Lake, "s3://") {
		ps.add("global.yaml", line("lake"), "lake %q must start with file:// or s3://", g.Lake)
	}
	if g.Buffer.SizeMiB < 1 || g.Buffer.SizeMiB > 128 {
		ps.add("global.yaml", line("buffer"), "buffer.size_mib %d must be between 1 and 128 (Firehose's range)", g.Buffer.SizeMiB)
	}
	if g.Buffer.IntervalSeconds < 0 || g.Buffer.IntervalSeconds > 900 {
		ps.add("global.yaml", line("buffer"), "buffer.interval_seconds %d must be between 0 and 900 (Firehose's range)", g.Buffer.IntervalSeconds)
	}
	switch g.ParquetCompression {
	case "auto", "zstd", "snappy":
	default:
		ps.add("global.yaml", line("parquet_compression"), "parquet_compression %q must be auto, zstd or snappy", g.ParquetCompression)
	}
	if g.MaxPayloadBytes < 1<<20 || g.MaxPayloadBytes > 4<<30 {
		ps.add("global.yaml", line("max_payload_bytes"), "max_payload_bytes %d must be between 1 MiB (1048576) and 4 GiB", g.MaxPayloadBytes)
	}
	if g.Prefix == "" || strings.ContainsAny(g.Prefix, " /:") {
		ps.add("global.yaml", line("prefix"), "prefix %q must be a non-empty name without spaces, / or :", g.Prefix)
	}
}

func loadSources(root *yaml.Node, ps *Problems) []Source {
	const file = "sources.yaml"
	m := root
	if v := mapValue(root, "sources"); v != nil {
		m = v
	}
	if m.Kind != yaml.MappingNode {
		ps.add(file, m.Line, "sources must be a map of source name to its settings")
		return nil
	}
	var out []Source
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		s := Source{Name: k.Value, File: file, Line: k.Line, TypesLine: k.Line}
		if err := decodeStrict(v, &s); err != nil {
			ps.add(file, nodeErrLine(err, v), "source %s: %s", s.Name, plainDecodeErr(err))
			continue
		}
		if t := mapValue(v, "log_types"); t != nil {
			s.TypesLine = t.Line
		}
		if !validName(s.Name) {
			ps.add(file, k.Line, "source name %q must be lower-case letters, digits, - and _", s.Name)
		}
		if i := sort.SearchStrings(SourceKinds, s.Kind); i == len(SourceKinds) || SourceKinds[i] != s.Kind {
			ps.add(file, valueLine(v, "type"), "source %s: type %q is not one of %s", s.Name, s.Kind, strings.Join(SourceKinds, ", "))
		}
		if len(s.LogTypes) == 0 {
			ps.add(file, k.Line, "source %s lists no log_types", s.Name)
		}
		switch s.Kind {
		case "syslog":
			if s.Listen == "" {
				ps.add(file, k.Line, "source %s: syslog needs listen (e.g. 127.0.0.1:5514)", s.Name)
			}
			if s.Protocol != "" && s.Protocol != "udp" && s.Protocol != "tcp" && s.Protocol != "both" {
				ps.add(file, valueLine(v, "protocol"), "source %s: protocol %q must be udp, tcp or both", s.Name, s.Protocol)
			}
			if s.UDPReceiveBuffer < 0 || s.UDPReceiveBuffer > 1<<30 {
				ps.add(file, valueLine(v, "udp_receive_buffer_bytes"), "source %s: udp_receive_buffer_bytes %d must be between 0 (the default, 8 MiB) and 1 GiB", s.Name, s.UDPReceiveBuffer)
			}
		case "http":
			if h, ok := strings.CutPrefix(s.Token, "sha256:"); ok && !isHexDigest(h) {
				ps.add(file, valueLine(v, "token"), "source %s: token %q must be sha256: and 64 hex digits (the SHA-256 of the token)", s.Name, "sha256:…")
			}
		case "kinesis":
			if s.Stream == "" {
				ps.add(file, k.Line, "source %s: kinesis needs stream", s.Name)
			}
		case "s3":
			if s.Bucket == "" {
				ps.add(file, k.Line, "source %s: s3 needs bucket", s.Name)
			}
		case "sqs":
			if s.Queue == "" {
				ps.add(file, k.Line, "source %s: sqs needs queue", s.Name)
			}
		}
		out = append(out, s)
	}
	return out
}

func loadOutputs(root *yaml.Node, ps *Problems) []Output {
	const file = "outputs.yaml"
	m := root
	if v := mapValue(root, "outputs"); v != nil {
		m = v
	}
	if m.Kind != yaml.MappingNode {
		ps.add(file, m.Line, "outputs must be a map of service:descriptor to its settings")
		return nil
	}
	var out []Output
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		service, desc, ok := strings.Cut(k.Value, ":")
		if !ok || service == "" || desc == "" {
			ps.add(file, k.Line, "output %q must be named service:descriptor (e.g. slack:security)", k.Value)
			continue
		}
		o := Output{Name: k.Value, Service: service, File: file, Line: k.Line, Settings: map[string]string{}}
		if v.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(v.Content); j += 2 {
				key, val := v.Content[j], v.Content[j+1]
				if val.Kind != yaml.ScalarNode {
					ps.add(file, val.Line, "output %s: setting %s must be a plain value", o.Name, key.Value)
					continue
				}
				if looksSecret(key.Value) {
					ps.add(file, key.Line, "output %s: %s looks like a secret; store it with `streamalert outputs set %s` instead", o.Name, key.Value, o.Name)
					continue
				}
				o.Settings[key.Value] = val.Value
			}
		} else if v.Tag != "!!null" {
			ps.add(file, v.Line, "output %s: settings must be a map", o.Name)
		}
		out = append(out, o)
	}
	return out
}

func looksSecret(key string) bool {
	k := strings.ToLower(key)
	for _, s := range []string{"token", "password", "secret", "api_key", "apikey", "webhook_url", "routing_key", "integration_key"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// Output returns the configured output with that name.
func (c *Config) Output(name string) (Output, bool) {
	for _, o := range c.Outputs {
		if o.Name == name {
			return o, true
		}
	}
	return Output{}, false
}

// Source returns the configured source with that name.
func (c *Config) Source(name string) (Source, bool) {
	for _, s := range c.Sources {
		if s.Name == name {
			return s, true
		}
	}
	return Source{}, false
}

// Files lists the files under dir of the config matching one of the
// extensions, sorted. A missing dir yields nothing.
func (c *Config) Files(dir string, exts ...string) []string {
	var out []string
	if c.FS == nil {
		return nil
	}
	_ = fs.WalkDir(c.FS, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		for _, e := range exts {
			if strings.HasSuffix(p, e) {
				out = append(out, p)
				break
			}
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// readYAML reads and parses one file; a missing optional file yields nil.
func readYAML(fsys fs.FS, name string, ps *Problems, required bool) *yaml.Node {
	data, err := fs.ReadFile(fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		if required {
			ps.add(name, 0, "file is missing")
		}
		return nil
	}
	if err != nil {
		ps.add(name, 0, "%v", err)
		return nil
	}
	var n yaml.Node
	if err := yamlnode.Unmarshal(data, &n); err != nil {
		ps.add(name, yamlLine(err), "%s", yamlMsg(err))
		return nil
	}
	if len(n.Content) == 0 {
		return nil
	}
	return &n
}

// decodeStrict decodes n into v and reports the first key that v has no
// setting for, with its own line.
func decodeStrict(n *yaml.Node, v any) error {
	if err := n.Decode(v); err != nil {
		return err
	}
	return unknownKey(n, reflect.TypeOf(v).Elem())
}

// unknownKey walks a mapping node beside the struct type it decodes into.
func unknownKey(n *yaml.Node, t reflect.Type) error {
	if n.Kind != yaml.MappingNode || t.Kind() != reflect.Struct {
		return nil
	}
	fields := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || name == "" {
			continue
		}
		fields[name] = f.Type
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		ft, ok := fields[k.Value]
		if !ok {
			known := make([]string, 0, len(fields))
			for name := range fields {
				known = append(known, name)
			}
			sort.Strings(known)
			return &lineError{line: k.Line, msg: fmt.Sprintf("unknown setting %q (known: %s)", k.Value, strings.Join(known, ", "))}
		}
		if err := unknownKey(n.Content[i+1], ft); err != nil {
			return err
		}
	}
	return nil
}

type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return e.msg }

// nodeErrLine finds the line of a decode error: its own, the one in the
// YAML library's message, or the node's.
func nodeErrLine(err error, n *yaml.Node) int {
	var le *lineError
	if errors.As(err, &le) {
		return le.line
	}
	if l := yamlLine(err); l > 0 {
		return l
	}
	return n.Line
}

func plainDecodeErr(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n")
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "line ") {
		if i := strings.Index(s, ": "); i >= 0 {
			s = s[i+2:]
		}
	}
	return s
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// LocalLake returns the lake directory of a file:// lake; ok is false for
// an s3:// lake. A path under ./data (the example's default) is taken
// inside dataDir instead, so that --data moves all of a run's state.
func (g Global) LocalLake(dataDir string) (dir string, ok bool) {
	p, ok := strings.CutPrefix(g.Lake, "file://")
	if !ok {
		return "", false
	}
	clean := path.Clean(strings.ReplaceAll(p, "\\", "/"))
	if clean == "data" {
		return dataDir, true
	}
	if rest, under := strings.CutPrefix(clean, "data/"); under {
		return path.Join(dataDir, rest), true
	}
	return p, true
}

// The YAML place helpers, shared with the other loaders.
var (
	mapValue  = yamlnode.MapValue
	valueLine = yamlnode.ValueLine
)

// isHexDigest reports whether h is a SHA-256 digest in hex.
func isHexDigest(h string) bool {
	if len(h) != 64 {
		return false
	}
	for _, c := range h {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
