package metrics

import (
	"maps"
	"math"
	"slices"

	"github.com/blindspot-audit/blindspot/audit/stats"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/prompts"
)

// Language metric names. They exist only for runs with more than one
// prompt language, carry the language in Metric.Language, and leave every
// other metric reading the English prompts alone.
const (
	// MetricLanguageAccuracy is vqa_accuracy of the generated images of
	// each prompt language, per model and country.
	MetricLanguageAccuracy = "language_vqa_accuracy"
	// MetricLanguageRefusal and MetricLanguageFailure are the shares of
	// image calls refused or failed, per model, prompt set, country and
	// language.
	MetricLanguageRefusal = "language_refusal_rate"
	MetricLanguageFailure = "language_failure_rate"
	// MetricLanguageAttribution is, for agnostic prompts in each
	// language, the share of images the judge attributes to each country:
	// whose culture the language alone calls up.
	MetricLanguageAttribution = "language_attribution_share"
	// MetricLanguageGap is the judge accuracy of images prompted in a
	// country's language minus that of images prompted in English, paired
	// by subcategory, variant, seed and judge, with a bootstrap interval
	// over pairs; N is the number of pairs.
	MetricLanguageGap = "language_gap"
)

// splitLanguages returns the records of English prompts and the codes of
// the other languages present, sorted.
func splitLanguages(recs []*record) (english []*record, others []string) {
	seen := map[string]bool{}
	for _, r := range recs {
		if r.language == prompts.English {
			english = append(english, r)
		} else {
			seen[r.language] = true
		}
	}
	return english, slices.Sorted(maps.Keys(seen))
}

// languageMetrics computes the per-language metrics and the language gap
// with its paired permutation tests (Holm-adjusted per model).
func languageMetrics(recs []*record, others []string) ([]store.Metric, []store.Test) {
	if len(others) == 0 {
		return nil, nil
	}
	byLang := map[string][]*record{}
	for _, r := range recs {
		if r.kind == store.KindGenerated {
			byLang[r.language] = append(byLang[r.language], r)
		}
	}
	var out []store.Metric
	for _, lang := range append([]string{prompts.English}, others...) {
		sub := byLang[lang]
		tag := func(ms []store.Metric, name string) {
			for _, m := range ms {
				if m.Category != "" || m.Variant != "" || m.Chain != "" {
					continue
				}
				m.Name, m.Language = name, lang
				out = append(out, m)
			}
		}
		acc := accuracyMetrics(sub)
		tag(slices.DeleteFunc(acc, func(m store.Metric) bool { return m.PromptSet != prompts.SetCountry }), MetricLanguageAccuracy)
		for _, m := range rateMetrics(sub) {
			switch m.Name {
			case MetricRefusalRate:
				tag([]store.Metric{m}, MetricLanguageRefusal)
			case MetricFailureRate:
				tag([]store.Metric{m}, MetricLanguageFailure)
			}
		}
		tag(slices.DeleteFunc(attributionMetrics(sub), func(m store.Metric) bool { return m.PromptSet != prompts.SetAgnostic }), MetricLanguageAttribution)
	}
	// A gap reads its two arms' answers: its parse rate is the lower of
	// theirs, so it is withheld with either.
	rates := map[[3]string]*float64{}
	for _, m := range out {
		if m.Name == MetricLanguageAccuracy {
			rates[[3]string{m.Model, m.Country, m.Language}] = m.ParseRate
		}
	}
	gaps, tests := languageGaps(byLang, others, rates)
	return append(out, gaps...), tests
}

// languageGaps pairs each image of a non-English prompt with the English
// prompt's image of the same model, country, subcategory, variant, seed
// and judge.
func languageGaps(byLang map[string][]*record, others []string, rates map[[3]string]*float64) ([]store.Metric, []store.Test) {
	type cell struct {
		model, country, sub, variant, judge string
		seed                                int64
	}
	usable := func(r *record) bool {
		return r.set == prompts.SetCountry && !r.duplicate && r.accuracy != nil && r.status == store.StatusOK
	}
	english := map[cell]float64{}
	for _, r := range byLang[prompts.English] {
		if usable(r) {
			english[cell{r.model, r.country, r.subcategory, r.variant, r.judge, r.seed}] = *r.accuracy
		}
	}
	type group struct{ model, country, lang string }
	diffs := map[group][]float64{}
	var order []group
	for _, lang := range others {
		for _, r := range byLang[lang] {
			if !usable(r) {
				continue
			}
			en, ok := english[cell{r.model, r.country, r.subcategory, r.variant, r.judge, r.seed}]
			if !ok {
				continue
			}
			g := group{r.model, r.country, lang}
			if diffs[g] == nil {
				order = append(order, g)
			}
			diffs[g] = append(diffs[g], *r.accuracy-en)
		}
	}
	var ms []store.Metric
	byModel := map[string][]store.Test{}
	for _, g := range order {
		d := diffs[g]
		m := store.Metric{Name: MetricLanguageGap, Model: g.model, PromptSet: prompts.SetCountry, Country: g.country, Language: g.lang, N: len(d)}
		seed := stats.Seed(MetricLanguageGap, g.model, g.country, g.lang)
		m.Value = stats.Mean(d)
		if len(d) >= 2 {
			lo, hi := stats.BootstrapMean(d, bootstrapReps, seed, ciLevel)
			m.CILow, m.CIHigh = &lo, &hi
		}
		for _, r := range []*float64{rates[[3]string{g.model, g.country, prompts.English}], rates[[3]string{g.model, g.country, g.lang}]} {
			if r != nil && (m.ParseRate == nil || *r < *m.ParseRate) {
				m.ParseRate = r
			}
		}
		ms = append(ms, m)
		if math.IsNaN(m.Value) || m.Withheld() {
			continue // no test of a gap that is not shown
		}
		_, p := stats.PairedPermutation(d, permutationReps, seed)
		byModel[g.model] = append(byModel[g.model], store.Test{Metric: MetricLanguageGap, Model: g.model, PromptSet: prompts.SetCountry,
			A: LanguageArm(g.country, g.lang), B: LanguageArm(g.country, prompts.English), Diff: m.Value, P: p, NA: len(d), NB: len(d)})
	}
	var tests []store.Test
	for _, model := range slices.Sorted(maps.Keys(byModel)) {
		ts := byModel[model]
		holmAdjust(ts)
		tests = append(tests, ts...)
	}
	return ms, tests
}

// LanguageArm names one side of a language-gap test: "Kenya:sw".
func LanguageArm(country, lang string) string { return country + ":" + lang }
