package main

import (
	"context"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/blindspot-audit/blindspot/audit/store"
)

// addStoreFlag adds --store, the PostgreSQL run store of commands that
// read or write one.
func addStoreFlag(c *cobra.Command, url *string) {
	c.Flags().StringVar(url, "store", "", "the run store in PostgreSQL (postgres://user@host/db?search_path=SCHEMA; password from PGPASSWORD) instead of RUN_DIR/store.db")
}

// openRun opens the run store of runDir, or the PostgreSQL store storeURL
// (runDir then only holds the report, sheets and exports). A missing
// SQLite store is a usage error unless create is set.
func (a *App) openRun(ctx context.Context, runDir, storeURL string, create bool) (*store.Run, error) {
	if storeURL != "" {
		if err := store.CheckStoreURL(storeURL); err != nil {
			return nil, usageErr("--store: %v", err)
		}
		return store.OpenRunAt(ctx, a.path(runDir), storeURL)
	}
	open := store.OpenRunReadOnly
	if create {
		open = store.OpenRun
	}
	run, err := open(a.path(runDir))
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return run, nil
}

// lockRun takes the run directory's lock for a command that writes the
// run (its report, sheets or ratings) while no other process may; a
// shared run on PostgreSQL takes none.
func (a *App) lockRun(runDir, storeURL, what string) (*store.DirLock, error) {
	if storeURL != "" {
		return nil, nil
	}
	if _, err := os.Stat(filepath.Join(a.path(runDir), store.StoreFile)); err != nil {
		return nil, nil // not a run: opening it says so
	}
	return store.LockDir(a.path(runDir), what)
}

// runDirArg accepts one run directory, or none when --store names the
// database that holds the run.
func runDirArg(c *cobra.Command, args []string) error {
	if len(args) == 1 || (len(args) == 0 && c.Flags().Changed("store")) {
		return nil
	}
	return usageErr("%s takes one run directory, or --store URL alone for the run that database holds (see '%s --help')", c.CommandPath(), c.CommandPath())
}

// runDirOf is the run directory named, or, with --store alone, the output
// folder the database's run was started with.
func (a *App) runDirOf(ctx context.Context, args []string, storeURL string) (string, error) {
	if len(args) == 1 {
		return args[0], nil
	}
	if err := store.CheckStoreURL(storeURL); err != nil {
		return "", usageErr("--store: %v", err)
	}
	run, err := store.OpenRunAt(ctx, os.TempDir(), storeURL)
	if err != nil {
		return "", err
	}
	defer run.Close()
	info, err := run.Info(ctx)
	if err != nil {
		return "", err
	}
	switch {
	case info.Spec == "":
		return "", usageErr("%s holds no run yet: start one with blindspot run SPEC --store URL", store.Redacted(storeURL))
	case info.Output == "":
		return "", usageErr("%s holds a run started by an earlier version, which did not record its output folder: give the run directory", store.Redacted(storeURL))
	}
	return info.Output, nil
}
