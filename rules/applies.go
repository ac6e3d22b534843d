package rules

import (
	"fmt"
	"strings"

	"github.com/streamalert/streamalert/schema"
)

// resolveLogs turns log type names and source prefixes into log types.
func (l *Loader) resolveLogs(names []string, bad func(string)) []*schema.LogType {
	var out []*schema.LogType
	seen := map[string]bool{}
	addLT := func(lt *schema.LogType) {
		if !seen[lt.Name] {
			seen[lt.Name] = true
			out = append(out, lt)
		}
	}
	for _, n := range names {
		if lt := l.LogTypes.Get(n); lt != nil {
			addLT(lt)
			continue
		}
		found := false
		if !strings.Contains(n, ":") {
			for _, lt := range l.LogTypes.All() {
				if strings.HasPrefix(lt.Name, n+":") {
					addLT(lt)
					found = true
				}
			}
		}
		if !found {
			bad(fmt.Sprintf("logs: %q is not a known log type or log type prefix", n))
		}
	}
	return out
}

// resolveDatatypes finds the log types that yield every listed normalized
// type; when restrict is set, only among given.
func (l *Loader) resolveDatatypes(types []string, given []*schema.LogType, restrict bool, bad func(string)) []*schema.LogType {
	for _, t := range types {
		if !isNormalizedType(t) {
			bad(fmt.Sprintf("datatypes: %q is not a normalized type (known: %s)", t, strings.Join(schema.NormalizedTypes, ", ")))
			return given
		}
	}
	candidates := l.LogTypes.All()
	if restrict {
		candidates = given
	}
	var out []*schema.LogType
	for _, lt := range candidates {
		have := lt.NormalizedTypes()
		ok := true
		for _, t := range types {
			if !containsString(have, t) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, lt)
		}
	}
	if len(out) == 0 {
		bad(fmt.Sprintf("datatypes: no log type yields %s", strings.Join(types, " and ")))
	}
	return out
}

func isNormalizedType(t string) bool { return containsString(schema.NormalizedTypes, t) }

// normalizedPath reports whether a field path names a normalized type
// ("normalized.ip_address") and which.
func normalizedPath(p []string) (string, bool) {
	if len(p) == 2 && p[0] == "normalized" {
		return p[1], true
	}
	return "", false
}
