package terraform

import (
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/metrics"
)

// local returns the expression of a local value of a module.
func local(t *testing.T, m *module, name string) hclsyntax.Expression {
	t.Helper()
	for _, b := range m.blocks("locals", "") {
		if a := b.Body.Attributes[name]; a != nil {
			return a.Expr
		}
	}
	t.Fatalf("%s has no local %s", m.dir, name)
	return nil
}

// TestFirehoseModule_StreamNamesAreTheClients: the delivery streams are
// named as firehose.StreamName names them, which is where the functions
// send.
func TestFirehoseModule_StreamNamesAreTheClients(t *testing.T) {
	m := loadModule(t, filepath.Join("modules", "firehose"))
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{
		"prefix": cty.StringVal("acme"),
		"tables": cty.MapVal(map[string]cty.Value{
			"cloudtrail_events":            cty.ObjectVal(map[string]cty.Value{"firehose_prefix": cty.StringVal("p/")}),
			firehose.UnclassifiedTableName: cty.ObjectVal(map[string]cty.Value{"firehose_prefix": cty.StringVal("q/")}),
		}),
	})}}
	v, diags := local(t, m, "streams").Value(ctx)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	for _, table := range []string{"cloudtrail_events", firehose.UnclassifiedTableName} {
		if got, want := v.GetAttr(table).AsString(), firehose.StreamName("acme", table); got != want {
			t.Errorf("stream of %s: terraform %q, the client %q", table, got, want)
		}
	}
}

// TestMonitoring_AlarmsOnTheMetricsTheFunctionsWrite: the alarms on the
// functions' own metrics use the metrics package's namespace and names.
func TestMonitoring_AlarmsOnTheMetricsTheFunctionsWrite(t *testing.T) {
	root := loadModule(t, ".")
	if ns, ok := literal(local(t, root, "metric_namespace")); !ok || ns.AsString() != metrics.Namespace {
		t.Errorf("root metric_namespace %v, the functions write %q", ns, metrics.Namespace)
	}
	known := map[string]bool{metrics.RecordsIn: true, metrics.Classified: true, metrics.Unclassified: true,
		metrics.Alerts: true, metrics.FirehoseFailures: true, metrics.Duration: true}
	m := loadModule(t, filepath.Join("modules", "monitoring"))
	used := 0
	for _, f := range m.files {
		walkBodies(f.body, func(b *hclsyntax.Body) {
			ns, name := b.Attributes["namespace"], b.Attributes["metric_name"]
			if ns == nil || name == nil || len(references(ns.Expr)) == 0 || references(ns.Expr)[0] != "var.metric_namespace" {
				return
			}
			used++
			s, _ := literalString(name)
			if !known[s] {
				t.Errorf("%s: alarm on metric %q, which the functions do not write", f.path, s)
			}
			if keys := objectKeys(b.Attributes["dimensions"]); len(keys) != 1 || keys[0] != metrics.FunctionDimension {
				t.Errorf("%s: alarm on %s by dimensions %v; the functions write only %s", f.path, s, keys, metrics.FunctionDimension)
			}
		})
	}
	if used < 3 {
		t.Errorf("%d alarms on the functions' metrics, want firehose failures, unclassified and records in", used)
	}
}

// objectKeys returns the keys of an attribute that is an object
// constructor ({ Function = … }), nil for anything else.
func objectKeys(a *hclsyntax.Attribute) []string {
	if a == nil {
		return nil
	}
	obj, ok := a.Expr.(*hclsyntax.ObjectConsExpr)
	if !ok {
		return nil
	}
	var keys []string
	for _, item := range obj.Items {
		keys = append(keys, hcl.ExprAsKeyword(item.KeyExpr))
	}
	return keys
}

func walkBodies(b *hclsyntax.Body, fn func(*hclsyntax.Body)) {
	fn(b)
	for _, c := range b.Blocks {
		walkBodies(c.Body, fn)
	}
}
