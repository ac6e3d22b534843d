package yamlnode

import "go.yaml.in/yaml/v3"

// WithoutKey returns a copy of mapping m without key.
func WithoutKey(m *yaml.Node, key string) *yaml.Node {
	out := *m
	out.Content = nil
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != key {
			out.Content = append(out.Content, m.Content[i], m.Content[i+1])
		}
	}
	return &out
}

// Merge deep-merges two mappings (as Sigma rule collections do): keys of
// over win, mappings present in both are merged. Neither input changes.
// When either is not a mapping the result is over.
func Merge(base, over *yaml.Node) *yaml.Node {
	if base == nil || base.Kind != yaml.MappingNode || over.Kind != yaml.MappingNode {
		return over
	}
	out := *over
	out.Content = append([]*yaml.Node(nil), over.Content...)
	for i := 0; i+1 < len(base.Content); i += 2 {
		k, v := base.Content[i], base.Content[i+1]
		found := false
		for j := 0; j+1 < len(out.Content); j += 2 {
			if out.Content[j].Value == k.Value {
				found = true
				out.Content[j+1] = Merge(v, out.Content[j+1])
				break
			}
		}
		if !found {
			out.Content = append(out.Content, k, v)
		}
	}
	return &out
}
