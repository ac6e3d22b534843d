package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/streamalert/streamalert/internal/lambdapack"
)

func newLambdaCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lambda",
		Short: "Build the AWS Lambda functions",
	}
	var out, src string
	var archs, functions []string
	pkg := &cobra.Command{
		Use:   "package",
		Short: "Build the Lambda functions as provided.al2023 zips",
		Long: `package builds each Lambda function (classifier, alerts) for each
architecture as a static linux executable named bootstrap — CGO_ENABLED=0,
-tags lambda.norpc, -trimpath, stripped — and zips it as
<out>/<function>_<arch>.zip, ready for the provided.al2023 runtime. It needs
the Go toolchain and runs go build in --src: a checkout of streamalert or a
module that requires it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			zips, err := lambdapack.Package(cmd.Context(), lambdapack.Options{
				Out: out, Functions: functions, Archs: archs, Src: src, Log: cmd.ErrOrStderr()})
			for _, z := range zips {
				fmt.Fprintln(cmd.OutOrStdout(), z)
			}
			return err
		},
	}
	pkg.Flags().StringVar(&out, "out", "dist", "directory the zips are written to")
	pkg.Flags().StringSliceVar(&archs, "arch", lambdapack.Architectures, "architectures: arm64, amd64")
	pkg.Flags().StringSliceVar(&functions, "function", lambdapack.Functions, "functions to build")
	pkg.Flags().StringVar(&src, "src", ".", "directory to run go build in (the streamalert checkout)")
	cmd.AddCommand(pkg)
	return cmd
}
