package deploy

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindTerraform_PrefersTofuAndExplainsWhenNone(t *testing.T) {
	have := func(names ...string) func(string) (string, error) {
		return func(n string) (string, error) {
			for _, h := range names {
				if h == n {
					return "/usr/bin/" + n, nil
				}
			}
			return "", errors.New("not found")
		}
	}
	if p, err := FindTerraform(have("terraform", "tofu")); err != nil || p != "/usr/bin/tofu" {
		t.Errorf("both: %q %v", p, err)
	}
	if p, err := FindTerraform(have("terraform")); err != nil || p != "/usr/bin/terraform" {
		t.Errorf("terraform: %q %v", p, err)
	}
	_, err := FindTerraform(have())
	if !errors.Is(err, ErrNoTerraform) || !strings.Contains(err.Error(), "https://opentofu.org") || !strings.Contains(err.Error(), "developer.hashicorp.com/terraform/install") {
		t.Errorf("none: %v", err)
	}
}

// TestRunner_InitThenStep runs a stand-in for terraform (a shell script
// that records its arguments; the real one needs providers these machines
// cannot download) and checks the commands: init, then the step with the
// absolute var file and the user's extra flags; a failing init stops.
func TestRunner_InitThenStep(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "calls")
	bin := filepath.Join(dir, "terraform")
	script := "#!/bin/sh\necho \"$@\" >> " + log + "\n[ \"$2\" != init ] || [ -z \"$FAIL_INIT\" ] || exit 3\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	r := &Runner{Binary: bin, Module: "terraform", VarFile: "out/terraform.tfvars.json", Stdout: &out, Stderr: &out}
	if err := r.Run(context.Background(), "apply", "-auto-approve"); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	varFile, _ := filepath.Abs("out/terraform.tfvars.json")
	calls, _ := os.ReadFile(log)
	want := "-chdir=terraform init -input=false\n-chdir=terraform apply -var-file=" + varFile + " -auto-approve\n"
	if string(calls) != want {
		t.Errorf("calls:\n%s\nwant:\n%s", calls, want)
	}
	os.Remove(log)
	t.Setenv("FAIL_INIT", "1")
	if err := r.Run(context.Background(), "plan"); err == nil || !strings.Contains(err.Error(), "init") {
		t.Errorf("a failing init: %v", err)
	}
	if calls, _ := os.ReadFile(log); strings.Count(string(calls), "\n") != 1 {
		t.Errorf("ran on after a failed init:\n%s", calls)
	}
	if _, err := r.Commands("destroy"); err == nil {
		t.Error("destroy is not a step deploy runs")
	}
}
