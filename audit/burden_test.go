package audit

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/metrics"
	"github.com/blindspot-audit/blindspot/audit/spec"
)

// TestBurdenKnownAnswer runs edit chains on the simulator with a known
// chance of reaching the target culture: a base image shows it with the
// text-to-image fidelity f0, and each edit of an image that does not
// redraws it so with the editor's fidelity p (edit strength 1), so the
// first acceptable step T is 0 with probability f0 and t >= 1 with
// probability (1-f0)(1-p)^(t-1) p. The judge answers without noise, so
// an image of the target culture is the acceptable one. Hence
// S(t) = P(T > t) = (1-f0)(1-p)^t, the restricted mean steps over L edits
// is sum_{t<L} S(t) = (1-f0)(1-(1-p)^L)/p and the share never acceptable
// is S(L); the audit must recover them within its intervals.
func TestBurdenKnownAnswer(t *testing.T) {
	const steps = 4
	a := loadSpec(t, `name: burden
countries: [Kenya, Korea]
categories: [architecture]
prompt_sets: [country_specific]
samples: 30
models:
  t2i:
    - name: t2i
      provider: sim
      sim:
        bias:
          fidelity: {Kenya: 0.3, Korea: 0.6}
          era_fidelity: 1
  i2i:
    - name: editor
      provider: sim
      sim:
        edit_strength: 1
        bias:
          fidelity: {Kenya: 0.5, Korea: 0.8}
          era_fidelity: 1
  vlm:
    - {name: judge, provider: sim, sim: {noise: 0}}
edit_chains:
  - {name: loop, kind: repeat, steps: 4, seeds_per_prompt: 30}
judge: {ratings: true}
analysis:
  acceptable: {judge_accuracy: 0.75, judge_rating: 4}
`)
	r := runAll(t, a, t.TempDir(), Options{})
	ms, err := r.Run.Metrics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	src := spec.SourceJudgeAccuracy
	for _, c := range []struct {
		country string
		f0, p   float64
	}{{"Kenya", 0.3, 0.5}, {"Korea", 0.6, 0.8}} {
		notYet := func(t int) float64 { return (1 - c.f0) * math.Pow(1-c.p, float64(t)) }
		want := map[string]float64{
			metrics.BurdenStep0:     c.f0,
			metrics.BurdenMeanSteps: (1 - c.f0) * (1 - math.Pow(1-c.p, steps)) / c.p,
			metrics.BurdenNever:     notYet(steps),
		}
		seen := 0
		for _, m := range ms {
			if m.Country != c.country || m.Category != "" || m.Model != "editor" {
				continue
			}
			for name, w := range want {
				if m.Name != metrics.BurdenName(name, src) {
					continue
				}
				seen++
				if m.CILow == nil || w < *m.CILow-1e-9 || w > *m.CIHigh+1e-9 {
					t.Errorf("%s %s: %.3f [%v, %v], want %.3f inside the interval", c.country, name, m.Value, fmtp(m.CILow), fmtp(m.CIHigh), w)
				} else {
					t.Logf("%s %s: %.3f [%.3f, %.3f] n=%d, analytic %.3f", c.country, name, m.Value, *m.CILow, *m.CIHigh, m.N, w)
				}
			}
		}
		if seen != len(want) {
			t.Errorf("%s: %d of the %d burden measures found", c.country, seen, len(want))
		}
	}
	// The injected gap (1.31 against 0.50 mean steps) is found by the test
	// between the two countries.
	tests, err := r.Run.Tests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ts := range tests {
		if ts.Metric == metrics.BurdenTestName(src, "loop") && ts.A == "Kenya" && ts.B == "Korea" {
			found = true
			if ts.PHolm >= 0.05 || ts.Diff <= 0 {
				t.Errorf("Kenya against Korea: diff %.3f, Holm p %.4f; want Kenya's burden higher, p < 0.05", ts.Diff, ts.PHolm)
			}
		}
	}
	if !found {
		t.Error("no burden test between Kenya and Korea")
	}
	// The judge's accuracy and its rating read the same images: their
	// verdicts agree.
	agreed := false
	for _, m := range ms {
		if m.Name == metrics.BurdenName(metrics.BurdenAgreement, spec.SourceJudgeAccuracy+"~"+spec.SourceJudgeRating) && m.Model == "editor" {
			agreed = true
			if m.Value < 0.6 || m.N < 300 {
				t.Errorf("agreement of accuracy and rating: alpha %.2f over %d images, want >= 0.6 over the chains' images", m.Value, m.N)
			}
			t.Logf("agreement of accuracy and rating: alpha %.2f over %d images", m.Value, m.N)
		}
	}
	if !agreed {
		t.Error("no agreement between the two sources")
	}
	sum, err := metrics.Summarize(context.Background(), r.Run)
	if err != nil {
		t.Fatal(err)
	}
	var burden []string
	for _, f := range metrics.Findings(sum) {
		if f.Kind == "burden_gap" {
			burden = append(burden, f.Text)
		}
	}
	if len(burden) != 2 || !strings.Contains(burden[0], "an image of Kenya took") || !strings.Contains(burden[0], "for Korea") {
		t.Errorf("burden findings %q, want one per source: Kenya's images took more edits than Korea's", burden)
	}
}

func fmtp(v *float64) any {
	if v == nil {
		return "none"
	}
	return *v
}

