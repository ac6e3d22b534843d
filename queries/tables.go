package queries

import (
	"regexp"
	"sort"
	"strings"
)

var (
	stringLiteral = regexp.MustCompile(`'(?:[^']|'')*'`)
	identPart     = regexp.MustCompile(`"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*`)
	tableRef      = regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+((?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)(?:\s*\.\s*(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*))?)(\s*\()?`)
)

// TableRefs returns the names after each FROM and JOIN of a statement, in
// order and repeated, unquoted and lower-cased, without a database
// qualifier; table functions (a name followed by "(") are left out. Common
// table expressions are named too: callers keep the names they know as
// tables.
func TableRefs(sql string) []string {
	sql = stringLiteral.ReplaceAllString(sql, "''")
	var out []string
	for _, m := range tableRef.FindAllStringSubmatch(sql, -1) {
		if m[2] != "" {
			continue
		}
		parts := identPart.FindAllString(m[1], -1)
		name := parts[len(parts)-1] // the table, after any database
		if len(name) >= 2 && strings.HasPrefix(name, `"`) && strings.HasSuffix(name, `"`) {
			// One quote off each end (Trim would also eat an escaped
			// quote at the edge: """" is the table named ").
			name = strings.ReplaceAll(name[1:len(name)-1], `""`, `"`)
		}
		out = append(out, strings.ToLower(name))
	}
	return out
}

// Tables returns the distinct TableRefs that known accepts, sorted.
func Tables(sql string, known func(table string) bool) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range TableRefs(sql) {
		if known(t) && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out
}
