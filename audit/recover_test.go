package audit

import (
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/metrics"
	"github.com/blindspot-audit/blindspot/prompts"
)

const recoverSpec = `
name: recover
countries: [Korea, Kenya, United States]
categories: [architecture, food]
prompt_sets: [country_specific, agnostic]
samples: 3
models:
  t2i:
    - name: t2i
      provider: sim
      sim: {bias: {default_culture: United States, fidelity: {Korea: 0.95, Kenya: 0.3, United States: 0.95}}}
  i2i:
    - name: editor
      provider: sim
      sim: {bias: {fidelity: {Korea: 0.6, Kenya: 0.3, United States: 0.95}}}
  vlm:
    - {name: judge, provider: sim, sim: {noise: 0.02}}
  embedder:
    - {name: feat, provider: sim}
edit_chains:
  - {name: loop, kind: repeat, steps: 5, categories: [architecture], seeds_per_prompt: 3}
`

// TestMetricsRecoverBias: on the simulator the metrics find the injected
// profile: agnostic prompts land on the default culture, fidelity falls
// over edit steps while SSIM to the previous step stays flat, and the
// low-fidelity country scores lower quality-weighted diversity.
func TestMetricsRecoverBias(t *testing.T) {
	t.Parallel()
	r := runAll(t, loadSpec(t, recoverSpec), t.TempDir(), Options{})
	get := func(name, set, country, chain string) (float64, bool) {
		for _, m := range r.Summary.Metrics {
			if m.Name == name && m.PromptSet == set && m.Country == country && m.Chain == chain && m.Category == "" && m.Variant == "" {
				return m.Value, true
			}
		}
		return 0, false
	}
	for _, name := range []string{metrics.MetricGlobalNorth, metrics.MetricGlobalNorthCentroid} {
		if v, ok := get(name, prompts.SetAgnostic, "", ""); !ok || v < 0.8 {
			t.Errorf("%s of agnostic prompts: %v (found %v), want >= 0.8", name, v, ok)
		}
	}
	slope, _ := get(metrics.MetricFidelitySlope, prompts.SetCountry, "Korea", "loop")
	flag, _ := get(metrics.MetricFlatButFalling, prompts.SetCountry, "Korea", "loop")
	ssimSlope, _ := get(metrics.MetricSSIMSlope, prompts.SetCountry, "Korea", "loop")
	t.Logf("Korea: fidelity slope %.3f per step, SSIM-to-previous slope %.3f, flag %v", slope, ssimSlope, flag)
	if slope >= -0.03 || flag != 1 {
		t.Errorf("Korea's chains: fidelity slope %.3f, flat-metric-falling-fidelity %v; want a clear fall, flagged", slope, flag)
	}
	korea, _ := get(metrics.MetricQualityVendi, prompts.SetCountry, "Korea", "")
	kenya, _ := get(metrics.MetricQualityVendi, prompts.SetCountry, "Kenya", "")
	t.Logf("quality-weighted Vendi: Korea %.3f, Kenya %.3f", korea, kenya)
	if korea <= kenya {
		t.Errorf("quality-weighted Vendi: Korea (fidelity 0.95) %.3f <= Kenya (0.3) %.3f", korea, kenya)
	}
}

func TestCulturalRatingsAsQuality(t *testing.T) {
	t.Parallel()
	spec := recoverSpec + "judge: {ratings: true}\nanalysis: {quality: cultural_rating}\n"
	r := runAll(t, loadSpec(t, spec), t.TempDir(), Options{})
	rating := map[string]float64{}
	qvs := map[string]bool{}
	for _, m := range r.Summary.Metrics {
		if m.PromptSet != prompts.SetCountry || m.Category != "" || m.Chain != "" {
			continue
		}
		switch m.Name {
		case metrics.MetricCulturalRating:
			rating[m.Country] = m.Value
		case metrics.MetricQualityVendi:
			qvs[m.Country] = true
		}
	}
	if rating["Korea"] <= rating["Kenya"]+1 || !qvs["Kenya"] {
		t.Fatalf("ratings %v, quality-weighted Vendi for %v", rating, qvs)
	}
	if _, err := loadSpecErr(recoverSpec + "analysis: {quality: cultural_rating}\n"); err == nil {
		t.Fatal("cultural_rating without judge.ratings accepted")
	}
}

