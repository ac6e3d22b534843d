package rules

import (
	"github.com/streamalert/streamalert/intel"
)

// intelRefs is what the |ioc and |lookup tests of a Matcher consult.
type intelRefs struct {
	iocs    *intel.Store
	lookups *intel.Lookups
}

// UseIntel makes the |ioc tests of m consult iocs and its |lookup tests
// consult lookups. Both swap their contents atomically, so m follows
// feed refreshes without being rebuilt. Call it before m is used; nil
// (the default) means the tests never hold.
func (m *Matcher) UseIntel(iocs *intel.Store, lookups *intel.Lookups) {
	m.intel = intelRefs{iocs: iocs, lookups: lookups}
}

// LookupHit is the table entry a |lookup test found.
type LookupHit struct {
	Table, Key, Value string
}

// intelHit tests value i of an OpIOC or OpLookup leaf and, when f is not
// nil, records what it found.
func (n *leafNode) intelHit(s *state, d *slotData, i int, f *MatchedField) bool {
	l := n.leaf
	refs := s.intel
	if refs == nil {
		return false
	}
	switch l.Op {
	case OpIOC:
		if refs.iocs == nil {
			return false
		}
		for _, t := range n.iocTypes {
			if h, ok := refs.iocs.Match(t, d.vals[i].text); ok {
				if f != nil {
					f.IOC = h
				}
				return true
			}
		}
	case OpLookup:
		if refs.lookups == nil {
			return false
		}
		key := d.lowerAt(s, i)
		for _, name := range l.Values {
			if t := refs.lookups.Table(name); t != nil {
				if v, ok := t.GetLower(key); ok {
					if f != nil {
						f.Lookup = LookupHit{Table: name, Key: d.vals[i].text, Value: v}
					}
					return true
				}
			}
		}
	}
	return false
}

// addIntelValues adds what an |ioc or |lookup test found to an alert's
// matched values: "ioc" (a list of {field, value, ioc, type, set, source})
// and "lookup" (a list of {field, table, key, value}).
func addIntelValues(out map[string]any, f MatchedField) {
	if f.IOC.Type != 0 {
		list, _ := out["ioc"].([]map[string]any)
		out["ioc"] = append(list, map[string]any{
			"field": f.Field, "value": f.Value, "ioc": f.IOC.IOC, "type": f.IOC.Type.String(),
			"set": f.IOC.Set, "source": f.IOC.Source,
		})
	}
	if f.Lookup.Table != "" {
		list, _ := out["lookup"].([]map[string]any)
		out["lookup"] = append(list, map[string]any{
			"field": f.Field, "table": f.Lookup.Table, "key": f.Lookup.Key, "value": f.Lookup.Value,
		})
	}
}

// String renders f as {field value}, with what an |ioc or |lookup test
// found after it.
func (f MatchedField) String() string {
	s := "{" + f.Field + " " + f.Value
	if f.IOC.Type != 0 {
		s += " ioc " + f.IOC.Type.String() + " " + f.IOC.IOC + " in " + f.IOC.Set
	}
	if f.Lookup.Table != "" {
		s += " lookup " + f.Lookup.Table + "=" + f.Lookup.Value
	}
	return s + "}"
}
