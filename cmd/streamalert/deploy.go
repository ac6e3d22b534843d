package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/streamalert/streamalert/deploy"
)

func newDeployCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "deploy",
		Short: "Deploy to AWS with Terraform: generate its variables from the config, plan, apply",
		Long: `deploy generate writes terraform.tfvars.json, the Athena DDL of every table
and the config archive from the config directory; deploy plan and deploy
apply run terraform (or tofu) on the terraform/ root module with them.
docs/deploy-aws.md walks through a first deployment.`,
	}
	var out, dist, module string
	generate := func(cmd *cobra.Command) (string, error) {
		cfg, err := g.loadConfig()
		if err != nil {
			return "", err
		}
		absOut, err := filepath.Abs(out)
		if err != nil {
			return "", err
		}
		absDist, err := filepath.Abs(dist)
		if err != nil {
			return "", err
		}
		plan, ps := deploy.Generate(cfg, deploy.Options{OutDir: absOut, ZipDir: absDist})
		if len(ps) > 0 {
			return "", fmt.Errorf("config has problems:\n%w", ps.Err())
		}
		files, err := plan.Write(absOut, cfg.FS)
		if err != nil {
			return "", err
		}
		for _, n := range plan.Notes {
			fmt.Fprintln(cmd.ErrOrStderr(), "note:", n)
		}
		fmt.Fprintf(cmd.OutOrStdout(), "wrote %d files to %s (%d tables)\n", len(files), out, len(plan.Vars.Tables))
		for _, f := range plan.Vars.LambdaZips {
			if _, err := os.Stat(f); err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "note: %s is not built yet: run `streamalert lambda package --out %s --arch %s`\n", f, dist, plan.Vars.Architecture)
			}
		}
		return filepath.Join(absOut, deploy.VarsFileName), nil
	}
	gen := &cobra.Command{
		Use:   "generate",
		Short: "Write terraform.tfvars.json, the tables' DDL and the config archive",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := generate(cmd)
			return err
		},
	}
	run := func(step string) *cobra.Command {
		return &cobra.Command{
			Use:   step + " [-- TERRAFORM FLAGS]",
			Short: "Generate, then terraform " + step + " the terraform/ root module",
			RunE: func(cmd *cobra.Command, args []string) error {
				bin, err := deploy.FindTerraform(exec.LookPath)
				if err != nil {
					return err
				}
				varFile, err := generate(cmd)
				if err != nil {
					return err
				}
				r := &deploy.Runner{Binary: bin, Module: module, VarFile: varFile,
					Stdin: cmd.InOrStdin(), Stdout: cmd.OutOrStdout(), Stderr: cmd.ErrOrStderr()}
				return r.Run(cmd.Context(), step, args...)
			},
		}
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&out, "out", "deploy-out", "directory the generated files are written to")
	pf.StringVar(&dist, "dist", "dist", "directory of the Lambda zips (`streamalert lambda package --out`)")
	pf.StringVar(&module, "terraform", "terraform", "the root module directory (plan, apply)")
	cmd.AddCommand(gen, run("plan"), run("apply"))
	return cmd
}
