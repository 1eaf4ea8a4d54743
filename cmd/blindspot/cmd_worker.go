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
	var lease, wait time.Duration
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
			var stopping atomic.Bool
			a.onInterrupt(ctx, cancel, &stopping, "stopping: finishing units in flight (again to abort; unfinished units pass to other workers)", "")
			if err := a.waitForRun(ctx, storeURL, wait, stopping.Load); err != nil {
				return err
			}
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
	c.Flags().DurationVar(&wait, "wait", 10*time.Minute, "how long to wait for a run to appear in the store (and the database to accept connections); 0: not at all")
	return c
}

// waitPoll is how often a waiting worker looks for the run.
const waitPoll = time.Second

// waitForRun waits, up to wait, for the store to hold a run with its queue
// filled: workers started beside (or before) the run's coordinator, as a
// Kubernetes Job starts them, wait for it instead of failing. The
// database not accepting connections yet counts as no run yet.
func (a *App) waitForRun(ctx context.Context, storeURL string, wait time.Duration, stopping func() bool) error {
	start := time.Now()
	said := time.Time{}
	var last error
	for {
		ready, err := runReady(ctx, storeURL)
		if ready {
			if !said.IsZero() {
				fmt.Fprintf(a.Stderr, "blindspot: the run is there after %s\n", time.Since(start).Round(time.Second))
			}
			return nil
		}
		last = err
		if time.Since(start) >= wait {
			why := "no run appeared"
			if last != nil {
				why = last.Error()
			}
			return usageErr("%s holds no run yet (waited %s: %s): start one with blindspot run SPEC --store URL", store.Redacted(storeURL), wait, why)
		}
		if said.IsZero() || time.Since(said) >= 30*time.Second {
			fmt.Fprintf(a.Stderr, "blindspot: waiting for a run in %s (up to %s)\n", store.Redacted(storeURL), wait)
			said = time.Now()
		}
		select {
		case <-ctx.Done():
			return withCode(ExitInterrupted, errors.New("interrupted while waiting for a run"))
		case <-time.After(min(waitPoll, wait-time.Since(start))):
		}
		if stopping() {
			return withCode(ExitInterrupted, errors.New("interrupted while waiting for a run"))
		}
	}
}

// runReady reports whether the store holds a run whose queue is filled.
func runReady(ctx context.Context, storeURL string) (bool, error) {
	run, err := store.OpenRunAt(ctx, os.TempDir(), storeURL)
	if err != nil {
		return false, err
	}
	defer run.Close()
	info, err := run.Info(ctx)
	if err != nil || info.Spec == "" {
		return false, err
	}
	return run.QueueFilled(ctx)
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
