package reports

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/blindspot-audit/blindspot/audit/metrics"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/prompts"
)

// LanguageHead heads the language-gap table.
var LanguageHead = []string{"Model", "Country", "Language", "Translations", "Accuracy, English", "Accuracy, language", "Gap (language - English)", "Pairs", "p (Holm)", "Refused, language"}

// LanguageRows are the language gaps, a row per model, country and
// prompt language, in stored order, with the paired test's p-value.
func LanguageRows(ms []store.Metric, ts []store.Test, tr []store.TranslationCount) [][]string {
	find := func(name, model, country, lang string) *store.Metric {
		for i, m := range ms {
			if m.Name == name && m.Model == model && m.Country == country && m.Language == lang && m.PromptSet == prompts.SetCountry && m.Category == "" {
				return &ms[i]
			}
		}
		return nil
	}
	var rows [][]string
	for _, g := range filter(ms, func(m store.Metric) bool { return m.Name == metrics.MetricLanguageGap }) {
		p := "-"
		for _, t := range ts {
			if t.Metric == metrics.MetricLanguageGap && t.Model == g.Model && t.A == metrics.LanguageArm(g.Country, g.Language) {
				p = fmt.Sprintf("%.4f", t.PHolm)
			}
		}
		gap := fmt.Sprintf("%+.2f", g.Value)
		if g.CILow != nil {
			gap += fmt.Sprintf(" [%+.2f, %+.2f]", *g.CILow, *g.CIHigh)
		}
		rows = append(rows, []string{g.Model, g.Country, g.Language, TranslationsOf(tr, g.Language),
			metricCell(find(metrics.MetricLanguageAccuracy, g.Model, g.Country, prompts.English)),
			metricCell(find(metrics.MetricLanguageAccuracy, g.Model, g.Country, g.Language)),
			gap, fmt.Sprint(g.N), p,
			metricCell(find(metrics.MetricLanguageRefusal, g.Model, g.Country, g.Language))})
	}
	return rows
}

// LanguageDefaultsHead heads the table of agnostic prompts by language.
var LanguageDefaultsHead = []string{"Model", "Prompt language", "Judged to depict (share)", "Images"}

// LanguageDefaultRows say, per model and prompt language, whose culture
// the judge sees in images of prompts naming no country, largest share
// first.
func LanguageDefaultRows(ms []store.Metric) [][]string {
	type key struct{ model, lang string }
	shares := map[key][]store.Metric{}
	var keys []key
	for _, m := range filter(ms, func(m store.Metric) bool { return m.Name == metrics.MetricLanguageAttribution && m.Country != "" }) {
		k := key{m.Model, m.Language}
		if shares[k] == nil {
			keys = append(keys, k)
		}
		shares[k] = append(shares[k], m)
	}
	slices.SortStableFunc(keys, func(a, b key) int {
		if a.model != b.model {
			return strings.Compare(a.model, b.model)
		}
		if (a.lang == prompts.English) != (b.lang == prompts.English) {
			return map[bool]int{true: -1, false: 1}[a.lang == prompts.English]
		}
		return strings.Compare(a.lang, b.lang)
	})
	var rows [][]string
	for _, k := range keys {
		s := shares[k]
		slices.SortStableFunc(s, func(a, b store.Metric) int {
			switch {
			case a.Value > b.Value:
				return -1
			case a.Value < b.Value:
				return 1
			}
			return 0
		})
		cell := ""
		for i, m := range s {
			if i == 3 {
				break
			}
			if i > 0 {
				cell += "; "
			}
			cell += fmt.Sprintf("%s %s", m.Country, withPercent(m))
		}
		rows = append(rows, []string{k.model, k.lang, cell, fmt.Sprint(s[0].N)})
	}
	return rows
}

// metricCell is a metric with its interval and n, "withheld" when too few
// of its answers were usable, "-" when there is none.
func metricCell(m *store.Metric) string {
	switch {
	case m == nil:
		return "-"
	case m.Withheld():
		return "withheld"
	}
	return cell(*m)
}

func withPercent(m store.Metric) string {
	s := fmt.Sprintf("%.0f%%", 100*m.Value)
	if m.CILow != nil {
		s += fmt.Sprintf(" [%.0f%%, %.0f%%]", 100**m.CILow, 100**m.CIHigh)
	}
	return s
}

