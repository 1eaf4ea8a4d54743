package audit

import (
	"context"
	"fmt"

	"github.com/blindspot-audit/blindspot/audit/store"
)

// Summary is what a run did and found, from the store (and, after a run,
// that run's own counters).
type Summary struct {
	RunDir string `json:"run_dir"`
	Name   string `json:"name"`
	// Status is "complete", "budget" (stopped at the cap), "interrupted" or
	// "recorded" (read back from a store).
	Status string `json:"status"`
	// Items is the number of images recorded successfully; ItemsPlanned the
	// number the grid asks for.
	Items        int `json:"items"`
	ItemsPlanned int `json:"items_planned"`
	// Counts of calls: for `run`, what this run did; for `summary`, every
	// call the store holds.
	CallsMade     int64            `json:"calls_made"`
	CacheHits     int64            `json:"cache_hits"`
	Resumed       int64            `json:"resumed_tasks"`
	Failed        int64            `json:"failed"`
	Refused       int64            `json:"refused"`
	BudgetSkipped int64            `json:"budget_skipped"`
	FailedByClass map[string]int64 `json:"failed_by_class"`
	CostUSD       float64          `json:"cost_usd"`
	// TotalCostUSD is what every run of this run directory has spent.
	TotalCostUSD float64        `json:"total_cost_usd"`
	Stages       []StageSummary `json:"stages"`
	Metrics      []store.Metric `json:"metrics"`
	Tests        []store.Test   `json:"tests"`
	// Agreement holds the native reviewers' agreement and its correlation
	// with the automatic metrics, once ratings are imported.
	Agreement []store.Agreement `json:"agreement,omitempty"`
	// Embedder is the endpoint whose image embeddings the diversity,
	// attribution and drift metrics use ("" without embeddings).
	Embedder string `json:"embedder,omitempty"`
}

// StageSummary counts the store's calls of one stage.
type StageSummary struct {
	Stage     string  `json:"stage"`
	Calls     int64   `json:"calls"`
	CacheHits int64   `json:"cache_hits"`
	Failed    int64   `json:"failed"`
	Refused   int64   `json:"refused"`
	CostUSD   float64 `json:"cost_usd"`
}

// Summarize reads a summary from the store.
func Summarize(ctx context.Context, run *store.Run) (*Summary, error) {
	s := &Summary{RunDir: run.Dir, Status: "recorded", FailedByClass: map[string]int64{}}
	db := run.DB()
	var err error
	if s.Name, err = run.Meta(ctx, "name"); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	var planned string
	if planned, err = run.Meta(ctx, "planned_images"); err == nil && planned != "" {
		fmt.Sscan(planned, &s.ItemsPlanned)
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM images WHERE status = 'ok'`).Scan(&s.Items); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	rows, err := db.QueryContext(ctx, `SELECT stage, SUM(CASE WHEN cache_hit = 0 AND status != 'skipped' THEN 1 ELSE 0 END), SUM(cache_hit),
		SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'refused' THEN 1 ELSE 0 END), SUM(cost_usd)
		FROM calls GROUP BY stage ORDER BY CASE stage WHEN 'generate' THEN 0 WHEN 'edit' THEN 1 WHEN 'judge' THEN 2 ELSE 3 END`)
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	for rows.Next() {
		var st StageSummary
		if err := rows.Scan(&st.Stage, &st.Calls, &st.CacheHits, &st.Failed, &st.Refused, &st.CostUSD); err != nil {
			rows.Close()
			return nil, fmt.Errorf("summary: %w", err)
		}
		s.Stages = append(s.Stages, st)
		s.CallsMade += st.Calls
		s.CacheHits += st.CacheHits
		s.Failed += st.Failed
		s.Refused += st.Refused
		s.CostUSD += st.CostUSD
	}
	rows.Close()
	s.TotalCostUSD = s.CostUSD
	rows, err = db.QueryContext(ctx, `SELECT error_class, COUNT(*) FROM calls WHERE status = 'failed' GROUP BY error_class ORDER BY error_class`)
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	for rows.Next() {
		var c string
		var n int64
		if err := rows.Scan(&c, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("summary: %w", err)
		}
		s.FailedByClass[c] = n
	}
	rows.Close()
	if s.Metrics, err = run.Metrics(ctx); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	if s.Tests, err = run.Tests(ctx); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	if s.Agreement, err = run.Agreements(ctx); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MIN(embedder), '') FROM embeddings`).Scan(&s.Embedder); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	return s, nil
}

// WithRunStats replaces the store's cumulative call counts by what this
// run did.
func (s *Summary) WithRunStats(st *Stats, status string) {
	s.Status = status
	s.CallsMade = st.CallsMade.Load()
	s.CacheHits = st.CacheHits.Load()
	s.Resumed = st.Resumed.Load()
	s.Failed = st.Failed.Load()
	s.Refused = st.Refused.Load()
	s.BudgetSkipped = st.BudgetSkip.Load()
	s.FailedByClass = st.FailedByClass()
	s.CostUSD = st.CostUSD()
}
