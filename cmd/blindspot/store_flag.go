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
