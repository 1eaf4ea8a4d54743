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

// envEChartsJS names a local echarts.min.js; when set, reports are built
// offline with it (as with report --offline --echarts FILE).
const envEChartsJS = "BLINDSPOT_ECHARTS_JS"

func (a *App) reportCmd() *cobra.Command {
	var out, echartsJS, cacheDir, storeURL string
	var offline bool
	c := &cobra.Command{
		Use:   "report RUN_DIR",
		Short: "Build the HTML report of a run from its store (no model is called)",
		Long: "report writes RUN_DIR/report (or --out DIR): index.html with charts, tables and a gallery, a page per prompt\n" +
			"group with the judge's questions, answers and retrieved notes, thumbnails and full images. Charts load\n" +
			"ECharts from its CDN; --offline copies a local echarts.min.js (--echarts FILE or $" + envEChartsJS + ",\n" +
			"e.g. node_modules/echarts/dist/echarts.min.js after `npm install echarts`) into the report instead.",
		Args: exactArgs(1, "one run directory"),
		RunE: func(c *cobra.Command, args []string) error {
			ctx := context.Background()
			if echartsJS == "" {
				echartsJS = a.Getenv(envEChartsJS)
			}
			if offline && echartsJS == "" {
				return usageErr("--offline needs a local echarts.min.js: pass --echarts FILE or set %s (npm install echarts; the file is node_modules/echarts/dist/echarts.min.js)", envEChartsJS)
			}
			if !offline && c.Flags().Changed("echarts") {
				offline = true
			}
			if !offline {
				echartsJS = ""
			}
			if echartsJS != "" {
				echartsJS = a.path(echartsJS)
			}
			lock, err := a.lockRun(args[0], storeURL, "report")
			if err != nil {
				return err
			}
			defer lock.Unlock()
			run, err := a.openRun(ctx, args[0], storeURL, false)
			if err != nil {
				return err
			}
			defer run.Close()
			cache, err := a.openImages(ctx, run, args[0], cacheDir)
			if err != nil {
				return err
			}
			defer cache.Close()
			s, err := metrics.Summarize(ctx, run)
			if err != nil {
				return err
			}
			s.RunDir = args[0]
			if out == "" {
				out = filepath.Join(args[0], "report")
			}
			path, err := reports.WriteHTML(ctx, run, cache.Blobs, s, reports.Options{Out: a.path(out), EChartsJS: echartsJS, Version: Version()})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "Report: %s\n", path)
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "report folder (default RUN_DIR/report)")
	c.Flags().BoolVar(&offline, "offline", false, "copy a local echarts.min.js into the report instead of loading it from the CDN")
	c.Flags().StringVar(&echartsJS, "echarts", "", "the local echarts.min.js for --offline (default $"+envEChartsJS+")")
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
