package rules

import (
	"sort"

	"github.com/streamalert/streamalert/intel"
)

// The ioc modifier: `sourceIPAddress|ioc: ip` holds when the field's value,
// normalized as an IOC of that type (intel.Normalize), is in an active IOC
// set and not in the allow-list; `|ioc: [ip, domain]` tries each type. The
// leaf is an OpIOC whose Values are the canonical type names. Without
// IOC sets (Matcher.UseIntel) it never holds.
func init() {
	modifiers["ioc"] = modifier{kind: modCustom, build: compileIOC}
	modifiers["lookup"] = modifier{kind: modCustom, build: compileLookup}
}

func compileIOC(it Item) (Expr, error) {
	l := &Leaf{Field: it.Field, Path: splitPath(it.Field), Op: OpIOC, Cased: true, Line: it.Line}
	for _, v := range it.Values {
		if v.Null || v.Num || v.Bool {
			return nil, itemErrf(v.Line, "%s: want an IOC type (%s), not %q", itemName(it), iocTypeNames(), v.Text)
		}
		t, err := intel.ParseType(v.Text)
		if err != nil {
			return nil, itemErrf(v.Line, "%s: %v", itemName(it), err)
		}
		if !containsString(l.Values, t.String()) {
			l.Values = append(l.Values, t.String())
		}
	}
	return l, nil
}

func iocTypeNames() string {
	var s string
	for i, t := range intel.Types {
		if i > 0 {
			s += ", "
		}
		s += t.String()
	}
	return s
}

// IOCTypes returns the IOC types of an OpIOC leaf.
func (l *Leaf) IOCTypes() []intel.Type {
	out := make([]intel.Type, 0, len(l.Values))
	for _, v := range l.Values {
		if t, err := intel.ParseType(v); err == nil {
			out = append(out, t)
		}
	}
	return out
}

// The lookup modifier: `userName|lookup: vip_users` holds when the field's
// value is a key of the named lookup table, compared case-insensitively
// (both lowered as Leaf documents). The leaf is an OpLookup whose Values
// are table names. Without lookup tables (Matcher.UseIntel) it never
// holds.
func compileLookup(it Item) (Expr, error) {
	l := &Leaf{Field: it.Field, Path: splitPath(it.Field), Op: OpLookup, Line: it.Line}
	for _, v := range it.Values {
		if v.Null || v.Text == "" || !validTableName(v.Text) {
			return nil, itemErrf(v.Line, "%s: want a lookup table name (lower case letters, digits, _ and -), not %q", itemName(it), v.Text)
		}
		if !containsString(l.Values, v.Text) {
			l.Values = append(l.Values, v.Text)
		}
	}
	return l, nil
}

func validTableName(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return s != ""
}

// LookupTables returns the lookup tables the enabled rules of s name,
// sorted, so that a config can check that each exists.
func (s *Set) LookupTables() []string {
	var out []string
	for _, r := range s.Rules() {
		if r.Expr == nil {
			continue
		}
		for _, l := range Leaves(r.Expr) {
			if l.Op != OpLookup {
				continue
			}
			for _, v := range l.Values {
				if !containsString(out, v) {
					out = append(out, v)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}
