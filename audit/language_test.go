package audit

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/metrics"
	"github.com/blindspot-audit/blindspot/audit/store"
)

// TestLanguageKnownAnswer injects a language effect into the simulator
// and checks that the audit recovers it.
//
// A prompt in a translation is drawn with its English source's random
// numbers, so an English image and its translation's image of the same
// cell and seed differ only where the fidelity changes: with fidelity f
// in English and f+d in the language, a pair is discordant with
// probability |d|. The judge scores an image of the asked culture a1 on
// average and one of the default culture a0, so the expected accuracy
// gap is d (a1 - a0). a1 and a0 are measured on the same cells and seeds
// by two calibration models drawing every country always (fidelity 1) or
// never (fidelity 0). A prompt in the language naming no country is drawn
// in the language's country with probability cue, and the noiseless judge
// attributes what is drawn, so that country's share estimates cue.
func TestLanguageKnownAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two audits of the simulator")
	}
	const grid = `countries: [Kenya, Korea]
categories: [architecture]
samples: 64
judge: {questions: 4}
`
	lang := loadSpec(t, `name: languages
languages: [en, native]
prompt_sets: [country_specific, agnostic]
`+grid+`models:
  t2i:
    - name: lang
      provider: sim
      sim:
        bias:
          fidelity: {Kenya: 0.3, Korea: 0.7}
          era_fidelity: 1
          languages:
            sw: {fidelity: {Kenya: 0.4}, cue: 0.6}
            ko: {fidelity: {Korea: -0.3}, cue: 0.25}
  vlm:
    - {name: judge, provider: sim, sim: {noise: 0}}
`)
	calib := loadSpec(t, `name: calibration
prompt_sets: [country_specific]
`+grid+`models:
  t2i:
    - {name: always, provider: sim, sim: {bias: {default_fidelity: 1, era_fidelity: 1}}}
    - {name: never, provider: sim, sim: {bias: {default_fidelity: 0, era_fidelity: 1}}}
  vlm:
    - {name: judge, provider: sim, sim: {noise: 0}}
`)
	ctx := context.Background()
	lm, err := runAll(t, lang, t.TempDir(), Options{}).Run.Metrics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cm, err := runAll(t, calib, t.TempDir(), Options{}).Run.Metrics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	find := func(ms []store.Metric, name, model, country, language string) store.Metric {
		t.Helper()
		for _, m := range ms {
			if m.Name == name && m.Model == model && m.Country == country && m.Language == language && m.Category == "" && m.Variant == "" && m.Chain == "" &&
				(name == metrics.MetricLanguageAttribution || m.PromptSet == "country_specific") {
				return m
			}
		}
		t.Fatalf("no %s for %s, %s, %q", name, model, country, language)
		return store.Metric{}
	}
	for _, c := range []struct {
		country, lang string
		d, cue        float64
	}{{"Kenya", "sw", 0.4, 0.6}, {"Korea", "ko", -0.3, 0.25}} {
		a1 := find(cm, metrics.MetricVQAAccuracy, "always", c.country, "").Value
		a0 := find(cm, metrics.MetricVQAAccuracy, "never", c.country, "").Value
		want := c.d * (a1 - a0)
		gap := find(lm, metrics.MetricLanguageGap, "lang", c.country, c.lang)
		t.Logf("%s in %s: gap %.3f [%.3f, %.3f] n=%d, expected %.3f (a1 %.3f, a0 %.3f)", c.country, c.lang, gap.Value, *gap.CILow, *gap.CIHigh, gap.N, want, a1, a0)
		if math.Abs(gap.Value-want) > 0.05 {
			t.Errorf("%s in %s: gap %.3f, injected %.3f", c.country, c.lang, gap.Value, want)
		}
		if gap.N != 6*64 {
			t.Errorf("%s in %s: %d pairs, want %d", c.country, c.lang, gap.N, 6*64)
		}
		share := find(lm, metrics.MetricLanguageAttribution, "lang", c.country, c.lang)
		t.Logf("agnostic prompts in %s: %s's share %.3f, cue %.2f", c.lang, c.country, share.Value, c.cue)
		if math.Abs(share.Value-c.cue) > 0.05 {
			t.Errorf("agnostic prompts in %s: %s's share %.3f, cue %.2f", c.lang, c.country, share.Value, c.cue)
		}
	}
}

// TestJudgeAsksInPromptLanguage: with judge.language: prompt the judge's
// yes/no questions about an image of a Swahili or Korean prompt go out
// translated, the simulated judge answers in that language ("Ndiyo",
// "아니요"), every answer is read, and the accuracies are those of the
// same audit judged in English (the simulator's judge reads the same
// question either way).
func TestJudgeAsksInPromptLanguage(t *testing.T) {
	const grid = `countries: [Kenya, Korea]
categories: [architecture]
languages: [en, native]
samples: 3
models:
  t2i:
    - {name: t2i, provider: sim, sim: {bias: {fidelity: {Kenya: 0.3, Korea: 0.7}, languages: {sw: {fidelity: {Kenya: 0.4}}}}}}
  vlm: [{name: judge, provider: sim}]
  translator: [{name: tr, provider: sim}]
`
	ctx := context.Background()
	native := runAll(t, loadSpec(t, "name: native\njudge: {questions: 4, language: prompt}\n"+grid), t.TempDir(), Options{})
	english := runAll(t, loadSpec(t, "name: english\njudge: {questions: 4}\n"+grid), t.TempDir(), Options{})
	langOf := map[string]string{}
	err := native.Run.DB().EachImage(ctx, func(im store.Image) error {
		langOf[im.ID] = im.Language
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	asked := map[string]int{}
	err = native.Run.DB().EachAnswer(ctx, store.AnswerQuery{Kinds: []string{"yesno"}}, func(a store.StoredAnswer) error {
		lang := langOf[a.ImageID]
		asked[lang]++
		switch {
		case lang != "en" && !strings.HasPrefix(a.Question, "["+lang+"] "):
			t.Errorf("question about a %s image asked as %q", lang, a.Question)
		case lang == "sw" && a.Raw != "Ndiyo." && a.Raw != "Hapana.":
			t.Errorf("the judge answered a Swahili question %q", a.Raw)
		case a.Parsed != "yes" && a.Parsed != "no":
			t.Errorf("answer %q to %q read as %q", a.Raw, a.Question, a.Parsed)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if asked["sw"] != 6*3*4 || asked["ko"] != 6*3*4 {
		t.Errorf("yes/no questions asked per language: %v", asked)
	}
	nm, _ := native.Run.Metrics(ctx)
	em, _ := english.Run.Metrics(ctx)
	for _, lang := range []string{"sw", "ko"} {
		var a, b float64
		for _, m := range nm {
			if m.Name == metrics.MetricLanguageAccuracy && m.Language == lang {
				a = m.Value
			}
		}
		for _, m := range em {
			if m.Name == metrics.MetricLanguageAccuracy && m.Language == lang {
				b = m.Value
			}
		}
		if a != b || a == 0 {
			t.Errorf("%s: accuracy %.3f judged in the language, %.3f in English", lang, a, b)
		}
	}
}
