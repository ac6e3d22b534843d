package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
)

// ErrNoTerraform says neither terraform nor tofu is on PATH, and how to get
// one.
var ErrNoTerraform = errors.New(`neither terraform nor tofu is installed (on PATH).
Install one of them:
  OpenTofu:  https://opentofu.org/docs/intro/install/  (Debian: the standalone installer, or the .deb from the releases page)
  Terraform: https://developer.hashicorp.com/terraform/install  (Debian: apt-get install terraform from apt.releases.hashicorp.com)
then run the command again; or run it yourself:
  terraform -chdir=terraform init && terraform -chdir=terraform plan -var-file=<out>/terraform.tfvars.json`)

// Binaries are the programs Terraform runs as, in order of preference.
var Binaries = []string{"tofu", "terraform"}

// FindTerraform returns the path of tofu or terraform.
func FindTerraform(lookPath func(string) (string, error)) (string, error) {
	for _, b := range Binaries {
		if p, err := lookPath(b); err == nil {
			return p, nil
		}
	}
	return "", ErrNoTerraform
}

// Runner runs Terraform on the root module with the generated variables.
type Runner struct {
	Binary  string    // tofu or terraform
	Module  string    // the root module directory (terraform/)
	VarFile string    // terraform.tfvars.json
	Stdin   io.Reader // apply asks for confirmation unless -auto-approve
	Stdout  io.Writer
	Stderr  io.Writer
}

// Commands returns the command lines a step runs: init, then plan or apply.
func (r *Runner) Commands(step string, extra ...string) ([][]string, error) {
	varFile, err := filepath.Abs(r.VarFile)
	if err != nil {
		return nil, err
	}
	chdir := "-chdir=" + r.Module
	var last []string
	switch step {
	case "plan":
		last = []string{r.Binary, chdir, "plan", "-var-file=" + varFile}
	case "apply":
		last = []string{r.Binary, chdir, "apply", "-var-file=" + varFile}
	default:
		return nil, fmt.Errorf("deploy: unknown step %q (plan or apply)", step)
	}
	return [][]string{{r.Binary, chdir, "init", "-input=false"}, append(last, extra...)}, nil
}

// Run runs the step's commands one after another, stopping at the first
// that fails.
func (r *Runner) Run(ctx context.Context, step string, extra ...string) error {
	cmds, err := r.Commands(step, extra...)
	if err != nil {
		return err
	}
	for _, c := range cmds {
		cmd := exec.CommandContext(ctx, c[0], c[1:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = r.Stdin, r.Stdout, r.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("deploy %s: %s %s: %w", step, filepath.Base(c[0]), c[2], err)
		}
	}
	return nil
}
