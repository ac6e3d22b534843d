package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/streamalert/streamalert/internal/config"
)

func newInitCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "init [DIR]",
		Short: "Write a working example config directory (default ./conf)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "conf"
			if len(args) == 1 {
				dir = args[0]
			}
			if err := config.Init(dir); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote example config to %s\nnext: streamalert --config %s validate\n", dir, dir)
			return nil
		},
	}
}
