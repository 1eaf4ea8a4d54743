package metrics

import (
	"context"

	"github.com/blindspot-audit/blindspot/audit/store"
)

// Best/worst pick metrics, per editor x chain x target country over the
// judge's valid picks: how often it finds the unedited image the most
// faithful, and the last step shown the least. Both near 1 mean the judge
// sees the culture fade along the chain.
const (
	MetricPickBestBase   = "pick_best_base_share"
	MetricPickWorstFinal = "pick_worst_final_share"
)

func pickMetrics(ctx context.Context, run *store.Run, recs []*record) ([]store.Metric, error) {
	picks, err := run.Picks(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*record, len(recs))
	for _, r := range recs {
		byID[r.id] = r
	}
	var g groups
	for _, p := range picks {
		r := byID[p.ChainID]
		if r == nil {
			continue
		}
		key := store.Metric{Model: r.model, BaseModel: r.base, PromptSet: r.set, Country: p.Target, Chain: r.chain}
		if p.BestStep < 0 {
			// An unreadable or refused pick is missing data.
			for _, name := range []string{MetricPickBestBase, MetricPickWorstFinal} {
				key.Name = name
				g.answer(key, nil, 0, 1)
			}
			continue
		}
		best := 0.0
		if p.BestStep == p.Steps[0] {
			best = 1
		}
		worst := 0.0
		if p.WorstStep == p.Steps[len(p.Steps)-1] {
			worst = 1
		}
		key.Name = MetricPickBestBase
		g.answerOne(key, best, true)
		key.Name = MetricPickWorstFinal
		g.answerOne(key, worst, true)
	}
	return g.means(), nil
}
