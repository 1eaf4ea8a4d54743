package audit

import (
	"context"
	"fmt"

	"github.com/blindspot-audit/blindspot/audit/store"
)

// Metric names.
const (
	// MetricVQAAccuracy is the mean over images of the judge's per-image
	// accuracy (TP+TN)/answered.
	MetricVQAAccuracy = "vqa_accuracy"
	// MetricAttribution is the share of images the judge attributed to a
	// country (for agnostic prompts: the model's default culture).
	MetricAttribution = "attribution_share"
	// MetricRefusalRate and MetricFailureRate are shares of image calls.
	MetricRefusalRate = "refusal_rate"
	MetricFailureRate = "failure_rate"
)

// ComputeMetrics derives every metric from the run store alone and writes
// them back, replacing the previous set. It calls no model, so it can be
// re-run at will.
func ComputeMetrics(ctx context.Context, run *store.Run) ([]store.Metric, error) {
	queries := []struct {
		name string
		sql  string
	}{
		// Accuracy of generated images per model x prompt set x country.
		{MetricVQAAccuracy, `SELECT i.model, i.prompt_set, i.country, '', '', 0, AVG(s.accuracy), COUNT(s.accuracy)
			FROM images i JOIN scores s ON s.image_id = i.id
			WHERE i.kind = 't2i' AND s.accuracy IS NOT NULL GROUP BY i.model, i.prompt_set, i.country`},
		// Accuracy per edit step, by editor x chain x target country.
		{MetricVQAAccuracy, `SELECT i.model, i.prompt_set, i.target, '', i.chain, i.step, AVG(s.accuracy), COUNT(s.accuracy)
			FROM images i JOIN scores s ON s.image_id = i.id
			WHERE i.kind = 'edit' AND s.accuracy IS NOT NULL GROUP BY i.model, i.prompt_set, i.target, i.chain, i.step`},
		// Step 0 of each chain: the base images its first steps started from.
		{MetricVQAAccuracy, `SELECT c.model, c.prompt_set, c.target, '', c.chain, 0, AVG(s.accuracy), COUNT(s.accuracy)
			FROM images c JOIN images p ON p.id = c.parent_id JOIN scores s ON s.image_id = p.id
			WHERE c.kind = 'edit' AND c.step = 1 AND s.accuracy IS NOT NULL GROUP BY c.model, c.prompt_set, c.target, c.chain`},
		// Attribution of generated images, per model x prompt set x attributed country.
		{MetricAttribution, `SELECT i.model, i.prompt_set, s.attributed, '', '', 0,
				CAST(COUNT(*) AS REAL) / (SELECT COUNT(*) FROM images j JOIN scores t ON t.image_id = j.id
					WHERE j.kind = 't2i' AND j.model = i.model AND j.prompt_set = i.prompt_set AND t.attributed != ''),
				COUNT(*)
			FROM images i JOIN scores s ON s.image_id = i.id
			WHERE i.kind = 't2i' AND s.attributed != '' GROUP BY i.model, i.prompt_set, s.attributed`},
		// Refusal and failure rates per model x country, and per category.
		{MetricRefusalRate, `SELECT model, prompt_set, CASE WHEN kind = 'edit' THEN target ELSE country END, '', chain, 0,
				AVG(status = 'refused'), COUNT(*) FROM images GROUP BY model, prompt_set, 3, chain`},
		{MetricRefusalRate, `SELECT model, prompt_set, CASE WHEN kind = 'edit' THEN target ELSE country END, category, chain, 0,
				AVG(status = 'refused'), COUNT(*) FROM images GROUP BY model, prompt_set, 3, category, chain`},
		{MetricFailureRate, `SELECT model, prompt_set, CASE WHEN kind = 'edit' THEN target ELSE country END, '', chain, 0,
				AVG(status = 'failed'), COUNT(*) FROM images GROUP BY model, prompt_set, 3, chain`},
		{MetricFailureRate, `SELECT model, prompt_set, CASE WHEN kind = 'edit' THEN target ELSE country END, category, chain, 0,
				AVG(status = 'failed'), COUNT(*) FROM images GROUP BY model, prompt_set, 3, category, chain`},
	}
	var out []store.Metric
	for _, q := range queries {
		rows, err := run.DB().QueryContext(ctx, q.sql)
		if err != nil {
			return nil, fmt.Errorf("metric %s: %w", q.name, err)
		}
		for rows.Next() {
			m := store.Metric{Name: q.name}
			if err := rows.Scan(&m.Model, &m.PromptSet, &m.Country, &m.Category, &m.Chain, &m.Step, &m.Value, &m.N); err != nil {
				rows.Close()
				return nil, fmt.Errorf("metric %s: %w", q.name, err)
			}
			out = append(out, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("metric %s: %w", q.name, err)
		}
	}
	if err := run.ReplaceMetrics(out); err != nil {
		return nil, fmt.Errorf("storing metrics: %w", err)
	}
	return run.Metrics(ctx)
}
