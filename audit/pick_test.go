package audit

import (
	"context"
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/metrics"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/prompts"
)

// TestBestWorstPick: every finished chain gets one pick per judge over
// the configured steps, with the retrieved notes in its prompt; the judge
// finds the base image best and the last step worst where the editor
// loses the culture (Kenya), and a restyle's base (another culture) worst.
func TestBestWorstPick(t *testing.T) {
	t.Parallel()
	spec := recoverSpec + `  - {name: restyle, kind: restyle, steps: 3, targets: [Kenya], categories: [food], seeds_per_prompt: 1}
judge: {best_worst: [0, 1, 3, 5]}
`
	a := loadSpec(t, spec)
	r := runAll(t, a, t.TempDir(), Options{})
	if r.Plan.Counts.Picks == 0 {
		t.Fatal("no picks planned")
	}
	picks, err := r.Run.Picks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(picks) != r.Plan.Counts.Picks {
		t.Fatalf("%d picks recorded, %d planned", len(picks), r.Plan.Counts.Picks)
	}
	for _, p := range picks {
		// the restyle chain has 3 steps, so step 5 is left out of its picks
		if got := store.JoinSteps(p.Steps); got != "0,1,3,5" && got != "0,1,3" {
			t.Errorf("pick of %s over steps %s", p.ChainID, got)
		}
		if len(p.ImageIDs) != len(p.Steps) || !strings.Contains(p.Context, "Reference notes") || p.Parsed == "unparsed" {
			t.Errorf("pick %+v: images, context or answer missing", p)
		}
	}
	get := func(name, country, chain string) float64 {
		for _, m := range r.Summary.Metrics {
			if m.Name == name && m.Country == country && m.Chain == chain && m.PromptSet == prompts.SetCountry {
				return m.Value
			}
		}
		t.Fatalf("no %s for %s %s", name, country, chain)
		return 0
	}
	rb := get(metrics.MetricPickBestBase, "Kenya", "restyle")
	rw := get(metrics.MetricPickWorstFinal, "Kenya", "restyle")
	t.Logf("restyle to Kenya: best=base %.2f, worst=final %.2f", rb, rw)
	if rb > 0.2 {
		t.Errorf("restyle to Kenya: the judge found the unedited image best in %.2f of chains, want <= 0.2", rb)
	}
	// Within a repeat chain (one target culture) the image picked best
	// should answer the culture questions better than the one picked
	// worst. (A restyle's base is judged against its own culture.)
	acc := map[string]float64{}
	rows, err := r.Run.DB().Query(`SELECT image_id, accuracy FROM scores WHERE accuracy IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var v float64
		rows.Scan(&id, &v)
		acc[id] = v
	}
	rows.Close()
	gap, n := 0.0, 0
	for _, p := range picks {
		if p.BestStep < 0 || len(p.Steps) != 4 {
			continue
		}
		at := func(step int) string {
			for i, s := range p.Steps {
				if s == step {
					return p.ImageIDs[i]
				}
			}
			return ""
		}
		lo, hi := 1.0, 0.0
		for _, id := range p.ImageIDs {
			lo, hi = min(lo, acc[id]), max(hi, acc[id])
		}
		if hi-lo < 0.5 {
			continue
		}
		gap += acc[at(p.BestStep)] - acc[at(p.WorstStep)]
		n++
	}
	gap /= float64(n)
	t.Logf("judge accuracy of best minus worst pick: %.2f over %d repeat-chain picks with a spread >= 0.5", gap, n)
	if n < 10 || gap < 0.5 {
		t.Errorf("accuracy gap best-worst %.2f over %d discriminating picks; want >= 0.5 over >= 10", gap, n)
	}
}
