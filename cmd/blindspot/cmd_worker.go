package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/blindspot-audit/blindspot/audit"
	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/audit/store"
)

func (a *App) workerCmd() *cobra.Command {
	var storeURL, id, specFile string
	var lease time.Duration
	c := &cobra.Command{
		Use:   "worker --store postgres://...",
		Short: "Work on a run shared through a PostgreSQL store, beside any number of other workers",
		Long: "worker takes units (a base image with its judging, embedding and edit chains, or a story) from the queue that\n" +
			"`blindspot run SPEC --store URL` filled, and does them until none is left. Any number of workers, on any\n" +
			"machines, may work at once: a unit is leased while a worker holds it and passes to another when its\n" +
			"worker stops sending heartbeats for --lease. Requests per minute hold across all workers together. The\n" +
			"spec is the run's (stored with it), or --spec; files it names resolve against this machine's working\n" +
			"directory, API keys come from this machine's environment, and the response cache is the spec's\n" +
			"cache_dir on this machine.",
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			if storeURL == "" {
				return usageErr("worker needs --store postgres://...")
			}
			if err := store.CheckStoreURL(storeURL); err != nil {
				return usageErr("--store: %v", err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var p *audit.Plan
			var err error
			if specFile != "" {
				p, err = a.loadPlan(specFile)
			} else {
				p, err = a.storedPlan(ctx, storeURL)
			}
			if err != nil {
				return err
			}
			var stopping atomic.Bool
			a.onInterrupt(ctx, cancel, &stopping, "stopping: finishing units in flight (again to abort; unfinished units pass to other workers)", "")
			r := audit.NewRunner(p, audit.Options{Getenv: a.Getenv, Stopping: stopping.Load, Version: Version(), Dir: a.Dir,
				StoreURL: storeURL, Worker: true, Work: audit.WorkOptions{ID: id, Lease: lease}})
			defer r.Close()
			start := time.Now()
			for _, st := range r.Stages() {
				if err := st.Run(ctx); err != nil {
					return fmt.Errorf("%s: %w", st.Name, err)
				}
			}
			s := &r.Engine.Stats
			fmt.Fprintf(a.Stdout, "worker done in %s: %d calls made, %d cache hits, %d tasks already done, %d failed, %d refused\n",
				time.Since(start).Round(time.Millisecond), s.CallsMade.Load(), s.CacheHits.Load(), s.Resumed.Load(), s.Failed.Load(), s.Refused.Load())
			if errors.Is(r.Outcome, audit.ErrInterrupted) {
				return withCode(ExitInterrupted, errors.New(r.StopReason()))
			}
			if errors.Is(r.Outcome, audit.ErrBudgetReached) {
				return withCode(ExitBudget, errors.New(r.StopReason()))
			}
			return nil
		},
	}
	addStoreFlag(c, &storeURL)
	c.Flags().StringVar(&id, "id", "", "this worker's name in status (default: host and process id)")
	c.Flags().DurationVar(&lease, "lease", 30*time.Second, "how long a unit stays this worker's without a heartbeat")
	c.Flags().StringVar(&specFile, "spec", "", "the spec file (default: the spec stored with the run)")
	return c
}

// storedPlan is the plan of the spec a shared run was started with.
func (a *App) storedPlan(ctx context.Context, storeURL string) (*audit.Plan, error) {
	run, err := store.OpenRunAt(ctx, os.TempDir(), storeURL)
	if err != nil {
		return nil, err
	}
	info, err := run.Info(ctx)
	run.Close()
	if err != nil {
		return nil, err
	}
	raw, file := info.Spec, info.SpecFile
	if raw == "" {
		return nil, usageErr("%s holds no run yet: start one with blindspot run SPEC --store URL", store.Redacted(storeURL))
	}
	readFile := func(p string) ([]byte, error) { return spec.ReadFile(a.path(p)) }
	s, err := spec.Parse(file, []byte(raw), readFile)
	if err != nil {
		return nil, usageErr("the run's stored spec does not load here (pass --spec): %v", err)
	}
	p, err := audit.NewPlan(s)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return p, nil
}
