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
	Model, Chain, Target string
	BestBase, WorstFinal *store.Metric
}

// Picks collects the best/worst pick metrics, in metric order.
func Picks(ms []store.Metric) []PickRow {
	var out []PickRow
	at := map[[3]string]int{}
	for _, m := range ms {
		if m.Name != metrics.MetricPickBestBase && m.Name != metrics.MetricPickWorstFinal {
			continue
		}
		k := [3]string{m.Model, m.Chain, m.Country}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, PickRow{Model: m.Model, Chain: m.Chain, Target: m.Country})
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
	t := newFitTable(w, 3)
	t.Header("Editor", "Chain", "Target", "Best is the unedited image", "Worst is the last step")
	for _, r := range rows {
		if err := t.Append([]string{r.Model, r.Chain, r.Target, cellOr(r.BestBase), cellOr(r.WorstFinal)}); err != nil {
			return err
		}
	}
	return t.Render()
}
