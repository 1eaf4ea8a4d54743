package metrics

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/prompts"
)

// languageName names a language in findings: as the run's schema named
// it, else as the built-in schema does, else by its code (a run recorded
// before the names were).
func languageName(names map[string]string, code string) string {
	if n := names[code]; n != "" {
		return n
	}
	return builtinLanguages()(code)
}

var builtinLanguages = sync.OnceValue(func() func(string) string {
	s, err := prompts.Builtin("ecb")
	if err != nil {
		return func(code string) string { return code }
	}
	return s.LanguageName
})

// languageFindings states the significant language gaps and, for prompts
// naming no country, the cultures a language calls up beyond English.
func languageFindings(ms []store.Metric, ts []store.Test, names map[string]string) []Finding {
	var out []Finding
	acc := map[[3]string]store.Metric{}
	type armKey struct{ model, lang string }
	shares := map[armKey]map[string]store.Metric{}
	for _, m := range ms {
		switch {
		case m.Name == MetricLanguageAccuracy && topLevel(m) && m.PromptSet == prompts.SetCountry:
			acc[[3]string{m.Model, m.Country, m.Language}] = m
		case m.Name == MetricLanguageAttribution && m.Country != "" && !m.Withheld():
			k := armKey{m.Model, m.Language}
			if shares[k] == nil {
				shares[k] = map[string]store.Metric{}
			}
			shares[k][m.Country] = m
		}
	}
	for _, m := range ms {
		if m.Name != MetricLanguageGap {
			continue
		}
		var test *store.Test
		for i, t := range ts {
			if t.Metric == MetricLanguageGap && t.Model == m.Model && t.A == LanguageArm(m.Country, m.Language) {
				test = &ts[i]
			}
		}
		if test == nil || test.PHolm >= 0.05 {
			continue
		}
		// Both arms' accuracies are stated: a withheld one (left out of
		// the summary's metrics) leaves the finding out too.
		en, okEn := acc[[3]string{m.Model, m.Country, prompts.English}]
		native, okNative := acc[[3]string{m.Model, m.Country, m.Language}]
		if !okEn || !okNative || en.Withheld() || native.Withheld() || m.Withheld() {
			continue
		}
		way := "more"
		if m.Value < 0 {
			way = "less"
		}
		out = append(out, Finding{Kind: "language_gap", Model: m.Model, Effect: m.Value, CILow: m.CILow, CIHigh: m.CIHigh, N: m.N, Section: "language",
			Test: fmt.Sprintf("paired permutation test, Holm-adjusted p = %.4f", test.PHolm),
			Text: fmt.Sprintf("Prompted in %s rather than English, %s's images of %s are judged faithful %.2f%s %s often (%.2f against %.2f; n=%d pairs).",
				languageName(names, m.Language), m.Model, m.Country, math.Abs(m.Value), ciSigned(m), way, native.Value, en.Value, m.N)})
	}
	for _, k := range slices.SortedFunc(maps.Keys(shares), func(a, b armKey) int {
		if a.model != b.model {
			return strings.Compare(a.model, b.model)
		}
		return strings.Compare(a.lang, b.lang)
	}) {
		if k.lang == prompts.English {
			continue
		}
		english := shares[armKey{k.model, prompts.English}]
		if len(english) == 0 {
			// No usable English arm: a country missing from it is not 0%.
			continue
		}
		var best store.Metric
		bestGain := 0.0
		for _, c := range slices.Sorted(maps.Keys(shares[k])) {
			m := shares[k][c]
			if gain := m.Value - english[c].Value; gain > bestGain {
				best, bestGain = m, gain
			}
		}
		if bestGain < 0.1 || best.Value < 0.2 {
			continue
		}
		out = append(out, Finding{Kind: "language_cue", Model: k.model, Effect: bestGain, N: best.N, Section: "language",
			Text: fmt.Sprintf("With no country named, %.0f%%%s of %s's images of prompts in %s are judged to depict %s, against %.0f%% for the same prompts in English (n=%d images).",
				100*best.Value, ciPct(best), k.model, languageName(names, k.lang), best.Country, 100*english[best.Country].Value, best.N)})
	}
	return out
}

// ciSigned is an interval of a difference, signs dropped with the
// direction stated in words.
func ciSigned(m store.Metric) string {
	if m.CILow == nil || m.CIHigh == nil {
		return ""
	}
	lo, hi := *m.CILow, *m.CIHigh
	if m.Value < 0 {
		lo, hi = -hi, -lo
	}
	return fmt.Sprintf(" [%.2f, %.2f]", lo, hi)
}
