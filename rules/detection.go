package rules

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/streamalert/streamalert/internal/yamlnode"
)

// parseDetection reads the detection map into selections, the condition
// and the normalized expression.
func parseDetection(n *yaml.Node, fieldMap map[string]string) (*Detection, Expr, []error) {
	if n.Kind != yaml.MappingNode {
		return nil, nil, []error{itemErrf(n.Line, "must be a map of selections and a condition")}
	}
	d := &Detection{}
	var errs []error
	sels := map[string]Expr{}
	var names []string
	var condNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "condition":
			condNode = v
			continue
		case "timeframe":
			errs = append(errs, itemErrf(k.Line, "timeframe (Sigma v1 aggregation) is not supported; use a correlation rule"))
			continue
		}
		if _, dup := sels[k.Value]; dup {
			errs = append(errs, itemErrf(k.Line, "selection %q is defined twice", k.Value))
			continue
		}
		sel, err := parseSelection(k.Value, v, fieldMap)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		sel.Line = k.Line
		d.Selections = append(d.Selections, sel)
		sels[k.Value] = sel.Expr
		names = append(names, k.Value)
	}
	if condNode == nil {
		errs = append(errs, itemErrf(n.Line, "no condition"))
		return d, nil, errs
	}
	switch condNode.Kind {
	case yaml.ScalarNode:
		d.Conditions = []string{condNode.Value}
	case yaml.SequenceNode:
		for _, c := range condNode.Content {
			if c.Kind != yaml.ScalarNode {
				errs = append(errs, itemErrf(c.Line, "condition: each entry must be a string"))
				continue
			}
			d.Conditions = append(d.Conditions, c.Value)
		}
	default:
		errs = append(errs, itemErrf(condNode.Line, "condition must be a string or a list of strings"))
	}
	if len(d.Conditions) == 0 {
		errs = append(errs, itemErrf(condNode.Line, "condition is empty"))
	}
	if len(errs) > 0 {
		return d, nil, errs
	}
	var conds CondOr
	var exprs []Expr
	for _, s := range d.Conditions {
		c, err := ParseCondition(s)
		if err != nil {
			errs = append(errs, itemErrf(condNode.Line, "%v", err))
			continue
		}
		conds = append(conds, c)
		x, err := expandCondition(c, sels, names)
		if err != nil {
			errs = append(errs, itemErrf(condNode.Line, "%v", err))
			continue
		}
		exprs = append(exprs, x)
	}
	if len(errs) > 0 {
		return d, nil, errs
	}
	if len(conds) == 1 {
		d.Condition = conds[0]
	} else {
		d.Condition = conds
	}
	return d, newOr(exprs...), nil
}

