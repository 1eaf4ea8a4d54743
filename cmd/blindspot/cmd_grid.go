package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/blindspot-audit/blindspot/reports"
	"github.com/spf13/cobra"

	"github.com/blindspot-audit/blindspot/audit"
	"github.com/blindspot-audit/blindspot/audit/spec"
)

func (a *App) loadPlan(path string) (*audit.Plan, error) {
	s, err := a.loadSpec(path)
	if err != nil {
		return nil, err
	}
	return a.plan(path, s)
}

// plan expands a loaded spec's prompt grid.
func (a *App) plan(path string, s *spec.Audit) (*audit.Plan, error) {
	p, err := audit.NewPlan(s)
	if err != nil {
		return nil, usageErr("%s: %v", path, err)
	}
	return p, nil
}

// loadSpec reads and validates a spec.
func (a *App) loadSpec(path string) (*spec.Audit, error) {
	s, _, _, err := a.loadSpecReading(path)
	return s, err
}

// loadSpecReading is loadSpec that also gives the spec's bytes and the
// files (as opened) that reading it read.
func (a *App) loadSpecReading(path string) (s *spec.Audit, raw []byte, files []string, err error) {
	// Errors name the spec as the user typed it; files resolve against the
	// app's directory.
	readFile := func(p string) ([]byte, error) {
		files = append(files, a.path(p))
		return spec.ReadFile(a.path(p))
	}
	raw, err = spec.ReadFile(a.path(path))
	if err != nil {
		return nil, nil, nil, usageErr("reading spec: %v", err)
	}
	s, err = spec.Parse(path, raw, readFile)
	if err != nil {
		var se *spec.Error
		if asSpecErr(err, &se) {
			return nil, nil, nil, err
		}
		return nil, nil, nil, usageErr("reading spec: %v", err)
	}
	return s, raw, files, nil
}

func (a *App) gridCmd() *cobra.Command {
	var asJSON, list bool
	c := &cobra.Command{
		Use:   "grid SPEC",
		Short: "Show the prompt grid: prompts, calls per stage and estimated cost",
		Args:  exactArgs(1, "one spec file"),
		RunE: func(c *cobra.Command, args []string) error {
			p, err := a.loadPlan(args[0])
			if err != nil {
				return err
			}
			switch {
			case list:
				enc := json.NewEncoder(a.Stdout)
				for _, pr := range p.Prompts {
					if err := enc.Encode(pr); err != nil {
						return err
					}
				}
				return nil
			case asJSON:
				enc := json.NewEncoder(a.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(p.Counts)
			}
			return writeGrid(a, p)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the counts as JSON")
	c.Flags().BoolVar(&list, "prompts", false, "print every prompt as a line of JSON instead")
	return c
}

func writeGrid(a *App, p *audit.Plan) error {
	c := p.Counts
	fmt.Fprintf(a.Stdout, "Audit %q: %d country-specific and %d agnostic prompts, %d seeds, %d images.\n",
		p.Audit.Name, c.Prompts["country_specific"], c.Prompts["agnostic"], len(p.Audit.SeedList), c.Images)
	if len(c.Languages) > 1 {
		var parts []string
		for _, code := range slices.Sorted(maps.Keys(c.Languages)) {
			parts = append(parts, fmt.Sprintf("%s %d", code, c.Languages[code]))
		}
		fmt.Fprintf(a.Stdout, "Prompts by language: %s.\n", strings.Join(parts, ", "))
	}
	t := reports.NewTable(a.Stdout)
	t.Header("Stage", "Calls")
	for _, r := range [][2]any{{"text-to-image", c.T2I}, {"image edits", c.I2I}, {"VQA judge", c.VQA}, {"best/worst picks", c.Picks}, {"stories", c.Stories}, {"embeddings", c.Embed}, {"quality scores", c.Score}, {"LLM", c.LLM}, {"translations", c.Translate}, {"total", c.Total()}} {
		if r[1].(int) == 0 && r[0] != "total" {
			continue
		}
		if err := t.Append([]string{r[0].(string), fmt.Sprint(r[1])}); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	names := make([]string, 0, len(c.CostByEndpoint))
	for k := range c.CostByEndpoint {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(a.Stdout, "  %-20s $%.4f\n", n, c.CostByEndpoint[n])
	}
	fmt.Fprintf(a.Stdout, "Estimated cost: $%.4f", c.EstimateUSD)
	if p.Audit.BudgetUSD > 0 {
		fmt.Fprintf(a.Stdout, " (budget cap $%.2f)", p.Audit.BudgetUSD)
	}
	fmt.Fprintln(a.Stdout)
	return nil
}