func TestCLIPScore(t *testing.T) {
	t.Parallel()
	spec := strings.Replace(recoverSpec, "    - {name: feat, provider: sim}", "    - {name: clip, provider: sim, clip_score: true, sim: {clip: true}}", 1)
	a := loadSpec(t, spec)
	p, _ := NewPlan(a)
	r := runAll(t, a, t.TempDir(), Options{})
	clip := map[string]float64{}
	for _, m := range r.Summary.Metrics {
		if m.Name == metrics.MetricCLIPScore && m.Chain == "" && m.PromptSet == prompts.SetCountry {
			clip[m.Country] = m.Value
		}
	}
	t.Logf("CLIPScore %v", clip)
	if clip["Korea"] <= clip["Kenya"] || clip["Korea"] > 100 || clip["Kenya"] <= 0 {
		t.Fatalf("CLIPScore %v: the faithful country should align better", clip)
	}
	var texts int
	r.Run.DB().QueryRow(`SELECT COUNT(*) FROM text_embeddings`).Scan(&texts)
	if want := p.Counts.Embed - p.Counts.Images; texts != want {
		t.Fatalf("%d texts embedded, the plan counted %d", texts, want)
	}
	if _, err := loadSpecErr(strings.Replace(recoverSpec, "    - {name: feat, provider: sim}", "    - {name: clip, provider: sim, clip_score: true}", 1)); err == nil || !strings.Contains(err.Error(), "sim.clip") {
		t.Fatalf("clip_score without sim.clip: %v", err)
	}
}

func TestScorer(t *testing.T) {
	t.Parallel()
	spec := strings.Replace(recoverSpec, "edit_chains:", "  scorer:\n    - {name: aesthetic, provider: sim}\nedit_chains:", 1)
	a := loadSpec(t, spec)
	p, _ := NewPlan(a)
	r := runAll(t, a, t.TempDir(), Options{})
	var n, scored int
	for _, m := range r.Summary.Metrics {
		if m.Name == metrics.MetricAestheticScore && m.Chain == "" {
			n++
			if m.Value < 1 || m.Value > 10 || m.Category != "aesthetic" {
				t.Errorf("aesthetic score %+v", m)
			}
		}
	}
	r.Run.DB().QueryRow(`SELECT COUNT(*) FROM quality_scores`).Scan(&scored)
	if n != 4 || scored != p.Counts.Score || p.Counts.Score != p.Counts.Images {
		t.Fatalf("%d aesthetic metrics, %d scores, %d planned of %d images", n, scored, p.Counts.Score, p.Counts.Images)
	}
}

func TestLLMQuestions(t *testing.T) {
	t.Parallel()
	spec := strings.Replace(recoverSpec, "edit_chains:", "  llm:\n    - {name: writer, provider: sim}\nedit_chains:", 1) + "judge: {llm_questions: 4}\n"
	a := loadSpec(t, spec)
	p, _ := NewPlan(a)
	r := runAll(t, a, t.TempDir(), Options{})
	var cells, asked, llmCalls int
	r.Run.DB().QueryRow(`SELECT COUNT(DISTINCT cell_id) FROM llm_questions`).Scan(&cells)
	r.Run.DB().QueryRow(`SELECT COUNT(*) FROM answers WHERE kind = 'llm'`).Scan(&asked)
	r.Run.DB().QueryRow(`SELECT COUNT(*) FROM calls WHERE stage = 'questions' AND cache_hit = 0`).Scan(&llmCalls)
	if cells != p.Counts.LLM || llmCalls != p.Counts.LLM || asked == 0 {
		t.Fatalf("%d cells with questions, %d LLM calls, %d planned, %d answers", cells, llmCalls, p.Counts.LLM, asked)
	}
	acc := map[string]float64{}
	for _, m := range r.Summary.Metrics {
		if m.Name == metrics.MetricVQAAccuracy && m.Chain == "" && m.Category == "" && m.Variant == "" && m.PromptSet == prompts.SetCountry {
			acc[m.Country] = m.Value
		}
	}
	if acc["Korea"] <= acc["Kenya"]+0.3 {
		t.Fatalf("with LLM-written questions, accuracy %v", acc)
	}
}

// TestCUBEVendi: agnostic images all land on the default culture, so their
// geotag diversity is near 1; country-specific images spread over countries.
func TestCUBEVendi(t *testing.T) {
	t.Parallel()
	r := runAll(t, loadSpec(t, recoverSpec), t.TempDir(), Options{})
	cube := map[string]float64{}
	for _, m := range r.Summary.Metrics {
		if m.Name == metrics.MetricCUBEVendi {
			cube[m.PromptSet] = m.Value
		}
	}
	if v, ok := cube[prompts.SetAgnostic]; !ok || v > 2.5 {
		t.Fatalf("CUBE Vendi %v", cube)
	}
}
