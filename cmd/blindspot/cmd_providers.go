package main

import (
	"fmt"
	"strings"

	"github.com/blindspot-audit/blindspot/reports"
	"github.com/spf13/cobra"

	"github.com/blindspot-audit/blindspot/generators/registry"
)

func (a *App) providersCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "providers",
		Short: "List the providers and the roles each can play",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			t := reports.NewTable(a.Stdout)
			t.Header("Provider", "Roles", "What it is")
			for _, name := range registry.Names() {
				p, _ := registry.Lookup(name)
				roles := make([]string, len(p.Roles))
				for i, r := range p.Roles {
					roles[i] = string(r)
				}
				if err := t.Append([]string{name, strings.Join(roles, ", "), p.Doc}); err != nil {
					return err
				}
			}
			if err := t.Render(); err != nil {
				return fmt.Errorf("providers: %w", err)
			}
			return nil
		},
	}
}
