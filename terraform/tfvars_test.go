package terraform

import (
	"encoding/json"
	"sort"
	"testing"

	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/streamalert/streamalert/deploy"
	"github.com/streamalert/streamalert/internal/config"
)

// TestRootVariables_AcceptGeneratedTFVars: terraform.tfvars.json from
// `deploy generate` sets every required variable of the root module, no
// variable it lacks, and each value converts to the variable's declared
// type (as Terraform would check it before planning).
func TestRootVariables_AcceptGeneratedTFVars(t *testing.T) {
	root := loadModule(t, ".")
	for _, c := range []struct{ name, dir string }{{"example", ""}, {"aws-conf", "../deploy/testdata/aws-conf"}} {
		t.Run(c.name, func(t *testing.T) {
			var cfg *config.Config
			var ps config.Problems
			if c.dir == "" {
				cfg, ps = config.Load(config.Example(), "")
			} else {
				cfg, ps = config.LoadDir(c.dir)
			}
			if len(ps) > 0 {
				t.Fatal(ps.Err())
			}
			plan, ps := deploy.Generate(cfg, deploy.Options{ZipDir: "dist", OutDir: "out"})
			if len(ps) > 0 {
				t.Fatal(ps.Err())
			}
			data, err := plan.VarsJSON()
			if err != nil {
				t.Fatal(err)
			}
			checkTFVars(t, root, data)
		})
	}
}

func checkTFVars(t *testing.T, root *module, data []byte) {
	t.Helper()
	var vals map[string]json.RawMessage
	if err := json.Unmarshal(data, &vals); err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range vals {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if root.inspect.Variables[name] == nil {
			t.Errorf("tfvars sets %s, which the root module does not declare", name)
		}
	}
	checked := 0
	for _, b := range root.blocks("variable", "") {
		name := b.Labels[0]
		raw, ok := vals[name]
		if !ok {
			if root.inspect.Variables[name].Required {
				t.Errorf("tfvars does not set required variable %s", name)
			}
			continue
		}
		ty, diags := typeexpr.TypeConstraint(b.Body.Attributes["type"].Expr)
		if diags.HasErrors() {
			t.Errorf("%s: variable %s: %s", b.where(), name, diags.Error())
			continue
		}
		if _, err := ctyjson.Unmarshal(raw, ty); err != nil {
			t.Errorf("variable %s: the generated value does not fit its type: %v\n%s", name, err, raw)
		}
		checked++
	}
	if checked < 20 {
		t.Errorf("checked %d variables", checked)
	}
}

func TestRootVariables_CheckCatchesBadTFVars(t *testing.T) {
	root := loadModule(t, ".")
	var bad map[string]any
	plan, ps := deploy.Generate(mustExample(t), deploy.Options{})
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	data, _ := plan.VarsJSON()
	json.Unmarshal(data, &bad)
	bad["functions"] = map[string]any{"classifier": map[string]any{"memory_mb": "lots"}}
	data, _ = json.Marshal(bad)
	var vals map[string]json.RawMessage
	json.Unmarshal(data, &vals)
	for _, b := range root.blocks("variable", "") {
		if b.Labels[0] != "functions" {
			continue
		}
		ty, _ := typeexpr.TypeConstraint(b.Body.Attributes["type"].Expr)
		if _, err := ctyjson.Unmarshal(vals["functions"], ty); err == nil {
			t.Error("a function without timeout_seconds and with memory_mb \"lots\" fit the functions type")
		}
	}
}

func mustExample(t *testing.T) *config.Config {
	t.Helper()
	cfg, ps := config.Load(config.Example(), "")
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	return cfg
}
