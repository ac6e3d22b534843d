package schema

import (
	"fmt"
)

// candidate is a log type made ready for classification.
type candidate struct {
	lt     *LogType
	json   *jsonParser // for json types
	text   Parser      // for the others
	perr   error       // the parser could not be built
	schema *objSchema
	pats   []pattern
	norm   []normRule
	ntypes int        // distinct normalized types
	evt    []int      // field index path of the event time, nil for none
	evts   [][]int    // the paths of EventTimes: the first present gives the event time
	env    bool       // a text parser with envelope keys
	ident  []identKey // identifying keys, see identKeys
}

func (c *Classifier) candidate(lt *LogType) *candidate {
	if cd := c.cands[lt]; cd != nil {
		return cd
	}
	cd := &candidate{lt: lt, schema: compileObjSchema(lt.Fields), norm: compileNormalize(lt)}
	for _, p := range lt.Patterns {
		cd.schema.markKept(p.Path)
	}
	if lt.EventTime != "" {
		cd.schema.markKept(splitPath(lt.EventTime))
	}
	for _, et := range lt.EventTimes {
		cd.schema.markKept(splitPath(et))
	}
	if lt.Parser.Type == "json" {
		cd.json, cd.perr = buildJSONParser(lt.Parser)
	} else {
		p, err := NewParser(lt.Parser, lt.Fields)
		if err == nil && p == nil {
			err = fmt.Errorf("no %s parser is available", lt.Parser.Type)
		}
		cd.text, cd.perr = p, err
		cd.env = len(lt.Parser.EnvelopeKeys) > 0
	}
	for _, p := range lt.Patterns {
		cd.pats = append(cd.pats, compilePattern(p))
	}
	for i, r := range cd.norm {
		if i == 0 || cd.norm[i-1].typ != r.typ {
			cd.ntypes++
		}
	}
	if lt.EventTime != "" {
		cd.evt = fieldIndexPath(lt.Fields, lt.EventTime)
	}
	for _, et := range lt.EventTimes {
		cd.evts = append(cd.evts, fieldIndexPath(lt.Fields, et))
	}
	c.cands[lt] = cd
	return cd
}

// candidates returns the candidates for types, in the order to try them.
func (c *Classifier) candidates(types []*LogType) []*candidate {
	if len(types) == 0 {
		if c.all == nil {
			for _, lt := range c.reg.All() {
				c.all = append(c.all, c.candidate(lt))
			}
		}
		return c.all
	}
	if len(types) == len(c.lastTypes) {
		same := true
		for i := range types {
			if types[i] != c.lastTypes[i] {
				same = false
				break
			}
		}
		if same {
			return c.lastList
		}
	}
	sorted := append([]*LogType(nil), types...)
	sortTypes(sorted)
	list := make([]*candidate, 0, len(sorted))
	for i, lt := range sorted {
		if lt == nil || i > 0 && lt == sorted[i-1] {
			continue
		}
		list = append(list, c.candidate(lt))
	}
	c.lastTypes, c.lastList = append([]*LogType(nil), types...), list
	return list
}

// fieldIndexPath returns the field index path of a dotted field path, or
// nil when a segment is not declared.
func fieldIndexPath(fields []Field, path string) []int {
	var out []int
	for _, name := range splitPath(path) {
		j := FieldIndex(fields, name)
		if j < 0 {
			return nil
		}
		out = append(out, j)
		fields = fields[j].Type.Fields
	}
	return out
}
