package queries

import (
	"fmt"
	"strings"

	"github.com/streamalert/streamalert/intel"
	"github.com/streamalert/streamalert/rules"
)

// fnIOCKeys is the DuckDB function that turns a record value into the keys
// it is looked up under in the iocs table: intel.Keys, the streaming
// matcher's own normalization.
const fnIOCKeys = "sa_ioc_keys"

func init() {
	Functions = append(Functions, Function{
		Name: fnIOCKeys, Args: []string{"VARCHAR", "VARCHAR"}, Result: "VARCHAR",
		Doc: "sa_ioc_keys(type, text): the keys of text as an IOC of type (intel.Keys: an ip's range key, a domain and its parents, …) joined by newlines; NULL when text is not of the type",
		Eval: func(args []any) (any, error) {
			typ, ok1 := args[0].(string)
			text, ok2 := args[1].(string)
			if !ok1 || !ok2 {
				return nil, fmt.Errorf("%s: want two strings, got %T and %T", fnIOCKeys, args[0], args[1])
			}
			t, err := intel.ParseType(typ)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", fnIOCKeys, err)
			}
			keys := intel.Keys(t, text)
			if len(keys) == 0 {
				return nil, nil
			}
			return strings.Join(keys, "\n"), nil
		},
	})
}

// intelSQL writes the SQL of threat intel tests in a dialect. db
// qualifies table names as Options.Database does.
type intelSQL struct {
	d  Dialect
	db string
}

func (q intelSQL) table(name string) string {
	if q.db != "" {
		return ident(q.db) + "." + ident(name)
	}
	return ident(name)
}

// live restricts rows of a snapshot table aliased a to the latest
// snapshot (and, for iocs, to entries not expired).
func (q intelSQL) live(alias, table string, expiry bool) string {
	s := alias + ".snapshot = (SELECT max(snapshot) FROM " + q.table(table) + ")"
	if expiry {
		s += " AND (" + alias + ".expires IS NULL OR " + alias + ".expires > current_timestamp)"
	}
	return s
}

// key is the single lookup key of text x for IOC types other than domain.
func (q intelSQL) key(t intel.Type, x string) string {
	if q.d == DuckDB {
		return fnIOCKeys + "(" + quote(t.String()) + ", " + x + ")"
	}
	switch t {
	case intel.IP:
		h := "to_hex(CAST(TRY_CAST(trim(" + x + ") AS IPADDRESS) AS VARBINARY))"
		return "CASE WHEN substr(" + h + ", 1, 24) = '00000000000000000000FFFF' THEN '4:' || substr(" + h + ", 25) ELSE '6:' || " + h + " END"
	case intel.URL:
		head := "regexp_extract(trim(" + x + "), '^([^:/?#]+://)?[^/?#]*')"
		return "lower(" + head + ") || substr(trim(" + x + "), length(" + head + ") + 1)"
	case intel.Email:
		return "regexp_replace(regexp_replace(lower(trim(" + x + ")), '^mailto:', ''), '\\.+$', '')"
	}
	return "lower(trim(" + x + "))" // hashes
}

// domainKeys is the list of a domain and its parent domains.
func (q intelSQL) domainKeys(x string) string {
	if q.d == DuckDB {
		return "string_split(" + q.key(intel.Domain, x) + ", chr(10))"
	}
	d := "regexp_replace(regexp_replace(lower(trim(" + x + ")), '\\.+$', ''), '^\\*\\.', '')"
	labels := "split(" + d + ", '.')"
	return "transform(sequence(1, cardinality(" + labels + ")), k -> array_join(slice(" + labels + ", k, cardinality(" + labels + ") - k + 1), '.'))"
}

// inSet is a test that x, as an IOC of type t, is in the rows of iocs
// with excluded = excl: a range test for ip, a membership test of any of
// the keys for domain, and a semi-join on the key otherwise.
func (q intelSQL) inSet(t intel.Type, x string, excl bool) string {
	base := "i.type = " + quote(t.String()) + " AND i.excluded = " + strings.ToUpper(fmt.Sprint(excl)) + " AND " + q.live("i", intel.IOCTableName, true)
	from := " FROM " + q.table(intel.IOCTableName) + " AS i WHERE "
	switch t {
	case intel.IP:
		return "EXISTS (SELECT 1" + from + base + " AND " + q.key(t, x) + " BETWEEN i.lo AND i.hi)"
	case intel.Domain:
		has := "list_contains("
		if q.d == Athena {
			has = "contains("
		}
		return "EXISTS (SELECT 1" + from + base + " AND " + has + q.domainKeys(x) + ", i.key))"
	}
	return q.key(t, x) + " IN (SELECT i.key" + from + base + ")"
}

// ioc is the test of an |ioc leaf on text x: for one of the leaf's types,
// x is in a set and not in the allow-list.
func (q intelSQL) ioc(types []intel.Type, x string) string {
	var parts []string
	for _, t := range types {
		parts = append(parts, "("+q.inSet(t, x, false)+" AND NOT ("+q.inSet(t, x, true)+"))")
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// lookup is the test of a |lookup leaf on text x: its lowered text is a
// lowered key of one of the tables.
func (q intelSQL) lookup(tables []string, x string) string {
	var parts []string
	for _, name := range tables {
		tab := intel.LookupTable(name).Table()
		parts = append(parts, q.d.lower(x)+" IN (SELECT k.key_lower FROM "+q.table(tab)+" AS k WHERE "+q.live("k", tab, false)+")")
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// intelLeaf writes an OpIOC or OpLookup leaf. Its tests are subqueries,
// which neither engine allows inside a lambda, so a list of values is
// unnested in a subquery of its own: the leaf holds when any element
// passes.
func (c *typeCompiler) intelLeaf(l *rules.Leaf, s source) string {
	q := intelSQL{d: c.d, db: c.opts.Database}
	test := func(x string) string {
		if l.Op == rules.OpIOC {
			return q.ioc(l.IOCTypes(), x)
		}
		return q.lookup(l.Values, x)
	}
	if !s.list {
		return test(c.text(s.expr, s.elem))
	}
	v := c.newVar()
	texts := c.d.transform(s.expr, v, c.text(v, s.elem))
	if c.d == DuckDB {
		return "EXISTS (SELECT 1 FROM (SELECT unnest(" + texts + ") AS x) AS u WHERE " + test("u.x") + ")"
	}
	return "EXISTS (SELECT 1 FROM UNNEST(" + texts + ") AS u(x) WHERE " + test("u.x") + ")"
}
