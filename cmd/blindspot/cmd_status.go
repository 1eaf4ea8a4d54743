package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/blindspot-audit/blindspot/reports"
	"github.com/spf13/cobra"

	"github.com/blindspot-audit/blindspot/audit/store"
)

// Status is a shared run's progress across its workers (`status --json`).
type Status struct {
	Name  string            `json:"name"`
	Queue store.QueueCounts `json:"queue"`
	// Items are the images recorded, of ItemsPlanned (absent when the run
	// recorded no plan: not a 0).
	Items        int  `json:"items"`
	ItemsPlanned *int `json:"items_planned,omitempty"`
	// CallsMade were sent to an endpoint; CacheHits were answered from the
	// cache; CallsLastMinute were made in the last minute.
	CallsMade       int            `json:"calls_made"`
	CacheHits       int            `json:"cache_hits"`
	CallsLastMinute int            `json:"calls_last_minute"`
	Failed          int            `json:"failed_calls"`
	CostUSD         float64        `json:"cost_usd"`
	Workers         []store.Worker `json:"workers"`
	WorkersAlive    int            `json:"workers_alive"`
}

func (a *App) statusCmd() *cobra.Command {
	var storeURL string
	var asJSON bool
	c := &cobra.Command{
		Use:   "status --store postgres://...",
		Short: "Progress of a run shared through PostgreSQL: queue, workers alive, throughput, failures, cost",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			if storeURL == "" {
				return usageErr("status needs --store postgres://...")
			}
			ctx := context.Background()
			run, err := a.openRun(ctx, ".", storeURL, false)
			if err != nil {
				return err
			}
			defer run.Close()
			info, err := run.Info(ctx)
			if err != nil {
				return err
			}
			if info.Spec == "" {
				return usageErr("%s holds no run yet: start one with blindspot run SPEC --store URL", store.Redacted(storeURL))
			}
			s := Status{Name: info.Name}
			if info.PlannedImages > 0 {
				s.ItemsPlanned = &info.PlannedImages
			}
			if s.Queue, err = run.Queue(ctx); err != nil {
				return err
			}
			db := run.DB()
			if s.Items, err = db.CountOKImages(ctx); err != nil {
				return err
			}
			calls, err := db.CountCalls(ctx, time.Now().Add(-time.Minute))
			if err != nil {
				return err
			}
			s.CallsMade, s.CacheHits, s.Failed, s.CallsLastMinute = calls.Made, calls.CacheHits, calls.Failed, calls.MadeSince
			if s.CostUSD, err = run.SpentUSD(ctx); err != nil {
				return err
			}
			if s.Workers, err = run.Workers(ctx); err != nil {
				return err
			}
			for _, w := range s.Workers {
				if w.Alive {
					s.WorkersAlive++
				}
			}
			if asJSON {
				enc := json.NewEncoder(a.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(s)
			}
			planned := "?"
			if s.ItemsPlanned != nil {
				planned = fmt.Sprint(*s.ItemsPlanned)
			}
			fmt.Fprintf(a.Stdout, "Run %q: %d of %s images recorded; units %d done, %d running (%d with an expired lease), %d queued.\n",
				s.Name, s.Items, planned, s.Queue.Done, s.Queue.Running, s.Queue.Expired, s.Queue.Queued)
			fmt.Fprintf(a.Stdout, "Calls: %d made (%d in the last minute), %d answered from the cache, %d failed; cost $%.4f.\n",
				s.CallsMade, s.CallsLastMinute, s.CacheHits, s.Failed, s.CostUSD)
			t := reports.NewTable(a.Stdout)
			t.Header("Worker", "Host", "State", "Last seen", "Units done")
			for _, w := range s.Workers {
				state := "lost (no heartbeat within its lease)"
				switch {
				case w.Exited:
					state = "exited"
				case w.Alive:
					state = "alive"
				}
				if err := t.Append([]string{w.ID, w.Host, state, time.Since(w.SeenAt).Round(time.Second).String() + " ago", fmt.Sprint(w.UnitsDone)}); err != nil {
					return err
				}
			}
			return t.Render()
		},
	}
	addStoreFlag(c, &storeURL)
	c.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	return c
}
