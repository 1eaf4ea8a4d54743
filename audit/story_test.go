package audit

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/metrics"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/prompts"
)

const storySpec = `
name: stories
countries: [India, Kenya, Korea, United States]
categories: [food]
variants: [general]
models:
  t2i: [{name: t2i, provider: sim}]
  vlm: [{name: judge, provider: sim}]
  llm:
    - {name: writer, provider: sim, sim: {leak: 0.3, bias: {default_culture: United States}}}
stories:
  samples: 10
  scenes: 2
  rate: true
`

// TestStoryAuditRecoversLeak: with 30% of culturally specific items leaking
// from the default culture, the measured leakage per nationality is 0.30
// within a few points (0 for the default culture itself); the chain draws
// and judges scenes; similarity and distinctive words are stored.
func TestStoryAuditRecoversLeak(t *testing.T) {
	t.Parallel()
	a := loadSpec(t, storySpec)
	r := runAll(t, a, t.TempDir(), Options{})
	if got := r.Plan.Counts.Stories; got != 4*len(prompts.DefaultConcepts)*10 {
		t.Fatalf("%d stories planned", got)
	}
	ctx := context.Background()
	stories, err := r.Run.Stories(ctx)
	if err != nil || len(stories) != r.Plan.Counts.Stories {
		t.Fatalf("%d stories stored (%v)", len(stories), err)
	}
	get := func(name, country, kind string) store.Metric {
		for _, m := range r.Summary.Metrics {
			if m.Name == name && m.Country == country && m.Category == kind && m.PromptSet == "story" {
				return m
			}
		}
		t.Fatalf("no %s for %s %s", name, country, kind)
		return store.Metric{}
	}
	for _, c := range []string{"India", "Kenya", "Korea"} {
		m := get(metrics.MetricCSILeakage, c, "")
		t.Logf("%s: leakage %.3f [%.3f, %.3f] over %d stories; names %.3f; density %.1f per 100 words; rating %.2f",
			c, m.Value, *m.CILow, *m.CIHigh, m.N, get(metrics.MetricCSILeakage, c, "names").Value, get(metrics.MetricCSIDensity, c, "").Value, get(metrics.MetricStoryRating, c, "").Value)
		if math.Abs(m.Value-0.3) > 0.05 {
			t.Errorf("%s: leakage %.3f, injected 0.30", c, m.Value)
		}
	}
	if us := get(metrics.MetricCSILeakage, "United States", ""); us.Value != 0 {
		t.Errorf("the default culture leaks into itself: %.3f", us.Value)
	}
	if within, across := get(metrics.MetricStorySimWithin, "Kenya", ""), get(metrics.MetricStorySimAcross, "Kenya", ""); within.Value <= across.Value {
		t.Errorf("Kenyan stories are no more alike (%.3f) than they are like others (%.3f)", within.Value, across.Value)
	}
	sims, words, err := r.Run.StoryAnalysis(ctx)
	if err != nil || len(sims) != 16 || len(words) == 0 {
		t.Fatalf("story analysis: %d similarities, %d words, %v", len(sims), len(words), err)
	}
	var kenyan []string
	for _, w := range words {
		if w.Country == "Kenya" && w.Rank <= 5 {
			kenyan = append(kenyan, w.Word)
		}
	}
	t.Logf("distinctive Kenyan words: %v", kenyan)
	if !strings.Contains(strings.Join(kenyan, " "), "shamba") && !strings.Contains(strings.Join(kenyan, " "), "ugali") && !strings.Contains(strings.Join(kenyan, " "), "victoria") {
		t.Errorf("distinctive Kenyan words %v name nothing Kenyan", kenyan)
	}
	// The chain: characters, scene prompts, scenes drawn and judged.
	var scenes, judged int
	r.Run.DB().QueryRow(`SELECT COUNT(*) FROM images WHERE prompt_set = ? AND status = 'ok'`, prompts.SetStoryScene).Scan(&scenes)
	r.Run.DB().QueryRow(`SELECT COUNT(*) FROM scores s JOIN images i ON i.id = s.image_id WHERE i.prompt_set = ?`, prompts.SetStoryScene).Scan(&judged)
	withChars, prompted := 0, 0
	for _, s := range stories {
		if len(s.Characters) > 0 && len(s.ScenePrompts) == len(s.Characters) {
			withChars++
		}
		prompted += len(s.ScenePrompts)
	}
	t.Logf("%d of %d stories with characters and scene prompts; %d scenes drawn, %d judged", withChars, len(stories), scenes, judged)
	if withChars != len(stories) || scenes != prompted || scenes < len(stories) || judged != scenes {
		t.Errorf("chain: %d stories with characters, %d scenes, %d judged", withChars, scenes, judged)
	}
	// A second run (after the first has let go of the run) calls nothing.
	r.Close()
	r2 := runAll(t, loadSpec(t, storySpec), r.Opts.Dir, Options{})
	if made := r2.Engine.Stats.CallsMade.Load(); made != 0 {
		t.Errorf("second run made %d calls", made)
	}
}

