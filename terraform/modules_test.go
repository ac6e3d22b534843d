package terraform

import (
	"bytes"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// The meta-arguments of a module block, which are not variables.
var moduleMeta = map[string]bool{"source": true, "version": true, "count": true, "for_each": true, "depends_on": true, "providers": true}

// checkModuleCalls reports module calls that pass a variable the module
// does not declare or leave out one it requires, and references to
// module outputs that do not exist.
func checkModuleCalls(caller *module, byDir map[string]*module) []string {
	var problems []string
	called := map[string]*module{}
	for _, b := range caller.blocks("module", "") {
		name := b.Labels[0]
		src, ok := literalString(b.Body.Attributes["source"])
		if !ok {
			problems = append(problems, b.where()+": module "+name+": source must be a literal")
			continue
		}
		target := byDir[filepath.Clean(filepath.Join(caller.dir, src))]
		if target == nil {
			problems = append(problems, b.where()+": module "+name+": no module at "+src)
			continue
		}
		called[name] = target
		for arg := range b.Body.Attributes {
			if !moduleMeta[arg] && target.inspect.Variables[arg] == nil {
				problems = append(problems, b.where()+": module "+name+" passes "+arg+", which "+target.dir+" does not declare")
			}
		}
		for v, decl := range target.inspect.Variables {
			if decl.Required && b.Body.Attributes[v] == nil {
				problems = append(problems, b.where()+": module "+name+" does not pass required variable "+v)
			}
		}
	}
	for _, f := range caller.files {
		walkAttrs(f.body, func(a *hclsyntax.Attribute) {
			for _, ref := range references(a.Expr) {
				parts := strings.Split(ref, ".")
				if parts[0] != "module" || len(parts) < 3 {
					continue
				}
				target := called[parts[1]]
				if target == nil {
					problems = append(problems, f.path+": reference to undeclared module "+parts[1])
				} else if target.inspect.Outputs[parts[2]] == nil {
					problems = append(problems, f.path+": module."+parts[1]+"."+parts[2]+": "+target.dir+" has no output "+parts[2])
				}
			}
		})
	}
	sort.Strings(problems)
	return problems
}

// checkReferences reports var.X and local.X references that the module
// does not declare.
func checkReferences(m *module) []string {
	locals := map[string]bool{}
	for _, b := range m.blocks("locals", "") {
		for name := range b.Body.Attributes {
			locals[name] = true
		}
	}
	var problems []string
	for _, f := range m.files {
		walkAttrs(f.body, func(a *hclsyntax.Attribute) {
			for _, ref := range references(a.Expr) {
				parts := strings.Split(ref, ".")
				if len(parts) < 2 {
					continue
				}
				switch {
				case parts[0] == "var" && m.inspect.Variables[parts[1]] == nil:
					problems = append(problems, f.path+": var."+parts[1]+" is not declared")
				case parts[0] == "local" && !locals[parts[1]]:
					problems = append(problems, f.path+": local."+parts[1]+" is not declared")
				}
			}
		})
	}
	return problems
}

func TestModules_CallsPassDeclaredAndRequiredVariables(t *testing.T) {
	mods := loadModules(t)
	byDir := map[string]*module{}
	for _, m := range mods {
		byDir[filepath.Clean(m.dir)] = m
	}
	calls := 0
	for _, m := range mods {
		calls += len(m.inspect.ModuleCalls)
		for _, p := range checkModuleCalls(m, byDir) {
			t.Error(p)
		}
	}
	// Every module under modules/ is called from the root.
	for _, m := range mods {
		if m.name == "root" {
			continue
		}
		used := false
		for _, c := range byDir["."].inspect.ModuleCalls {
			if filepath.Clean(c.Source) == filepath.Clean("./"+m.dir) {
				used = true
			}
		}
		if !used {
			t.Errorf("%s is not called from the root module", m.dir)
		}
	}
	if calls < 11 {
		t.Errorf("the root module calls %d modules, want at least the 11 of modules/", calls)
	}
}

func TestModules_CheckCatchesBadCalls(t *testing.T) {
	lake := loadModule(t, filepath.Join("modules", "athena"))
	caller := &module{dir: ".", name: "root", inspect: lake.inspect}
	caller.files = []*hclFile{parseHCL(t, "bad.tf", []byte(`
module "athena" {
  source         = "./modules/athena"
  prefix         = "x"
  results_bucket = "y"
  kms_key_arn    = "z"
  no_such_input  = 1
}
output "o" {
  value = module.athena.no_such_output
}
`))}
	got := checkModuleCalls(caller, map[string]*module{filepath.Clean(lake.dir): lake})
	want := []string{"does not declare", "does not pass required variable bytes_scanned_cutoff", "has no output no_such_output"}
	for _, w := range want {
		if !strings.Contains(strings.Join(got, "\n"), w) {
			t.Errorf("the check missed %q; it said:\n%s", w, strings.Join(got, "\n"))
		}
	}
}

func TestModules_ReferencesAreDeclared(t *testing.T) {
	for _, m := range loadModules(t) {
		for _, p := range checkReferences(m) {
			t.Error(p)
		}
	}
	bad := &module{dir: "bad", inspect: loadModule(t, filepath.Join("modules", "kinesis")).inspect}
	bad.files = []*hclFile{parseHCL(t, "bad.tf", []byte("output \"x\" {\n  value = var.nope\n}\n"))}
	if len(checkReferences(bad)) != 1 {
		t.Error("checkReferences missed var.nope")
	}
}

func TestModules_VariablesHaveTypeAndDescription(t *testing.T) {
	for _, m := range loadModules(t) {
		if len(m.inspect.Variables) == 0 {
			t.Errorf("%s declares no variables", m.dir)
		}
		for name, v := range m.inspect.Variables {
			if v.Type == "" {
				t.Errorf("%s:%d: variable %s has no type", v.Pos.Filename, v.Pos.Line, name)
			}
			if strings.TrimSpace(v.Description) == "" {
				t.Errorf("%s:%d: variable %s has no description", v.Pos.Filename, v.Pos.Line, name)
			}
		}
		for name, o := range m.inspect.Outputs {
			if strings.TrimSpace(o.Description) == "" {
				t.Errorf("%s:%d: output %s has no description", o.Pos.Filename, o.Pos.Line, name)
			}
		}
	}
}

func TestModules_FormattingIsCanonical(t *testing.T) {
	n := 0
	for _, m := range loadModules(t) {
		for _, f := range m.files {
			n++
			if got := hclwrite.Format(f.src); !bytes.Equal(got, f.src) {
				t.Errorf("%s is not formatted canonically (run terraform fmt -recursive terraform/)", f.path)
			}
		}
	}
	if n < 30 {
		t.Errorf("checked %d .tf files, want the root's and every module's", n)
	}
	if bad := []byte("a   = 1\nbb = 2\n"); bytes.Equal(hclwrite.Format(bad), bad) {
		t.Error("hclwrite.Format left unaligned attributes alone; the check would pass anything")
	}
}
