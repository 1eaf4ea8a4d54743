package reports

import (
	"fmt"
	"io"

	"github.com/blindspot-audit/blindspot/audit/metrics"
	"github.com/blindspot-audit/blindspot/audit/store"
)

// PickRow is the judge's best/worst picks over one editor's chain and
// target country.
type PickRow struct {
	// Model is the editor; Base the text-to-image model whose images its
	// chains start from.
	Model, Base, Chain, Target string
	BestBase, WorstFinal       *store.Metric
}

// Picks collects the best/worst pick metrics, in metric order.
func Picks(ms []store.Metric) []PickRow {
	var out []PickRow
	at := map[[4]string]int{}
	for _, m := range ms {
		if m.Name != metrics.MetricPickBestBase && m.Name != metrics.MetricPickWorstFinal {
			continue
		}
		k := [4]string{m.Model, m.BaseModel, m.Chain, m.Country}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, PickRow{Model: m.Model, Base: m.BaseModel, Chain: m.Chain, Target: m.Country})
		}
		m := m
		if m.Name == metrics.MetricPickBestBase {
			out[i].BestBase = &m
		} else {
			out[i].WorstFinal = &m
		}
	}
	return out
}

func writePicks(w io.Writer, rows []PickRow) error {
	fmt.Fprintln(w, "\nThe judge's best/worst pick among steps of each edit chain (share of chains, 95% CI):")
	bases := severalBases(rows, func(r PickRow) (string, string) { return r.Model, r.Base })
	t := newFitTable(w, 3+b2i(bases))
	t.Header(withBase([]string{"Editor", "Chain", "Target", "Best is the unedited image", "Worst is the last step"}, bases, "Images of")...)
	for _, r := range rows {
		if err := t.Append(withBase([]string{r.Model, r.Chain, r.Target, cellOr(r.BestBase), cellOr(r.WorstFinal)}, bases, r.Base)); err != nil {
			return err
		}
	}
	return t.Render()
}
