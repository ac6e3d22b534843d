package yamlnode

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// maxAliasHops bounds the alias chain Resolve follows.
const maxAliasHops = 100

// Resolve follows aliases (*name) to the node they stand for.
func Resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < maxAliasHops; i++ {
		n = n.Alias
	}
	return n
}

// String reads a single value as text; null is "".
func String(n *yaml.Node) (string, error) {
	n = Resolve(n)
	if n.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("must be a single value")
	}
	if n.Tag == "!!null" {
		return "", nil
	}
	return n.Value, nil
}

// Strings reads a single value or a list of single values as texts; null
// is none.
func Strings(n *yaml.Node) ([]string, error) {
	n = Resolve(n)
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, nil
		}
		return []string{n.Value}, nil
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, e := range n.Content {
			e = Resolve(e)
			if e.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("entries must be single values")
			}
			out = append(out, e.Value)
		}
		return out, nil
	}
	return nil, fmt.Errorf("must be a value or a list of values")
}

// Bool reads true or false (YAML's booleans, not "yes" or "on").
func Bool(n *yaml.Node) (bool, error) {
	var b bool
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&b) != nil {
		return false, fmt.Errorf("%q is not true or false", n.Value)
	}
	return b, nil
}

// Int reads a whole number.
func Int(n *yaml.Node) (int, error) {
	var i int
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&i) != nil {
		return 0, fmt.Errorf("%q is not a whole number", n.Value)
	}
	return i, nil
}
