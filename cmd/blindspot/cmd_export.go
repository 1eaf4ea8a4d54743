package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/blindspot-audit/blindspot/audit/outdir"
	"github.com/blindspot-audit/blindspot/reports"
)

func (a *App) exportCmd() *cobra.Command {
	var format, out, storeURL string
	c := &cobra.Command{
		Use:   "export RUN_DIR (or --store URL alone)",
		Short: "Write a run's tables as CSV or JSON lines for pandas or R (no model is called)",
		Long: "export writes calls, items (one row per image and judge, with accuracy, precision, recall and F1), answers,\n" +
			"picks, metrics and tests to --out (default RUN_DIR/export) as NAME.csv or NAME.jsonl. In CSV, text that a\n" +
			"spreadsheet would run as a formula (starting with =, +, -, @) is prefixed with an apostrophe.",
		Args: runDirArg,
		RunE: func(c *cobra.Command, args []string) error {
			dir, err := a.runDirOf(context.Background(), args, storeURL)
			if err != nil {
				return err
			}
			if format != "csv" && format != "jsonl" {
				return usageErr("--format %q: want csv or jsonl", format)
			}
			run, err := a.openRun(context.Background(), dir, storeURL, false)
			if err != nil {
				return err
			}
			defer run.Close()
			if out == "" {
				out = filepath.Join(dir, "export")
			}
			if err := outdir.Check(a.path(out), "export", run.Dir); err != nil {
				return err
			}
			files, err := reports.Export(context.Background(), run.DB(), a.path(out), format)
			if err != nil {
				return err
			}
			if err := outdir.Mark(a.path(out), "export"); err != nil {
				return fmt.Errorf("export: %w", err)
			}
			for _, f := range files {
				fmt.Fprintln(a.Stdout, f)
			}
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "csv", "csv or jsonl")
	c.Flags().StringVar(&out, "out", "", "output folder (default RUN_DIR/export)")
	addStoreFlag(c, &storeURL)
	return c
}
