package yamlnode

import (
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// MaxExpandedNodes bounds the nodes one YAML document may stand for once
// its aliases are followed. Reading a document into nodes does not expand
// aliases, but every walk of it does (JSON, Resolve, decoding into Go
// values), so a few lines of nested anchors ("billion laughs") can stand
// for billions of nodes. No configuration file comes near this bound.
const MaxExpandedNodes = 1 << 20

// Decoder reads YAML documents into nodes, like yaml.Decoder, and refuses
// a document whose aliases would expand past MaxExpandedNodes. Every
// loader of YAML (config, schemas, rules and their tests, hunts) reads
// through it.
type Decoder struct {
	dec *yaml.Decoder
	max int
}

// NewDecoder returns a Decoder reading r.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{dec: yaml.NewDecoder(r), max: MaxExpandedNodes}
}

// Decode reads the next document into doc. It returns io.EOF at the end;
// an alias bomb is an error "yaml: line N: …" naming the line of the alias
// at which the expansion passes the bound (ErrLine and ErrText read it).
func (d *Decoder) Decode(doc *yaml.Node) error {
	if err := d.dec.Decode(doc); err != nil {
		return err
	}
	return CheckAliases(doc, d.max)
}

// Unmarshal reads one document (the first) of data into doc, bounded
// like Decode. An empty input leaves doc empty.
func Unmarshal(data []byte, doc *yaml.Node) error {
	if err := yaml.Unmarshal(data, doc); err != nil {
		return err
	}
	return CheckAliases(doc, MaxExpandedNodes)
}

// AliasBombError is a document whose aliases expand past the bound.
type AliasBombError struct {
	Line int
	Max  int
}

func (e *AliasBombError) Error() string {
	return fmt.Sprintf("yaml: line %d: aliases expand the document past %d nodes (an alias bomb?)", e.Line, e.Max)
}

// CheckAliases counts the nodes n stands for with aliases followed, each
// node once (so the count takes time linear in the document), and returns
// an *AliasBombError when they pass max.
func CheckAliases(n *yaml.Node, max int) error {
	c := aliasCounter{size: map[*yaml.Node]int{}, max: max}
	if c.count(n, 0) > max {
		return &AliasBombError{Line: c.line, Max: max}
	}
	return nil
}

type aliasCounter struct {
	size map[*yaml.Node]int // expanded size of a node already counted
	max  int
	line int // where the count first passed max
}

// count returns the expanded size of n, at most max+1.
func (c *aliasCounter) count(n *yaml.Node, depth int) int {
	if n == nil {
		return 0
	}
	if s, ok := c.size[n]; ok {
		return s
	}
	if depth > 10000 { // a cycle of aliases (yaml.v3 refuses those) or absurd nesting
		c.line = n.Line
		return c.max + 1
	}
	s := 1
	if n.Kind == yaml.AliasNode {
		s = c.count(n.Alias, depth+1)
	}
	for _, ch := range n.Content {
		s += c.count(ch, depth+1)
		if s > c.max {
			if c.line == 0 {
				c.line = ch.Line
			}
			s = c.max + 1
			break
		}
	}
	if s > c.max && c.line == 0 {
		c.line = n.Line
	}
	c.size[n] = s
	return s
}
