package main

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

//go:embed starter.yaml
var starterSpec []byte

// StarterFile is the file init writes.
const StarterFile = "blindspot.yaml"

func (a *App) initCmd() *cobra.Command {
	var force bool
	c := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Write a commented starter spec that runs as it is on the simulator",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageErr("init takes at most one directory")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			path := filepath.Join(a.path(dir), StarterFile)
			if _, err := os.Stat(path); err == nil && !force {
				return usageErr("%s already exists; use --force to overwrite it", path)
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(path, starterSpec, 0o644); err != nil {
				return err
			}
			shown := filepath.Join(dir, StarterFile)
			fmt.Fprintf(a.Stdout, "Wrote %s. Next:\n  blindspot grid %s   # what it will run and cost\n  blindspot run %s    # run it on the simulator\n", shown, shown, shown)
			return nil
		},
	}
	c.Flags().BoolVar(&force, "force", false, "overwrite an existing spec")
	return c
}
