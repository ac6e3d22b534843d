package schema

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

//go:embed logtypes/*.yaml
var builtinFS embed.FS

// Registry is a fixed set of log types, looked up by name and listed in
// the order classification tries them.
type Registry struct {
	types      []*LogType // by priority, then name
	byName     map[string]*LogType
	overridden []string
}

// NewRegistry builds a registry of types; two types of the same name are
// an error.
func NewRegistry(types []*LogType) (*Registry, error) {
	r := &Registry{byName: make(map[string]*LogType, len(types))}
	for _, t := range types {
		if prev, ok := r.byName[t.Name]; ok {
			return nil, fmt.Errorf("log type %s defined twice: %s:%d and %s:%d", t.Name, prev.File, prev.Line, t.File, t.Line)
		}
		r.byName[t.Name] = t
		r.types = append(r.types, t)
	}
	sortTypes(r.types)
	return r, nil
}

func sortTypes(ts []*LogType) {
	sort.Slice(ts, func(i, j int) bool {
		if ts[i].Priority != ts[j].Priority {
			return ts[i].Priority < ts[j].Priority
		}
		return ts[i].Name < ts[j].Name
	})
}

var builtin struct {
	once  sync.Once
	types []*LogType
	errs  []error
	reg   *Registry
}

// loadBuiltin parses the embedded definitions once.
func loadBuiltin() ([]*LogType, []error) {
	builtin.once.Do(func() {
		names, err := fs.Glob(builtinFS, "logtypes/*.yaml")
		if err != nil {
			builtin.errs = append(builtin.errs, err)
			return
		}
		sort.Strings(names)
		seen := map[string]*LogType{}
		for _, n := range names {
			data, err := builtinFS.ReadFile(n)
			if err != nil {
				builtin.errs = append(builtin.errs, err)
				continue
			}
			types, errs := ParseDefinitions("builtin:"+strings.TrimPrefix(n, "logtypes/"), data)
			builtin.errs = append(builtin.errs, errs...)
			for _, t := range types {
				if prev, ok := seen[t.Name]; ok {
					builtin.errs = append(builtin.errs, &DefinitionError{File: t.File, Line: t.Line,
						Msg: fmt.Sprintf("log type %s already defined at %s:%d", t.Name, prev.File, prev.Line)})
					continue
				}
				if err := checkParser(t); err != nil {
					builtin.errs = append(builtin.errs, err)
					continue
				}
				seen[t.Name] = t
				builtin.types = append(builtin.types, t)
			}
		}
		sortTypes(builtin.types)
		builtin.reg, _ = NewRegistry(builtin.types) // names are unique by construction
	})
	return builtin.types, builtin.errs
}

// checkParser builds the type's parser once, so that options only the
// parser can judge fail at load time with the definition's place.
func checkParser(t *LogType) error {
	if _, err := NewParser(t.Parser, t.Fields); err != nil {
		return &DefinitionError{File: t.File, Line: t.Line, Msg: fmt.Sprintf("%s: parser: %v", t.Name, err)}
	}
	return nil
}

// Builtin returns the registry of the built-in log types embedded from
// schema/logtypes. The definitions are parsed once; a broken built-in
// definition is a bug in this package and panics (a test guards against it).
func Builtin() *Registry {
	if _, errs := loadBuiltin(); len(errs) > 0 {
		panic(fmt.Sprintf("schema: broken built-in log type definitions: %v", errors.Join(errs...)))
	}
	return builtin.reg
}

// LoadRegistry returns the built-in log types merged with the user's
// definitions: every *.yaml and *.yml file under userDir, recursively, in
// path order. "" or a directory that does not exist means built-ins only.
// A user type may replace a built-in type of the same name (see
// Overridden); two user types of one name are an error. Every problem is
// returned with its file:line, and the registry holds all the types that
// loaded cleanly, so a caller can report all problems at once.
func LoadRegistry(userDir string) (*Registry, []error) {
	btypes, errs := loadBuiltin()
	errs = append([]error(nil), errs...)
	byName := make(map[string]*LogType, len(btypes))
	for _, t := range btypes {
		byName[t.Name] = t
	}
	var overridden []string
	if userDir != "" {
		files, err := definitionFiles(userDir)
		if err != nil {
			errs = append(errs, err)
		}
		user := map[string]*LogType{}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				errs = append(errs, fmt.Errorf("read log type definitions: %w", err))
				continue
			}
			types, terrs := ParseDefinitions(f, data)
			errs = append(errs, terrs...)
			for _, t := range types {
				if prev, ok := user[t.Name]; ok {
					errs = append(errs, &DefinitionError{File: t.File, Line: t.Line,
						Msg: fmt.Sprintf("log type %s already defined at %s:%d", t.Name, prev.File, prev.Line)})
					continue
				}
				if err := checkParser(t); err != nil {
					errs = append(errs, err)
					continue
				}
				user[t.Name] = t
				if _, ok := byName[t.Name]; ok {
					overridden = append(overridden, t.Name)
				}
				byName[t.Name] = t
			}
		}
	}
	types := make([]*LogType, 0, len(byName))
	for _, t := range byName {
		types = append(types, t)
	}
	r, _ := NewRegistry(types) // names are unique: they come from a map
	sort.Strings(overridden)
	r.overridden = overridden
	return r, errs
}

// definitionFiles lists the definition files under dir in path order.
func definitionFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir && errors.Is(err, fs.ErrNotExist) {
				return filepath.SkipAll
			}
			return err
		}
		if !d.IsDir() {
			if ext := strings.ToLower(filepath.Ext(p)); ext == ".yaml" || ext == ".yml" {
				files = append(files, p)
			}
		}
		return nil
	})
	if err != nil {
		return files, fmt.Errorf("list log type definitions in %s: %w", dir, err)
	}
	sort.Strings(files)
	return files, nil
}

// Get returns the log type of that name, or nil.
func (r *Registry) Get(name string) *LogType { return r.byName[name] }

// All lists the log types by priority, then name.
func (r *Registry) All() []*LogType { return append([]*LogType(nil), r.types...) }

// Overridden lists the built-in log types that user definitions replaced.
func (r *Registry) Overridden() []string { return append([]string(nil), r.overridden...) }

// Select returns the log types named by patterns, by priority then name,
// each once. A pattern is a full name ("cloudtrail:events") or a source
// ("cloudtrail" or "cloudtrail:*": every cloudtrail:… type). No patterns
// selects all types. A pattern that matches nothing is an error.
func (r *Registry) Select(patterns []string) ([]*LogType, error) {
	if len(patterns) == 0 {
		return r.All(), nil
	}
	chosen := map[*LogType]bool{}
	var bad []string
	for _, p := range patterns {
		p = strings.TrimSpace(p)
		n := 0
		if t := r.byName[p]; t != nil {
			chosen[t] = true
			n++
		} else if src := strings.TrimSuffix(p, ":*"); src != "" && !strings.Contains(src, ":") {
			for _, t := range r.types {
				if s, _, _ := strings.Cut(t.Name, ":"); s == src {
					chosen[t] = true
					n++
				}
			}
		}
		if n == 0 {
			bad = append(bad, fmt.Sprintf("%q", p))
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("no log type matches %s (want a name like cloudtrail:events or a source like cloudtrail)", strings.Join(bad, ", "))
	}
	out := make([]*LogType, 0, len(chosen))
	for _, t := range r.types {
		if chosen[t] {
			out = append(out, t)
		}
	}
	return out, nil
}
