package audit

import (
	"context"
	"math"
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
