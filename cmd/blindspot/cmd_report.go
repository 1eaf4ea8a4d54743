package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/blindspot-audit/blindspot/audit/metrics"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/reports"
)

// envEChartsJS names a local echarts.min.js; when set, reports carry it
// instead of the copy built into Blindspot (as with report --echarts FILE).
const envEChartsJS = "BLINDSPOT_ECHARTS_JS"

func (a *App) reportCmd() *cobra.Command {
	var out, echartsJS, cacheDir, storeURL string
	var offline, cdn bool
	c := &cobra.Command{
		Use:   "report RUN_DIR (or --store URL alone)",
		Short: "Build the HTML report of a run from its store (no model is called)",
		Long: "report writes RUN_DIR/report (or --out DIR): index.html with charts, tables and a gallery, a page per prompt\n" +
			"group with the judge's questions, answers and retrieved notes, thumbnails and full images. The report\n" +
			"carries its own copy of ECharts (Apache-2.0, with its licence notice), so its charts draw with no network;\n" +
			"--echarts FILE (or $" + envEChartsJS + ") copies another echarts.min.js, --cdn loads ECharts from its CDN instead.",
		Args: runDirArg,
		RunE: func(c *cobra.Command, args []string) error {
			dir, err := a.runDirOf(context.Background(), args, storeURL)
			if err != nil {
				return err
			}
			ctx := context.Background()
			if echartsJS == "" {
				echartsJS = a.Getenv(envEChartsJS)
			}
			if cdn && (offline || c.Flags().Changed("echarts")) {
				return usageErr("--cdn loads ECharts from the network; it cannot go with --offline or --echarts")
			}
			if cdn {
				echartsJS = ""
			}
			if echartsJS != "" {
				echartsJS = a.path(echartsJS)
			}
			lock, err := a.lockRun(dir, storeURL, "report")
			if err != nil {
				return err
			}
			defer lock.Unlock()
			run, err := a.openRun(ctx, dir, storeURL, false)
			if err != nil {
				return err
			}
			defer run.Close()
			cache, err := a.openImages(ctx, run, dir, cacheDir)
			if err != nil {
				return err
			}
			defer cache.Close()
			s, err := metrics.Summarize(ctx, run)
			if err != nil {
				return err
			}
			s.RunDir = dir
			if out == "" {
				out = filepath.Join(dir, "report")
			}
			path, err := reports.WriteHTML(ctx, run, cache.Blobs, s, reports.Options{Out: a.path(out), EChartsJS: echartsJS, CDN: cdn, Version: Version()})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "Report: %s\n", a.shown(path))
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "report folder (default RUN_DIR/report)")
	c.Flags().BoolVar(&offline, "offline", false, "draw charts with no network (the default; kept for scripts that pass it)")
	c.Flags().BoolVar(&cdn, "cdn", false, "load ECharts from its CDN instead of carrying a copy (a smaller report that needs the network)")
	c.Flags().StringVar(&echartsJS, "echarts", "", "an echarts.min.js to carry instead of the built-in copy (default $"+envEChartsJS+")")
	c.Flags().StringVar(&cacheDir, "cache", "", "the cache folder holding the run's images (default: the one the run used)")
	addStoreFlag(c, &storeURL)
	return c
}

// openImages opens the cache holding a run's images: --cache DIR, or the
// folder the run recorded.
func (a *App) openImages(ctx context.Context, run *store.Run, runDir, cacheDir string) (*store.Cache, error) {
	if cacheDir == "" {
		info, err := run.Info(ctx)
		if cacheDir = info.CacheDir; err != nil || cacheDir == "" {
			return nil, usageErr("%s: the store does not say where its images are; pass --cache DIR", runDir)
		}
	}
	if store.IsBucketURL(cacheDir) {
		return store.OpenCacheAt(ctx, cacheDir)
	}
	cacheDir = a.path(cacheDir)
	if _, err := os.Stat(filepath.Join(cacheDir, "cache.db")); err != nil {
		return nil, usageErr("the run's images are in %s, which has no cache.db (pass --cache DIR if it moved): %v", cacheDir, err)
	}
	return store.OpenCache(cacheDir)
}