// TestBurdenPerBaseModel: an editor's chains that start from two
// text-to-image models' images are two burdens, not one. One model always
// draws the target culture, so its chains are acceptable at step 0; the
// other never does, so its chains follow the editor's chance p alone:
// mean edits (1-(1-p)^L)/p and never S(L) = (1-p)^L. Pooled, both would
// read about half acceptable at step 0.
func TestBurdenPerBaseModel(t *testing.T) {
	const steps, p = 3, 0.5
	a := loadSpec(t, `name: bases
countries: [Kenya, Korea]
categories: [architecture]
prompt_sets: [country_specific]
samples: 12
models:
  t2i:
    - {name: always, provider: sim, sim: {bias: {default_fidelity: 1, era_fidelity: 1}}}
    - {name: never, provider: sim, sim: {bias: {default_fidelity: 0, era_fidelity: 1}}}
  i2i:
    - {name: editor, provider: sim, sim: {edit_strength: 1, bias: {default_fidelity: 0.5, era_fidelity: 1}}}
  vlm:
    - {name: judge, provider: sim, sim: {noise: 0}}
edit_chains:
  - {name: loop, kind: repeat, steps: 3, seeds_per_prompt: 12}
`)
	r := runAll(t, a, t.TempDir(), Options{})
	ctx := context.Background()
	ms, err := r.Run.Metrics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	src := spec.SourceJudgeAccuracy
	want := map[string]map[string]float64{
		"always": {metrics.BurdenStep0: 1, metrics.BurdenMeanSteps: 0, metrics.BurdenNever: 0},
		"never":  {metrics.BurdenStep0: 0, metrics.BurdenMeanSteps: (1 - math.Pow(1-p, steps)) / p, metrics.BurdenNever: math.Pow(1-p, steps)},
	}
	chains := map[string]int{}
	for _, m := range ms {
		measure, source, ok := metrics.SplitBurdenName(m.Name)
		if !ok || source != src || m.Category != "" || measure == metrics.BurdenNotYet {
			continue
		}
		w, ok := want[m.BaseModel][measure]
		if !ok {
			t.Errorf("%s of %s's chains toward %s: a base model not in the audit", m.Name, m.BaseModel, m.Country)
			continue
		}
		chains[m.BaseModel+" "+m.Country] = m.N
		lo, hi := m.Value, m.Value
		if m.CILow != nil {
			lo, hi = *m.CILow, *m.CIHigh
		}
		t.Logf("%s's images, %s, %s: %.3f [%.3f, %.3f] n=%d, analytic %.3f", m.BaseModel, m.Country, measure, m.Value, lo, hi, m.N, w)
		if w < lo-1e-9 || w > hi+1e-9 {
			t.Errorf("%s's images, %s, %s: %.3f [%.3f, %.3f], want %.3f inside", m.BaseModel, m.Country, measure, m.Value, lo, hi, w)
		}
	}
	if len(chains) != 4 || chains["always Kenya"] != chains["never Kenya"] || chains["always Kenya"] == 0 {
		t.Errorf("chains per base model and country: %v", chains)
	}
	tests, err := r.Run.Tests(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bases := map[string]bool{}
	for _, x := range tests {
		if x.Metric == metrics.BurdenTestName(src, "loop") {
			bases[x.BaseModel] = true
		}
	}
	if !bases["always"] || !bases["never"] || len(bases) != 2 {
		t.Errorf("burden tests by base model: %v", bases)
	}
	// The other chain measures keep the two models' chains apart too: the
	// judge's accuracy at step 0 is each model's own.
	step0 := map[string]float64{}
	for _, m := range ms {
		if m.Name == metrics.MetricVQAAccuracy && m.Chain == "loop" && m.Step == 0 && m.Category == "" && m.Variant == "" {
			step0[m.BaseModel+" "+m.Country] = m.Value
		}
	}
	if len(step0) != 4 || step0["always Kenya"] < 0.99 || step0["never Kenya"] > 0.01 {
		t.Errorf("judge accuracy at step 0 of the chains, by base model: %v; want 1 for always's, 0 for never's", step0)
	}
	slopes := 0
	for _, m := range ms {
		if m.Name == metrics.MetricFidelitySlope && m.Chain == "loop" {
			slopes++
			if m.BaseModel == "" {
				t.Errorf("a fidelity slope without its base model: %+v", m)
			}
		}
	}
	if slopes != 4 {
		t.Errorf("%d fidelity slopes, want one per base model and target (4)", slopes)
	}
}

// TestNoMetricsSaysWhy: a run with images but no stored metrics (an
// interrupted run, or metrics a newer version set aside when their table
// changed shape) says so, instead of showing an empty summary.
func TestNoMetricsSaysWhy(t *testing.T) {
	r := runAll(t, loadSpec(t, `name: nometrics
countries: [Kenya]
categories: [architecture]
samples: 1
models:
  t2i: [{name: t2i, provider: sim}]
  vlm: [{name: judge, provider: sim}]
`), t.TempDir(), Options{})
	ctx := context.Background()
	for _, clear := range []bool{false, true} {
		if clear {
			if err := r.Run.ReplaceMetrics(nil, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		s, err := metrics.Summarize(ctx, r.Run)
		if err != nil {
			t.Fatal(err)
		}
		if said := slices.Contains(s.Notices, metrics.NoMetricsNotice); said != clear {
			t.Errorf("metrics cleared %v: the notice said %v (%d metrics, %d images)", clear, said, len(s.Metrics), s.Items)
		}
	}
}
