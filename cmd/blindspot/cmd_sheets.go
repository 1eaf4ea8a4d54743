package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/blindspot-audit/blindspot/audit/outdir"
	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/reports"
	"github.com/blindspot-audit/blindspot/reports/review"
)

func (a *App) sheetsCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "sheets",
		Short: "Spreadsheets for native reviewers: export them, import them back",
	}
	c.AddCommand(a.sheetsExportCmd(), a.sheetsImportCmd())
	return c
}

func (a *App) sheetsExportCmd() *cobra.Command {
	var out, format, specFile, cacheDir, storeURL string
	var perCell int
	var seed int64
	c := &cobra.Command{
		Use:   "export RUN_DIR (or --store URL alone)",
		Short: "Write one XLSX (or CSV) per reviewer group for native reviewers to fill in",
		Long: "export samples what native reviewers rate (the spec's review block: each edit chain at review.steps,\n" +
			"default 0, 1, 3, 5, and the seeds of a prompt; review.per_cell groups per country and category, seeded),\n" +
			"records the items in the run store and writes one file per country, or per reviewer named under\n" +
			"review.reviewers, to --out (default RUN_DIR/sheets). The review block comes from the spec the run was made\n" +
			"with, or from --spec.",
		Args: runDirArg,
		RunE: func(c *cobra.Command, args []string) error {
			dir, err := a.runDirOf(context.Background(), args, storeURL)
			if err != nil {
				return err
			}
			ctx := context.Background()
			if format != "xlsx" && format != "csv" {
				return usageErr("--format %q: want xlsx or csv", format)
			}
			lock, err := a.lockRun(dir, storeURL, "sheets")
			if err != nil {
				return err
			}
			defer lock.Unlock()
			run, err := a.openRun(ctx, dir, storeURL, false)
			if err != nil {
				return err
			}
			defer run.Close()
			cfg, err := a.reviewConfig(ctx, run, dir, specFile)
			if err != nil {
				return err
			}
			if c.Flags().Changed("per-cell") {
				if perCell < 1 {
					return usageErr("--per-cell must be at least 1, got %d", perCell)
				}
				cfg.PerCell = perCell
			}
			if c.Flags().Changed("seed") {
				cfg.Seed = seed
			}
			cache, err := a.openImages(ctx, run, dir, cacheDir)
			if err != nil {
				return err
			}
			defer cache.Close()
			if out == "" {
				out = filepath.Join(dir, "sheets")
			}
			if err := outdir.Check(a.path(out), "sheets", run.Dir); err != nil {
				return err
			}
			res, err := review.Export(ctx, run, cache.Blobs, cfg, a.path(out), format)
			if err != nil {
				return err
			}
			if err := outdir.Mark(a.path(out), "sheets"); err != nil {
				return fmt.Errorf("sheets export: %w", err)
			}
			for _, f := range res.Files {
				fmt.Fprintln(a.Stdout, f)
			}
			fmt.Fprintf(a.Stdout, "%d items in %d files, %d rows in all.\n", res.Items, len(res.Files), res.Rows)
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "output folder (default RUN_DIR/sheets)")
	c.Flags().StringVar(&format, "format", "xlsx", "xlsx, or csv for Google Sheets or Forms (pictures in a folder beside)")
	c.Flags().StringVar(&specFile, "spec", "", "take the review block from this spec instead of the run's")
	c.Flags().IntVar(&perCell, "per-cell", 0, "groups sampled per country and category (overrides review.per_cell)")
	c.Flags().Int64Var(&seed, "seed", 0, "sampling and row-order seed (overrides review.seed)")
	c.Flags().StringVar(&cacheDir, "cache", "", "the cache folder holding the run's images (default: the one the run used)")
	addStoreFlag(c, &storeURL)
	return c
}

// reviewConfig is the review block of --spec, or of the spec stored with
// the run.
func (a *App) reviewConfig(ctx context.Context, run *store.Run, runDir, specFile string) (spec.Review, error) {
	if specFile != "" {
		s, err := spec.Load(a.path(specFile))
		if err != nil {
			return spec.Review{}, err
		}
		return s.Review, nil
	}
	info, err := run.Info(ctx)
	if err != nil {
		return spec.Review{}, err
	}
	raw, file := info.Spec, info.SpecFile
	if raw == "" {
		return spec.Review{}, usageErr("%s has no stored spec; pass --spec", runDir)
	}
	s, err := spec.Parse(file, []byte(raw), func(p string) ([]byte, error) { return os.ReadFile(a.path(p)) })
	if err != nil {
		return spec.Review{}, usageErr("the spec stored with %s no longer validates (pass --spec): %v", runDir, err)
	}
	return s.Review, nil
}

func (a *App) sheetsImportCmd() *cobra.Command {
	var storeURL string
	var verbose bool
	c := &cobra.Command{
		Use:   "import RUN_DIR FILE...",
		Short: "Import filled-in review sheets (XLSX or CSV), all checked before anything is written",
		Long: "import checks every file first: unknown or edited item ids, duplicates, values out of range, Best = Worst,\n" +
			"two Bests in a group, a sheet from another run, a missing reviewer name; each problem is reported as\n" +
			"sheet!cell and then nothing is written (exit 2). Otherwise each file is recorded in one transaction.\n" +
			"Blank cells are missing ratings. Importing the same file again changes nothing; a newer file from the\n" +
			"same reviewer (by the time it was saved) replaces the older one, which stays recorded as superseded.\n" +
			"The agreement statistics are then recomputed; a short table per country follows (reviewers, items rated,\n" +
			"items rated by two or more, Krippendorff's alpha on cultural representation or why there is none);\n" +
			"--verbose prints every statistic.",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usageErr("sheets import needs a run directory and at least one file")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			ctx := context.Background()
			lock, err := a.lockRun(args[0], storeURL, "sheets")
			if err != nil {
				return err
			}
			defer lock.Unlock()
			run, err := a.openRun(ctx, args[0], storeURL, false)
			if err != nil {
				return err
			}
			defer run.Close()
			var checked []*review.Checked
			var problems []error
			for _, name := range args[1:] {
				data, err := readCapped(a.path(name), review.MaxFileBytes)
				if err != nil {
					problems = append(problems, err)
					continue
				}
				ch, err := review.Check(ctx, run, name, data)
				var ps *review.Problems
				switch {
				case errors.As(err, &ps):
					problems = append(problems, err)
				case err != nil:
					return err
				default:
					checked = append(checked, ch)
				}
			}
			if len(problems) > 0 {
				return usageErr("%v\nNothing was imported.", errors.Join(problems...))
			}
			for i, ch := range checked {
				o, err := review.Record(run, ch)
				if err != nil {
					return fmt.Errorf("recording %s: %w", args[i+1], err)
				}
				msg := fmt.Sprintf("%s: %s, %d rated rows, %d blank", args[i+1], ch.Import.Reviewer, len(ch.Ratings), ch.Blank)
				if n := len(ch.Translations); n > 0 {
					msg += fmt.Sprintf(", %d translations checked (%d corrected)", n, corrections(ch.Translations))
				}
				switch {
				case o.Already:
					msg = fmt.Sprintf("%s: already imported; nothing changed", args[i+1])
				case o.SupersededBy != "":
					msg += fmt.Sprintf("; older than the file already imported for %s (%.12s), recorded as superseded", ch.Import.Reviewer, o.SupersededBy)
				case o.Supersedes != "":
					msg += fmt.Sprintf("; replaces %s's earlier file (%.12s)", ch.Import.Reviewer, o.Supersedes)
				}
				fmt.Fprintln(a.Stdout, msg)
			}
			as, err := review.ComputeAgreement(ctx, run)
			if err != nil {
				return err
			}
			if verbose {
				if len(as) > 0 {
					return reports.WriteAgreementTable(a.Stdout, as)
				}
				return nil
			}
			items, err := run.ReviewItems(ctx)
			if err != nil {
				return err
			}
			rs, err := run.CurrentRatings(ctx)
			if err != nil {
				return err
			}
			return reports.WriteAgreementSummary(a.Stdout, review.CoverageOf(items, rs), as)
		},
	}
	c.Flags().BoolVar(&verbose, "verbose", false, "print every agreement statistic, not the short table per country")
	addStoreFlag(c, &storeURL)
	return c
}

// readCapped reads a file, refusing one larger than limit.
func readCapped(path string, limit int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s: %d MB; the limit is %d MB", path, st.Size()>>20, limit>>20)
	}
	return os.ReadFile(path)
}

// corrections counts the verdicts that correct a translation.
func corrections(rs []store.TranslationReview) int {
	n := 0
	for _, r := range rs {
		if r.Correction != "" {
			n++
		}
	}
	return n
}
