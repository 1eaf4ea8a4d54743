package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"

	"github.com/spf13/cobra"

	"github.com/blindspot-audit/blindspot/audit/metrics"
	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/reports"
)

func asSpecErr(err error, target **spec.Error) bool { return errors.As(err, target) }

func (a *App) summaryCmd() *cobra.Command {
	var asJSON, wide bool
	var storeURL string
	c := &cobra.Command{
		Use:   "summary RUN_DIR (or --store URL alone)",
		Short: "Print the summary of a run from its store (no model is called)",
		Args:  runDirArg,
		RunE: func(c *cobra.Command, args []string) error {
			dir, err := a.runDirOf(context.Background(), args, storeURL)
			if err != nil {
				return err
			}
			run, err := a.openRun(context.Background(), dir, storeURL, false)
			if err != nil {
				return err
			}
			defer run.Close()
			s, err := metrics.Summarize(context.Background(), run)
			if err != nil {
				return err
			}
			s.RunDir = dir
			return a.printSummary(s, asJSON, wide)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON")
	c.Flags().BoolVar(&wide, "wide", false, "keep every table's columns on one line (by default tables wider than 120 columns are split)")
	addStoreFlag(c, &storeURL)
	return c
}

func (a *App) printSummary(s *metrics.Summary, asJSON, wide bool) error {
	return a.writeSummary(a.Stdout, s, asJSON, wide)
}

func (a *App) writeSummary(w io.Writer, s *metrics.Summary, asJSON, wide bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	if wide {
		return reports.WriteSummary(reports.Wide(w), s)
	}
	return reports.WriteSummary(w, s)
}
