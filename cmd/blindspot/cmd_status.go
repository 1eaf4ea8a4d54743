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

// aliveWithin is how recent a heartbeat must be for a worker to count as
// alive.
const aliveWithin = time.Minute

// Status is a shared run's progress across its workers.
type Status struct {
	Name         string            `json:"name"`
	Queue        store.QueueCounts `json:"queue"`
	Items        int               `json:"items"`
	ItemsPlanned string            `json:"items_planned"`
	CallsPerMin  int               `json:"calls_last_minute"`
	Calls        int               `json:"calls"`
	Failed       int               `json:"failed_calls"`
	CostUSD      float64           `json:"cost_usd"`
	Workers      []store.Worker    `json:"workers"`
	WorkersAlive int               `json:"workers_alive"`
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
			var s Status
			info, err := run.Info(ctx)
			if err != nil {
				return err
			}
			s.Name = info.Name
			if info.PlannedImages > 0 {
				s.ItemsPlanned = fmt.Sprint(info.PlannedImages)
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
			s.Calls, s.Failed, s.CallsPerMin = calls.All, calls.Failed, calls.Since
			if s.CostUSD, err = run.SpentUSD(ctx); err != nil {
				return err
			}
			if s.Workers, err = run.Workers(ctx); err != nil {
				return err
			}
			for _, w := range s.Workers {
				if time.Since(w.SeenAt) < aliveWithin {
					s.WorkersAlive++
				}
			}
			if asJSON {
				enc := json.NewEncoder(a.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(s)
			}
			fmt.Fprintf(a.Stdout, "Run %q: %d of %s images recorded; units %d done, %d running (%d with an expired lease), %d queued.\n",
				s.Name, s.Items, s.ItemsPlanned, s.Queue.Done, s.Queue.Running, s.Queue.Expired, s.Queue.Queued)
			fmt.Fprintf(a.Stdout, "Calls: %d in all, %d in the last minute, %d failed; cost $%.4f.\n", s.Calls, s.CallsPerMin, s.Failed, s.CostUSD)
			t := reports.NewTable(a.Stdout)
			t.Header("Worker", "Host", "Alive", "Last seen", "Units done")
			for _, w := range s.Workers {
				alive := "no"
				if time.Since(w.SeenAt) < aliveWithin {
					alive = "yes"
				}
				if err := t.Append([]string{w.ID, w.Host, alive, time.Since(w.SeenAt).Round(time.Second).String() + " ago", fmt.Sprint(w.JobsDone)}); err != nil {
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