// TestImageConditionedStories: the VLM writes each story from a picture of
// the culture; where the image model draws the default culture instead
// (Kenya at fidelity 0.2), the stories lose their culture with it.
func TestImageConditionedStories(t *testing.T) {
	t.Parallel()
	spec := strings.Replace(storySpec, "  t2i: [{name: t2i, provider: sim}]", "  t2i: [{name: t2i, provider: sim, sim: {bias: {default_culture: United States, fidelity: {Kenya: 0.2, Korea: 0.95}}}}]", 1)
	spec = strings.Replace(spec, "  scenes: 2\n  rate: true\n", "  image_conditioned: true\n  samples: 8\n", 1)
	spec = strings.Replace(spec, "  samples: 10\n", "", 1)
	r := runAll(t, loadSpec(t, spec), t.TempDir(), Options{})
	stories, _ := r.Run.Stories(context.Background())
	for _, s := range stories {
		if s.Mode != "image" || s.ContextImage == "" || s.Model != "judge" {
			t.Fatalf("story %+v not written from an image by the VLM", s)
		}
	}
	leak := map[string]float64{}
	for _, m := range r.Summary.Metrics {
		if m.Name == metrics.MetricCSILeakage && m.Category == "" {
			leak[m.Country] = m.Value
		}
	}
	t.Logf("leakage of image-conditioned stories: Kenya %.2f, Korea %.2f", leak["Kenya"], leak["Korea"])
	if leak["Kenya"] < leak["Korea"]+0.3 {
		t.Errorf("Kenya's stories (images at fidelity 0.2) leak %.2f, Korea's (0.95) %.2f", leak["Kenya"], leak["Korea"])
	}
}

// TestStorySimilarityByEmbedding: with similarity: embedding the stories
// are embedded by the first embedder and compared by those vectors.
func TestStorySimilarityByEmbedding(t *testing.T) {
	t.Parallel()
	spec := strings.Replace(storySpec, "  scenes: 2\n", "  similarity: embedding\n  samples: 2\n", 1)
	spec = strings.Replace(spec, "  samples: 10\n", "", 1)
	spec = strings.Replace(spec, "  llm:\n", "  embedder: [{name: feat, provider: sim}]\n  llm:\n", 1)
	r := runAll(t, loadSpec(t, spec), t.TempDir(), Options{})
	sims, _, err := r.Run.StoryAnalysis(context.Background())
	if err != nil || len(sims) == 0 {
		t.Fatalf("%d similarities: %v", len(sims), err)
	}
	for _, s := range sims {
		if s.Method != "embedding" {
			t.Fatalf("similarity %+v not by embedding", s)
		}
	}
	stories, _ := r.Run.Stories(context.Background())
	if len(stories) == 0 || !strings.Contains(stories[0].RatingPrompt, stories[0].Text) || stories[0].RatingRaw == "" {
		t.Errorf("rating prompt or answer not stored: %+v", stories[0])
	}
}
