package rules

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/streamalert/streamalert/schema"
)

// LogTypes is what the loader needs of a log type registry; a
// *schema.Registry provides it.
type LogTypes interface {
	Get(name string) *schema.LogType
	All() []*schema.LogType
}

// Loader loads rule files against a set of log types.
type Loader struct {
	LogTypes LogTypes
	// LogSources maps Sigma logsources to log types; nil means
	// DefaultLogSources.
	LogSources []LogSourceMapping
}

// LoadDir loads every rule file (*.yaml, *.yml) under dir. Files under a
// directory named sigma are Sigma rules; a tests directory at the top
// (test-event files) and hidden files are skipped.
func LoadDir(dir string, reg LogTypes) (*Set, []error) {
	return (&Loader{LogTypes: reg}).LoadDir(dir)
}

// LoadFS loads every rule file under the root of fsys, like LoadDir;
// display is the name used for the root in file names of rules and errors.
func LoadFS(fsys fs.FS, display string, reg LogTypes) (*Set, []error) {
	return (&Loader{LogTypes: reg}).LoadFS(fsys, display)
}

// LoadFiles loads the named rule files. A file is a Sigma rule when a
// directory of its path is named sigma, or when it has no name key.
func LoadFiles(files []string, reg LogTypes) (*Set, []error) {
	return (&Loader{LogTypes: reg}).LoadFiles(files)
}

// LoadDir is the package's LoadDir with l's settings.
func (l *Loader) LoadDir(dir string) (*Set, []error) {
	st, err := os.Stat(dir)
	if err != nil {
		return &Set{byName: map[string]*Rule{}}, []error{fmt.Errorf("load rules: %w", err)}
	}
	if !st.IsDir() {
		return &Set{byName: map[string]*Rule{}}, []error{fmt.Errorf("load rules: %s is not a directory", dir)}
	}
	return l.LoadFS(os.DirFS(dir), dir)
}

// LoadFS is the package's LoadFS with l's settings.
func (l *Loader) LoadFS(fsys fs.FS, display string) (*Set, []error) {
	var rules []*Rule
	var errs []error
	walkErr := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, fmt.Errorf("load rules: %w", err))
			return nil
		}
		base := d.Name()
		if p != "." && strings.HasPrefix(base, ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p == "tests" {
				return fs.SkipDir
			}
			return nil
		}
		if !isRuleFile(base) {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			errs = append(errs, fmt.Errorf("load rules: %w", err))
			return nil
		}
		rs, es := l.LoadBytes(joinDisplay(display, p), data, inSigmaDir(p))
		rules = append(rules, rs...)
		errs = append(errs, es...)
		return nil
	})
	if walkErr != nil {
		errs = append(errs, fmt.Errorf("load rules: %w", walkErr))
	}
	set, dup := NewSet(rules...)
	return set, append(errs, dup...)
}

// LoadFiles is the package's LoadFiles with l's settings.
func (l *Loader) LoadFiles(files []string) (*Set, []error) {
	var rules []*Rule
	var errs []error
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, fmt.Errorf("load rule: %w", err))
			continue
		}
		rs, es := l.LoadBytes(f, data, inSigmaDir(filepath.ToSlash(f)))
		rules = append(rules, rs...)
		errs = append(errs, es...)
	}
	set, dup := NewSet(rules...)
	return set, append(errs, dup...)
}

func isRuleFile(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

func inSigmaDir(p string) bool {
	parts := strings.Split(path.Dir(p), "/")
	for _, s := range parts {
		if s == "sigma" {
			return true
		}
	}
	return false
}

func joinDisplay(display, p string) string {
	if display == "" || display == "." {
		return p
	}
	return path.Join(filepath.ToSlash(display), p)
}
