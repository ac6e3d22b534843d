package config

import (
	"context"
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/streamalert/streamalert/intel"
)

// IntelFile is the name of the threat intel settings file.
const IntelFile = "intel.yaml"

// IOCDir is the config folder whose files are IOC sets.
const IOCDir = "iocs"

// Intel holds intel.yaml: the feeds to download, the allow-list, the
// types of plain IOC lists in iocs/, and the lookup tables.
type Intel struct {
	Feeds []IntelFeed `yaml:"feeds"`
	// ExcludedIOCs are values and networks that never match.
	ExcludedIOCs []string `yaml:"excluded_iocs"`
	// Lists gives the IOC type of plain lists in iocs/ by file name
	// (bad-ips.txt: ip); a list not named has each value's type guessed.
	Lists map[string]string `yaml:"lists"`
	// Lookups names lookup tables: name → a .csv or .json file under the
	// config directory.
	Lookups map[string]string `yaml:"lookups"`

	line         int
	feedLines    []int
	listTypes    map[string]intel.Type
	excludedLine int
	lookupLines  map[string]int
}

// IntelFeed is one feed of intel.yaml.
type IntelFeed struct {
	Name     string   `yaml:"name"`
	URL      string   `yaml:"url"`
	Format   string   `yaml:"format"`   // csv, list, stix, misp; empty: detected
	Type     string   `yaml:"type"`     // the type of a plain list's values
	Interval Duration `yaml:"interval"` // how often serve fetches it (default 1h)
}

// IntelSettings reads and checks intel.yaml; a config without one has no
// feeds, exclusions or lookups.
func (c *Config) IntelSettings() (*Intel, Problems) {
	var ps Problems
	in := &Intel{listTypes: map[string]intel.Type{}, lookupLines: map[string]int{}}
	if c.FS == nil {
		return in, nil
	}
	n := readYAML(c.FS, IntelFile, &ps, false)
	if n == nil {
		return in, ps
	}
	root := n.Content[0]
	if err := decodeStrict(root, in); err != nil {
		ps.add(IntelFile, nodeErrLine(err, root), "%s", plainDecodeErr(err))
		return in, ps
	}
	in.line = root.Line
	in.excludedLine = valueLine(root, "excluded_iocs")
	seen := map[string]bool{}
	if fn := mapValue(root, "feeds"); fn != nil && fn.Kind == yaml.SequenceNode {
		for i, f := range in.Feeds {
			line := fn.Content[i].Line
			in.feedLines = append(in.feedLines, line)
			checkFeed(f, line, seen, &ps)
		}
	}
	if ln := mapValue(root, "lists"); ln != nil {
		for i := 0; i+1 < len(ln.Content); i += 2 {
			name, typ := ln.Content[i].Value, ln.Content[i+1].Value
			t, err := intel.ParseType(typ)
			if err != nil {
				ps.add(IntelFile, ln.Content[i+1].Line, "lists: %s: %v", name, err)
				continue
			}
			in.listTypes[name] = t
		}
	}
	if ln := mapValue(root, "lookups"); ln != nil {
		for i := 0; i+1 < len(ln.Content); i += 2 {
			name, file := ln.Content[i].Value, ln.Content[i+1].Value
			in.lookupLines[name] = ln.Content[i].Line
			if !validName(name) {
				ps.add(IntelFile, ln.Content[i].Line, "lookups: %q is not a valid table name (lower case letters, digits, _ and -)", name)
			}
			if ext := strings.ToLower(path.Ext(file)); ext != ".csv" && ext != ".json" {
				ps.add(IntelFile, ln.Content[i+1].Line, "lookups: %s: %q is not a .csv or .json file", name, file)
			}
		}
	}
	if _, err := intel.ExclusionSet(in.ExcludedIOCs, IntelFile); err != nil {
		ps.add(IntelFile, in.excludedLine, "%v", strings.TrimPrefix(err.Error(), IntelFile+": "))
	}
	return in, ps
}

func checkFeed(f IntelFeed, line int, seen map[string]bool, ps *Problems) {
	switch {
	case !validName(f.Name):
		ps.add(IntelFile, line, "feed %q: a feed needs a name of lower case letters, digits, _ and -", f.Name)
	case seen[f.Name]:
		ps.add(IntelFile, line, "feed %q is defined twice", f.Name)
	}
	seen[f.Name] = true
	u, err := url.Parse(f.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		ps.add(IntelFile, line, "feed %s: url %q must be an http:// or https:// URL", f.Name, f.URL)
	}
	if f.Format != "" {
		if _, err := intel.ParseFormat(f.Format); err != nil {
			ps.add(IntelFile, line, "feed %s: %v", f.Name, err)
		}
	}
	if f.Type != "" {
		if _, err := intel.ParseType(f.Type); err != nil {
			ps.add(IntelFile, line, "feed %s: %v", f.Name, err)
		}
	}
	if f.Interval < 0 {
		ps.add(IntelFile, line, "feed %s: interval must not be negative", f.Name)
	}
}

// IntelFeeds returns the feeds as intel.Feed values (checked by
// IntelSettings; unparsable settings are left zero).
func (in *Intel) IntelFeeds() []intel.Feed {
	var out []intel.Feed
	for _, f := range in.Feeds {
		fd := intel.Feed{Name: f.Name, URL: f.URL, Interval: time.Duration(f.Interval)}
		fd.Format, _ = intel.ParseFormat(f.Format)
		fd.ListType, _ = intel.ParseType(f.Type)
		if f.Format == "" {
			fd.Format = 0
		}
		if f.Type == "" {
			fd.ListType = 0
		}
		out = append(out, fd)
	}
	return out
}

