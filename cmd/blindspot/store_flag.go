package main

import (
	"context"

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
