package audit

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/metrics"
	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/prompts"
)

func loadSpec(t testing.TB, text string) *spec.Audit {
	t.Helper()
	a, err := spec.Parse("test.yaml", []byte(text), os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func runAll(t testing.TB, a *spec.Audit, dir string, o Options) *Runner {
	t.Helper()
	p, err := NewPlan(a)
	if err != nil {
		t.Fatal(err)
	}
	o.Dir = dir
	r := NewRunner(p, o)
	t.Cleanup(func() { r.Close() })
	for _, st := range r.Stages() {
		if err := st.Run(context.Background()); err != nil {
			t.Fatalf("stage %s: %v", st.Name, err)
		}
	}
	return r
}

const biasSpec = `
name: bias
countries: [Korea, Kenya]
categories: [architecture, food, fashion]
prompt_sets: [country_specific, agnostic]
samples: 2
models:
  t2i:
    - name: t2i
      provider: sim
      sim: {bias: {default_culture: United States, fidelity: {Korea: 0.9, Kenya: 0.3}}}
  vlm:
    - {name: judge, provider: sim, sim: {noise: 0.05}}
  embedder:
    - {name: feat, provider: sim}
`

// TestBiasRecovered checks that the judge's score per country orders the
// injected fidelities with a clear gap, and that agnostic prompts land on
// the default culture.
func TestBiasRecovered(t *testing.T) {
	t.Parallel()
	r := runAll(t, loadSpec(t, biasSpec), t.TempDir(), Options{})
	acc := map[string]float64{}
	attr := map[string]float64{}
	for _, m := range r.Summary.Metrics {
		if m.Name == metrics.MetricVQAAccuracy && m.Chain == "" && m.Category == "" && m.Variant == "" && m.PromptSet == prompts.SetCountry {
			acc[m.Country] = m.Value
		}
		if m.Name == metrics.MetricAttribution && m.PromptSet == prompts.SetAgnostic {
			attr[m.Country] = m.Value
		}
	}
	t.Logf("accuracy %v, agnostic attribution %v", acc, attr)
	if acc["Korea"]-acc["Kenya"] < 0.3 {
		t.Errorf("Korea (fidelity 0.9) %.3f vs Kenya (0.3) %.3f: gap below 0.3", acc["Korea"], acc["Kenya"])
	}
	if attr["United States"] < 0.8 {
		t.Errorf("agnostic prompts attributed to the default culture %.2f of the time, want >= 0.8", attr["United States"])
	}
	if r.Summary.Items != r.Plan.Counts.Images || r.Summary.Failed != 0 {
		t.Errorf("items %d of %d, failed %d", r.Summary.Items, r.Plan.Counts.Images, r.Summary.Failed)
	}
}

func TestRerunMakesNoCalls(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := loadSpec(t, biasSpec+"  i2i: [{name: editor, provider: sim}]\nedit_chains: [{name: loop, kind: repeat, steps: 2, categories: [house]}]\n")
	first := runAll(t, a, dir, Options{})
	if first.Summary.CallsMade == 0 {
		t.Fatal("first run made no calls")
	}
	first.Close()
	second := runAll(t, a, dir, Options{})
	if second.Summary.CallsMade != 0 || second.Summary.CacheHits != 0 {
		t.Fatalf("re-run made %d calls, %d cache hits", second.Summary.CallsMade, second.Summary.CacheHits)
	}
	// Another run directory shares the cache: all hits, no calls.
	b := *a
	b.Output = "other"
	third := runAll(t, &b, dir, Options{})
	// Identical requests within the first run were already cache hits.
	if want := first.Summary.CallsMade + first.Summary.CacheHits; third.Summary.CallsMade != 0 || third.Summary.CacheHits != want {
		t.Fatalf("new run dir: %d calls, %d cache hits, want 0 and %d", third.Summary.CallsMade, third.Summary.CacheHits, want)
	}
	if err := third.Run.IntegrityCheck(context.Background()); err != nil {
		t.Fatal(err)
	}
	var n int
	third.Run.DB().QueryRow(`SELECT COUNT(*) FROM images WHERE kind = ?`, store.KindEdited).Scan(&n)
	if n == 0 {
		t.Fatal("no edits recorded")
	}
}

// Two simulated models that differ only in their bias must not share
// cached answers.
func TestCacheKeyIncludesSimOptions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := loadSpec(t, biasSpec)
	b := loadSpec(t, strings.Replace(biasSpec, "Korea: 0.9, Kenya: 0.3", "Korea: 0.2, Kenya: 0.3", 1))
	b.Output = "other"
	runAll(t, a, dir, Options{})
	second := runAll(t, b, dir, Options{})
	if second.Summary.CallsMade == 0 {
		t.Fatal("a model with another bias profile was answered from the cache")
	}
}

func loadSpecErr(text string) (*spec.Audit, error) {
	return spec.Parse("test.yaml", []byte(text), os.ReadFile)
}