// FeedCacheDir is where fetched feeds are kept under a data directory.
func FeedCacheDir(dataDir string) string { return filepath.Join(dataDir, "intel", "feeds") }

// IntelState is the threat intel a command or serve runs with.
type IntelState struct {
	Settings *Intel
	Store    *intel.Store
	Lookups  *intel.Lookups
	Feeds    []intel.Feed
	Fetcher  *intel.Fetcher

	fileSets map[string]bool // the sets read from iocs/, by name
}

// LoadIntel reads intel.yaml, every IOC file in iocs/ (a set per file,
// named by the file name), the cached body of each feed (from the data
// directory; fetching is `intel fetch`'s and serve's job), the allow-list
// and the lookup tables. Every problem is reported; what loads is usable.
func (c *Config) LoadIntel(dataDir string, now time.Time) (*IntelState, Problems) {
	in, ps := c.IntelSettings()
	st := &IntelState{Settings: in, Store: intel.NewStore(), Lookups: intel.NewLookups(), Feeds: in.IntelFeeds(), fileSets: map[string]bool{}}
	if ex, err := intel.ExclusionSet(in.ExcludedIOCs, IntelFile); err == nil && len(in.ExcludedIOCs) > 0 {
		st.Store.SetExclusions(ex)
	}
	ps = append(ps, st.ReloadFiles(c, now)...)
	if dataDir != "" && len(st.Feeds) > 0 {
		st.Fetcher = &intel.Fetcher{Store: st.Store, CacheDir: FeedCacheDir(dataDir)}
		for _, err := range st.Fetcher.LoadCached(st.Feeds) {
			ps.add(IntelFile, 0, "%v", err)
		}
	}
	return st, ps
}

// ReloadFiles reads the IOC files of iocs/ and the lookup tables again and
// swaps each in: a file that no longer loads keeps its previous set or
// table (and is reported), a file that is gone drops its set. Feeds are
// left alone (their refresh is the Fetcher's). Safe while the state is in
// use: every swap is atomic.
func (st *IntelState) ReloadFiles(c *Config, now time.Time) Problems {
	var ps Problems
	in := st.Settings
	names := map[string]string{}
	for _, f := range st.Feeds {
		names[f.Name] = IntelFile
	}
	seen := map[string]bool{}
	for _, p := range c.Files(IOCDir, ".csv", ".txt", ".list", ".json") {
		base := path.Base(p)
		name := strings.TrimSuffix(base, path.Ext(base))
		if prev, dup := names[name]; dup {
			ps.add(p, 0, "IOC set %q is also defined by %s", name, prev)
			continue
		}
		names[name] = p
		seen[name] = true
		set, err := intel.LoadFile(c.FS, p, p, name, in.listTypes[base], now)
		if err != nil {
			ps.addPlaced(p, err)
			continue
		}
		st.Store.Replace(set)
	}
	for name := range st.fileSets {
		if !seen[name] {
			st.Store.Remove(name)
		}
	}
	st.fileSets = seen
	for base := range in.listTypes {
		if _, ok := names[strings.TrimSuffix(base, path.Ext(base))]; !ok {
			ps.add(IntelFile, in.line, "lists: %s is not a file in %s/", base, IOCDir)
		}
	}
	tables := make([]string, 0, len(in.Lookups))
	for name := range in.Lookups {
		tables = append(tables, name)
	}
	sort.Strings(tables)
	for _, name := range tables {
		file := in.Lookups[name]
		t, err := intel.LoadTable(c.FS, file, file, name, now)
		if err != nil {
			ps.add(IntelFile, in.lookupLines[name], "lookups: %s: %v", name, err)
			continue
		}
		st.Lookups.Replace(t)
	}
	return ps
}

// RefreshFiles calls ReloadFiles every interval until ctx ends, passing
// each round's problems to report. It returns when ctx is done; the caller
// owns the goroutine it runs in.
func (st *IntelState) RefreshFiles(ctx context.Context, c *Config, every time.Duration, report func(Problems)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			report(st.ReloadFiles(c, now))
		}
	}
}

// String describes the state in one line, for logs.
func (s *IntelState) String() string {
	n := 0
	for _, set := range s.Store.Sets() {
		n += set.Total()
	}
	return fmt.Sprintf("%d IOC sets (%d IOCs), %d feeds, %d lookup tables", len(s.Store.Sets()), n, len(s.Feeds), len(s.Lookups.Names()))
}

// addPlaced records an error that may start with "file:line: " or "file: ".
func (ps *Problems) addPlaced(file string, err error) {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, file+":"); ok {
		if i := strings.Index(rest, ": "); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				ps.add(file, n, "%s", rest[i+2:])
				return
			}
		}
		msg = strings.TrimPrefix(rest, " ")
	}
	ps.add(file, 0, "%s", msg)
}

// CheckIntel is the Check of threat intel for Validate: intel.yaml, every
// file of iocs/, the lookup tables, and that every lookup table a rule
// names (|lookup) is configured. Feeds are not fetched.
func CheckIntel(c *Config) Problems {
	st, ps := c.LoadIntel("", time.Now())
	r, _ := resolve(c, Parts{Rules: true})
	if r.Rules != nil {
		for _, name := range r.Rules.LookupTables() {
			if st.Lookups.Table(name) == nil {
				if _, configured := st.Settings.Lookups[name]; !configured {
					ps.add(IntelFile, st.Settings.line, "lookup table %q is named by a rule (|lookup) but not configured (lookups: {%s: FILE})", name, name)
				}
			}
		}
	}
	return ps
}