// languageSection: the judge's accuracy per country, a bar per prompt
// language, and the gap and default tables.
func languageSection(ms []store.Metric, ts []store.Test, tr []store.TranslationCount) (Section, bool) {
	rows := LanguageRows(ms, ts, tr)
	defaults := LanguageDefaultRows(ms)
	if len(rows) == 0 && len(defaults) == 0 {
		return Section{}, false
	}
	s := Section{ID: "language", Title: "The language of the prompt",
		Note: "Every prompt in English and in the languages asked for (spec languages). The gap is the judge's accuracy for the prompt in the country's language minus in English, paired by subcategory, variant, seed and judge, with a 95% bootstrap interval over pairs and a sign-flip permutation test, Holm-adjusted per model. The Translations column says where a language's prompts came from: the schema's draft translations (not yet checked by native speakers), the translator endpoint (machine), or native reviewers. Every other section reads the English prompts only."}
	acc := filter(ms, func(m store.Metric) bool {
		return m.Name == metrics.MetricLanguageAccuracy && m.PromptSet == prompts.SetCountry && m.Category == ""
	})
	// A pair of bars per country and language: the English prompt's
	// accuracy beside the translated prompt's, each with its interval.
	for _, model := range distinct(acc, func(m store.Metric) string { return m.Model }) {
		mine := filter(acc, func(m store.Metric) bool { return m.Model == model })
		find := func(country, lang string) *store.Metric {
			for i := range mine {
				if mine[i].Country == country && mine[i].Language == lang {
					return &mine[i]
				}
			}
			return nil
		}
		var xs []string
		english, native := ciSeries{Name: "English prompt"}, ciSeries{Name: "Prompt in the language"}
		for _, country := range distinct(mine, func(m store.Metric) string { return m.Country }) {
			for _, lang := range distinct(filter(mine, func(m store.Metric) bool { return m.Country == country }), func(m store.Metric) string { return m.Language }) {
				if lang == prompts.English {
					continue
				}
				xs = append(xs, country+" · "+lang)
				english.Vals = append(english.Vals, find(country, prompts.English))
				native.Vals = append(native.Vals, find(country, lang))
			}
		}
		if len(xs) > 0 {
			s.Charts = append(s.Charts, ciBars("language-"+model, model+": judge accuracy, English prompt against the prompt in each country's language", xs, []ciSeries{english, native}, 1))
		}
	}
	if len(rows) > 0 {
		s.Tables = append(s.Tables, Table{Head: LanguageHead, Rows: rows})
	}
	if len(defaults) > 0 {
		s.Tables = append(s.Tables, Table{Caption: "Prompts naming no country: whose culture each prompt language calls up", Head: LanguageDefaultsHead, Rows: defaults})
	}
	return s, true
}

// writeLanguage prints the language gaps and the agnostic defaults.
func writeLanguage(w io.Writer, ms []store.Metric, ts []store.Test, tr []store.TranslationCount) error {
	if rows := LanguageRows(ms, ts, tr); len(rows) > 0 {
		fmt.Fprint(w, "\n"+wrap("The language of the prompt: judge accuracy for prompts in the country's language against English, paired by subcategory, variant, seed and judge (95% bootstrap intervals; sign-flip permutation test, Holm-adjusted):", "", "", TerminalWidth))
		if err := writeRows(w, 3, LanguageHead, rows); err != nil {
			return err
		}
	}
	if rows := LanguageDefaultRows(ms); len(rows) > 0 {
		fmt.Fprintln(w, "\nPrompts naming no country, by prompt language: whose culture the judge sees:")
		if err := writeRows(w, 2, LanguageDefaultsHead, rows); err != nil {
			return err
		}
	}
	return nil
}

// TranslationsOf says where a language's translations came from and how
// far native reviewers checked them: "schema draft 42", "machine 40,
// reviewed 2".
func TranslationsOf(tr []store.TranslationCount, lang string) string {
	var parts []string
	for _, c := range tr {
		if c.Language != lang {
			continue
		}
		what := c.Origin
		switch {
		case c.Origin == store.OriginReviewer:
			what = "corrected by reviewers"
		case c.Status != store.TranslationDraft:
			what += ", " + c.Status + " by reviewers"
		case c.Origin == store.OriginSchema:
			what = "schema draft"
		}
		parts = append(parts, fmt.Sprintf("%s %d", what, c.N))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, "; ")
}