// parseSelection reads one selection: a map (AND of items), a list of maps
// (OR), or keywords (a string or a list of strings).
func parseSelection(name string, v *yaml.Node, fieldMap map[string]string) (Selection, error) {
	sel := Selection{Name: name, Line: v.Line}
	v = yamlnode.Resolve(v)
	var groups []*yaml.Node
	var keywords []*yaml.Node
	switch v.Kind {
	case yaml.MappingNode:
		groups = []*yaml.Node{v}
	case yaml.SequenceNode:
		if len(v.Content) == 0 {
			return sel, itemErrf(v.Line, "selection %s is an empty list", name)
		}
		for _, e := range v.Content {
			e = yamlnode.Resolve(e)
			switch e.Kind {
			case yaml.MappingNode:
				groups = append(groups, e)
			case yaml.ScalarNode:
				keywords = append(keywords, e)
			default:
				return sel, itemErrf(e.Line, "selection %s: list entries must be maps or keyword strings", name)
			}
		}
	case yaml.ScalarNode:
		if v.Tag == "!!null" {
			return sel, itemErrf(v.Line, "selection %s is empty", name)
		}
		keywords = []*yaml.Node{v}
	default:
		return sel, itemErrf(v.Line, "selection %s must be a map, a list of maps or keywords", name)
	}
	var alts []Expr
	for _, g := range groups {
		if len(g.Content) == 0 {
			return sel, itemErrf(g.Line, "selection %s has an empty map", name)
		}
		var items []Item
		var ands []Expr
		for i := 0; i+1 < len(g.Content); i += 2 {
			k, val := g.Content[i], yamlnode.Resolve(g.Content[i+1])
			it := Item{Line: k.Line}
			parts := strings.Split(k.Value, "|")
			it.Field, it.Modifiers = parts[0], parts[1:]
			if mapped, ok := fieldMap[it.Field]; ok {
				it.Field = mapped
			}
			for _, p := range splitPath(it.Field) {
				if p == "" {
					return sel, itemErrf(k.Line, "selection %s: field %q has an empty path segment", name, it.Field)
				}
			}
			vals, err := itemValues(val, it)
			if err != nil {
				return sel, err
			}
			it.Values = vals
			if containsString(it.Modifiers, "fieldref") {
				for i := range it.Values {
					if mapped, ok := fieldMap[it.Values[i].Text]; ok {
						it.Values[i].Text = mapped
					}
				}
			}
			x, err := compileItem(it)
			if err != nil {
				return sel, err
			}
			items = append(items, it)
			ands = append(ands, x)
		}
		sel.Groups = append(sel.Groups, items)
		alts = append(alts, newAnd(ands...))
	}
	if len(keywords) > 0 {
		it := Item{Line: keywords[0].Line}
		for _, k := range keywords {
			rv, err := scalarValue(k)
			if err != nil {
				return sel, err
			}
			if rv.Null {
				return sel, itemErrf(k.Line, "selection %s: a keyword cannot be null", name)
			}
			it.Values = append(it.Values, rv)
			sel.Groups = append(sel.Groups, []Item{{Line: k.Line, Values: []ItemValue{rv}}})
		}
		x, err := compileItem(it)
		if err != nil {
			return sel, err
		}
		alts = append(alts, x)
	}
	sel.Expr = mergeOr(alts)
	return sel, nil
}

// itemValues reads the value(s) of one item: a scalar or a list of scalars.
// An empty list means null.
func itemValues(v *yaml.Node, it Item) ([]ItemValue, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		rv, err := scalarValue(v)
		if err != nil {
			return nil, err
		}
		return []ItemValue{rv}, nil
	case yaml.SequenceNode:
		if len(v.Content) == 0 {
			return []ItemValue{{Null: true, Line: v.Line}}, nil
		}
		var out []ItemValue
		for _, e := range v.Content {
			e = yamlnode.Resolve(e)
			if e.Kind != yaml.ScalarNode {
				return nil, itemErrf(e.Line, "%s: list entries must be single values", itemName(it))
			}
			rv, err := scalarValue(e)
			if err != nil {
				return nil, err
			}
			out = append(out, rv)
		}
		return out, nil
	}
	return nil, itemErrf(v.Line, "%s: the value must be a single value or a list of values, not a map", itemName(it))
}

// scalarValue reads a YAML scalar as a detection value.
func scalarValue(n *yaml.Node) (ItemValue, error) {
	rv := ItemValue{Text: n.Value, Line: n.Line}
	switch n.Tag {
	case "!!null":
		rv.Null, rv.Text = true, ""
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return rv, itemErrf(n.Line, "%q is not a boolean", n.Value)
		}
		rv.Bool, rv.Text = true, strconv.FormatBool(b)
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			rv.Text = strconv.FormatInt(i, 10)
		}
		rv.Num = true
	case "!!float":
		var f float64
		if err := n.Decode(&f); err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
			return rv, itemErrf(n.Line, "%q is not a finite number", n.Value)
		}
		rv.Num = true
	}
	return rv, nil
}

func errMsg(err error) string {
	var ie *itemError
	if errors.As(err, &ie) {
		return ie.msg
	}
	return err.Error()
}
