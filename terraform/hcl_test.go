// Package terraform holds the HCL of the aws deployment (the root module
// here, its modules under modules/) and the tests that check it offline:
// no provider, no AWS, only github.com/hashicorp/hcl/v2 and
// terraform-config-inspect reading the files.
package terraform

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/terraform-config-inspect/tfconfig"
	"github.com/zclconf/go-cty/cty"
)

// module is one Terraform module as the tests see it: what
// terraform-config-inspect reads, and every file's syntax tree.
type module struct {
	dir     string
	name    string // "root" or the folder under modules/
	inspect *tfconfig.Module
	files   []*hclFile
}

type hclFile struct {
	path string
	src  []byte
	body *hclsyntax.Body
}

// block is a resource, data source, module call, variable … of a file.
type block struct {
	*hclsyntax.Block
	file *hclFile
}

func (b block) where() string {
	return b.file.path + ":" + strconv.Itoa(b.DefRange().Start.Line)
}

func (b block) id() string { return strings.Join(b.Labels, ".") }

// loadModules reads the root module and every module under modules/.
func loadModules(t *testing.T) []*module {
	t.Helper()
	dirs := []string{"."}
	entries, err := os.ReadDir("modules")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join("modules", e.Name()))
		}
	}
	var out []*module
	for _, d := range dirs {
		out = append(out, loadModule(t, d))
	}
	return out
}

func loadModule(t *testing.T, dir string) *module {
	t.Helper()
	m := &module{dir: dir, name: filepath.Base(dir)}
	if dir == "." {
		m.name = "root"
	}
	insp, diags := tfconfig.LoadModule(dir)
	if diags.HasErrors() {
		t.Fatalf("%s: %v", dir, diags.Err())
	}
	m.inspect = insp
	paths, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	sort.Strings(paths)
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		m.files = append(m.files, parseHCL(t, p, src))
	}
	return m
}

func parseHCL(t *testing.T, path string, src []byte) *hclFile {
	t.Helper()
	f, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("%s", diags.Error())
	}
	return &hclFile{path: path, src: src, body: f.Body.(*hclsyntax.Body)}
}

// blocks returns the top-level blocks of a type ("resource", "data",
// "module", …) and, for resource and data, of a resource type.
func (m *module) blocks(kind, resourceType string) []block {
	return fileBlocks(m.files, kind, resourceType)
}

func fileBlocks(files []*hclFile, kind, resourceType string) []block {
	var out []block
	for _, f := range files {
		for _, b := range f.body.Blocks {
			if b.Type != kind {
				continue
			}
			if resourceType != "" && (len(b.Labels) == 0 || b.Labels[0] != resourceType) {
				continue
			}
			out = append(out, block{b, f})
		}
	}
	return out
}

// nested returns the blocks of a type inside body, including the content
// of dynamic blocks of that type.
func nested(body *hclsyntax.Body, typ string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, b := range body.Blocks {
		switch {
		case b.Type == typ:
			out = append(out, b)
		case b.Type == "dynamic" && len(b.Labels) == 1 && b.Labels[0] == typ:
			for _, c := range b.Body.Blocks {
				if c.Type == "content" {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// path follows nested blocks, then returns the attribute at the end:
// path(body, "rule", "apply_server_side_encryption_by_default", "sse_algorithm").
func attrAt(body *hclsyntax.Body, names ...string) *hclsyntax.Attribute {
	for _, n := range names[:len(names)-1] {
		bs := nested(body, n)
		if len(bs) == 0 {
			return nil
		}
		body = bs[0].Body
	}
	return body.Attributes[names[len(names)-1]]
}

// literal returns the value of an expression that needs no variables.
func literal(e hclsyntax.Expression) (cty.Value, bool) {
	if len(e.Variables()) > 0 {
		return cty.NilVal, false
	}
	v, diags := e.Value(nil)
	if diags.HasErrors() {
		return cty.NilVal, false
	}
	return v, true
}

func isTrue(a *hclsyntax.Attribute) bool {
	if a == nil {
		return false
	}
	v, ok := literal(a.Expr)
	return ok && v.Type() == cty.Bool && v.True()
}

func literalString(a *hclsyntax.Attribute) (string, bool) {
	if a == nil {
		return "", false
	}
	v, ok := literal(a.Expr)
	if !ok || v.Type() != cty.String || v.IsNull() {
		return "", false
	}
	return v.AsString(), true
}

// literalStrings returns the strings of a list literal; dynamic elements
// are returned as their source text.
func literalStrings(f *hclFile, a *hclsyntax.Attribute) []string {
	if a == nil {
		return nil
	}
	tuple, ok := a.Expr.(*hclsyntax.TupleConsExpr)
	if !ok {
		return []string{text(f, a.Expr)}
	}
	var out []string
	for _, e := range tuple.Exprs {
		if v, ok := literal(e); ok && v.Type() == cty.String {
			out = append(out, v.AsString())
			continue
		}
		out = append(out, text(f, e))
	}
	return out
}

func text(f *hclFile, e hclsyntax.Expression) string {
	r := e.Range()
	return string(f.src[r.Start.Byte:r.End.Byte])
}

// traversal writes a reference such as aws_s3_bucket.this or
// data.aws_iam_policy_document.key.json (index steps left out).
func traversal(tr hcl.Traversal) string {
	var parts []string
	for _, s := range tr {
		switch s := s.(type) {
		case hcl.TraverseRoot:
			parts = append(parts, s.Name)
		case hcl.TraverseAttr:
			parts = append(parts, s.Name)
		}
	}
	return strings.Join(parts, ".")
}

// references lists every reference an expression makes.
func references(e hclsyntax.Expression) []string {
	var out []string
	for _, tr := range e.Variables() {
		out = append(out, traversal(tr))
	}
	return out
}

// walkAttrs calls fn for every attribute in body and its nested blocks.
func walkAttrs(body *hclsyntax.Body, fn func(*hclsyntax.Attribute)) {
	for _, a := range body.Attributes {
		fn(a)
	}
	for _, b := range body.Blocks {
		walkAttrs(b.Body, fn)
	}
}
