package audit

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/metrics"
	"github.com/blindspot-audit/blindspot/audit/store"
)

// TestLanguageKnownAnswer injects a language effect into the simulator,
// for every country of the ECB schema and each of its languages, and
// checks that the audit recovers it.
//
// A prompt in a translation is drawn with its English source's random
// numbers, so an English image and its translation's image of the same
// cell and seed differ only where the fidelity changes: with fidelity f
// in English and f+d in the language, a pair is discordant with
// probability |d|. The judge scores an image of the asked culture a1 on
// average and one of the default culture a0, so the expected accuracy
// gap is d (a1 - a0). a1 and a0 are measured on the same cells (and the
// first 32 seeds: the noiseless judge leaves little to average) by two
// calibration models drawing every country always (fidelity 1) or
// never (fidelity 0). A prompt in the language naming no country is drawn
// in the language's country with probability cue, and the noiseless judge
// attributes what is drawn, so that country's share estimates cue.
//
// Hausa is given no fidelity change: its gap must be 0 and its paired
// test not significant, while every injected gap's test must be.
func TestLanguageKnownAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two audits of the simulator")
	}
	// 128 seeds of 6 cells make 768 pairs a language: a gap's standard
	// error is at most 0.018 and a cue's 0.018, so 0.05 is about three.
	const grid = `countries: [China, India, Kenya, Korea, Nigeria, United States]
categories: [architecture]
judge: {questions: 4}
`
	injected := []struct {
		country, lang string
		d, cue        float64
	}{
		{"China", "zh", 0.2, 0.4},
		{"India", "hi", -0.2, 0.5},
		{"Kenya", "sw", 0.4, 0.6},
		{"Korea", "ko", -0.3, 0.25},
		{"Nigeria", "yo", 0.3, 0.2},
		{"Nigeria", "ha", 0, 0.35},
		{"Nigeria", "ig", 0.1, 0.15},
	}
	var effects strings.Builder
	for _, c := range injected {
		fmt.Fprintf(&effects, "            %s: {fidelity: {%s: %g}, cue: %g}\n", c.lang, c.country, c.d, c.cue)
	}
	lang := loadSpec(t, `name: languages
languages: [en, native]
prompt_sets: [country_specific, agnostic]
samples: 128
`+grid+`models:
  t2i:
    - name: lang
      provider: sim
      sim:
        bias:
          fidelity: {China: 0.5, India: 0.6, Kenya: 0.3, Korea: 0.7, Nigeria: 0.4, United States: 0.9}
          era_fidelity: 1
          languages:
`+effects.String()+`  vlm:
    - {name: judge, provider: sim, sim: {noise: 0}}
`)
	calib := loadSpec(t, `name: calibration
prompt_sets: [country_specific]
samples: 32
`+grid+`models:
  t2i:
    - {name: always, provider: sim, sim: {bias: {default_fidelity: 1, era_fidelity: 1}}}
    - {name: never, provider: sim, sim: {bias: {default_fidelity: 0, era_fidelity: 1}}}
  vlm:
    - {name: judge, provider: sim, sim: {noise: 0}}
`)
	ctx := context.Background()
	lr := runAll(t, lang, t.TempDir(), Options{})
	lm, err := lr.Run.Metrics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tests, err := lr.Run.Tests(ctx)
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
	for _, c := range injected {
		a1 := find(cm, metrics.MetricVQAAccuracy, "always", c.country, "").Value
		a0 := find(cm, metrics.MetricVQAAccuracy, "never", c.country, "").Value
		want := c.d * (a1 - a0)
		gap := find(lm, metrics.MetricLanguageGap, "lang", c.country, c.lang)
		var test *store.Test
		for i, tt := range tests {
			if tt.Metric == metrics.MetricLanguageGap && tt.Model == "lang" && tt.A == metrics.LanguageArm(c.country, c.lang) {
				test = &tests[i]
			}
		}
		if test == nil {
			t.Fatalf("%s in %s: no paired test", c.country, c.lang)
		}
		t.Logf("%s in %s: gap %.3f [%.3f, %.3f] n=%d, expected %.3f (a1 %.3f, a0 %.3f); Holm p %.4f", c.country, c.lang, gap.Value, *gap.CILow, *gap.CIHigh, gap.N, want, a1, a0, test.PHolm)
		if math.Abs(gap.Value-want) > 0.05 {
			t.Errorf("%s in %s: gap %.3f, injected %.3f", c.country, c.lang, gap.Value, want)
		}
		if gap.N != 6*128 {
			t.Errorf("%s in %s: %d pairs, want %d", c.country, c.lang, gap.N, 6*128)
		}
		if significant := test.PHolm < 0.05; significant != (c.d != 0) {
			t.Errorf("%s in %s: Holm-adjusted p %.4f with an injected gap of %g", c.country, c.lang, test.PHolm, c.d)
		}
		share := find(lm, metrics.MetricLanguageAttribution, "lang", c.country, c.lang)
		t.Logf("agnostic prompts in %s: %s's share %.3f (n=%d), cue %.2f", c.lang, c.country, share.Value, share.N, c.cue)
		if math.Abs(share.Value-c.cue) > 0.05 {
			t.Errorf("agnostic prompts in %s: %s's share %.3f, cue %.2f", c.lang, c.country, share.Value, c.cue)
		}
	}
	// The United States' language is English: there is no second arm, so
	// no gap is shown for it.
	for _, m := range lm {
		if m.Name == metrics.MetricLanguageGap && m.Country == "United States" {
			t.Errorf("a language gap for the United States: %+v", m)
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
		case a.Language != map[bool]string{true: "", false: lang}[lang == "en"]:
			t.Errorf("question %q about a %s image stored as asked in %q", a.Question, lang, a.Language)
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
	// The judge's health analyses each wording apart: a template per
	// language, shown in the words it was asked in.
	s, err := metrics.Summarize(ctx, native.Run)
	if err != nil {
		t.Fatal(err)
	}
	langs := map[string]int{}
	for _, h := range s.JudgeHealth {
		langs[h.Language]++
		if strings.HasPrefix(h.Example, "[") != (h.Language != "") || (h.Language != "" && !strings.HasPrefix(h.Example, "["+h.Language+"] ")) {
			t.Errorf("judge health of %s shows %q", h.Label(), h.Example)
		}
	}
	if len(langs) != 3 || langs["sw"] != langs[""] {
		t.Errorf("judge health templates by language: %v, want English, Korean and Swahili alike", langs)
	}
	// The run records its languages' names for the findings and reports.
	info, err := native.Run.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(info.LanguageNames); got != "map[en:English ko:Korean sw:Swahili]" {
		t.Errorf("the run recorded its languages as %s", got)
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
