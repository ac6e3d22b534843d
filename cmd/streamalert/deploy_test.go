package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDeployGenerate_WritesVarsDDLAndArchive(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "conf")
	if _, errs, code := run(t, "init", conf); code != 0 {
		t.Fatal(errs)
	}
	out := filepath.Join(dir, "out")
	stdout, errs, code := run(t, "--config", conf, "deploy", "generate", "--out", out, "--dist", filepath.Join(dir, "dist"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(stdout, "tables") || !strings.Contains(errs, "lambda package") {
		t.Errorf("output:\n%s\n%s", stdout, errs)
	}
	data, err := os.ReadFile(filepath.Join(out, "terraform.tfvars.json"))
	if err != nil {
		t.Fatal(err)
	}
	var vars struct {
		ConfigArchive string                     `json:"config_archive"`
		Tables        map[string]json.RawMessage `json:"tables"`
	}
	if err := json.Unmarshal(data, &vars); err != nil {
		t.Fatal(err)
	}
	if vars.ConfigArchive != filepath.Join(out, "config.tar.gz") {
		t.Errorf("config_archive %q", vars.ConfigArchive)
	}
	for table := range vars.Tables {
		if _, err := os.Stat(filepath.Join(out, "ddl", table+".sql")); err != nil {
			t.Error(err)
		}
	}
	if vars.Tables["unclassified"] == nil || vars.Tables["alerts"] == nil {
		t.Error("no unclassified or alerts table")
	}
}

func TestDeployPlan_WithoutTerraformSaysHowToInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, errs, code := run(t, "deploy", "plan", "--out", t.TempDir())
	if code == 0 || !strings.Contains(errs, "neither terraform nor tofu is installed") || !strings.Contains(errs, "opentofu.org") {
		t.Errorf("exit %d: %s", code, errs)
	}
}

func TestSchemasDDL_LakeTablesBesideTheLogTypes(t *testing.T) {
	for table, column := range map[string]string{"unclassified": "`raw` string", "alerts": "`rule_name` string"} {
		out, errs, code := run(t, "schemas", "ddl", table)
		if code != 0 || !strings.Contains(out, "`streamalert`.`"+table+"`") || !strings.Contains(out, column) {
			t.Errorf("schemas ddl %s: exit %d\n%s%s", table, code, out, errs)
		}
	}
}
