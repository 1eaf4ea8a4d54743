package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/prompts"
	"github.com/blindspot-audit/blindspot/vqa"
)

// Finding is one result of an audit in plain words, with the numbers
// behind it: what a reader should see first.
type Finding struct {
	// Kind is "default_culture", "accuracy_gap", "edit_drift",
	// "burden_gap", "language_gap", "language_cue", "refusal_gap",
	// "diversity_gap", "agreement", "reviewer_tag", "model_comparison" or
	// "caveat".
	Kind  string `json:"kind"`
	Text  string `json:"text"`
	Model string `json:"model,omitempty"`
	// Effect is the size of what Text states: a share, a difference of
	// shares, a slope per edit step or a relative gap.
	Effect float64  `json:"effect"`
	CILow  *float64 `json:"ci_low,omitempty"`
	CIHigh *float64 `json:"ci_high,omitempty"`
	N      int      `json:"n"`
	// Test names the test behind a difference and its result, if any.
	Test string `json:"test,omitempty"`
	// Section is the id of the report section that shows the evidence.
	Section string `json:"section"`
}

// Thresholds below which a finding is a caveat rather than a result.
const (
	// FewSamples: fewer usable images than this per country makes every
	// interval wide.
	FewSamples = 10
	// significant is the Holm-adjusted p under which a difference is
	// reported as one.
	significant = 0.05
)

// Findings ranks what the metrics show, largest effects first, caveats
// last. It reads only the summary (the stored metrics and tests): a metric
// that was withheld never becomes a finding.
func Findings(s *Summary) []Finding {
	var out []Finding
	out = append(out, defaultCulture(s.Metrics)...)
	out = append(out, accuracyGaps(s.Metrics, s.Tests)...)
	out = append(out, editDrift(s.Metrics)...)
	out = append(out, burdenGaps(s.Metrics, s.Tests)...)
	out = append(out, languageFindings(s.Metrics, s.Tests, s.LanguageNames)...)
	out = append(out, spreadGaps(s.Metrics, MetricRefusalRate, "refusal_gap", "refusals")...)
	out = append(out, spreadGaps(s.Metrics, MetricQualityVendi, "diversity_gap", "diversity")...)
	out = append(out, agreementFindings(s.Agreement)...)
	out = append(out, modelComparison(s.Metrics)...)
	slices.SortStableFunc(out, func(a, b Finding) int { return cmp.Compare(math.Abs(b.Effect), math.Abs(a.Effect)) })
	return append(out, caveats(s)...)
}

// topLevel reports a metric row for a whole country (no category,
// variant or chain).
func topLevel(m store.Metric) bool {
	return m.Category == "" && m.Variant == "" && m.Chain == "" && m.Step == 0
}

func pct(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) }

func ciPct(m store.Metric) string {
	if m.CILow == nil || m.CIHigh == nil {
		return ""
	}
	return fmt.Sprintf(" [%s, %s]", pct(*m.CILow), pct(*m.CIHigh))
}

func ci2(m store.Metric) string {
	if m.CILow == nil || m.CIHigh == nil {
		return ""
	}
	return fmt.Sprintf(" [%.2f, %.2f]", *m.CILow, *m.CIHigh)
}

// byModel groups rows of one metric and prompt set by model, in order.
func byModel(ms []store.Metric, name, set string, keep func(store.Metric) bool) (models []string, rows map[string][]store.Metric) {
	rows = map[string][]store.Metric{}
	for _, m := range ms {
		if m.Name != name || (set != "" && m.PromptSet != set) || !keep(m) {
			continue
		}
		if rows[m.Model] == nil {
			models = append(models, m.Model)
		}
		rows[m.Model] = append(rows[m.Model], m)
	}
	return models, rows
}

// defaultCulture: the country a model's images of country-agnostic prompts
// are most often attributed to.
func defaultCulture(ms []store.Metric) []Finding {
	models, rows := byModel(ms, MetricAttribution, prompts.SetAgnostic, topLevel)
	var out []Finding
	for _, model := range models {
		rs := rows[model]
		_, top := extremes(rs)
		if top.Country == "" || top.N == 0 {
			continue
		}
		// The effect is the share beyond an even split among the labels a
		// judge could give: every audited country, and Other.
		even := 1 / float64(max(len(rs), countries(ms)+1))
		where := top.Country
		if where == vqa.Other {
			where = "a country outside the audit"
		}
		out = append(out, Finding{Kind: "default_culture", Model: model, Effect: top.Value - even, CILow: top.CILow, CIHigh: top.CIHigh, N: top.N,
			Text: fmt.Sprintf("With no country named, %s%s of %s's images are judged to depict %s (n=%d images of country-agnostic prompts).",
				pct(top.Value), ciPct(top), model, where, top.N),
			Section: "defaults"})
	}
	return out
}

// countries counts the countries the audit names (its country-specific
// accuracy rows).
func countries(ms []store.Metric) int {
	seen := map[string]bool{}
	for _, m := range ms {
		if m.PromptSet == prompts.SetCountry && m.Country != "" {
			seen[m.Country] = true
		}
	}
	return len(seen)
}

// extremes are the rows with the lowest and the highest value.
func extremes(rs []store.Metric) (lo, hi store.Metric) {
	byValue := func(a, b store.Metric) int { return cmp.Compare(a.Value, b.Value) }
	return slices.MinFunc(rs, byValue), slices.MaxFunc(rs, byValue)
}

// eachSpread calls f, per model, with its countries of the lowest and the
// highest value of a top-level, country-specific metric, where it has two
// countries or more.
func eachSpread(ms []store.Metric, name string, f func(model string, lo, hi store.Metric)) {
	models, rows := byModel(ms, name, prompts.SetCountry, topLevel)
	for _, model := range models {
		if rs := rows[model]; len(rs) >= 2 {
			if lo, hi := extremes(rs); lo.Country != hi.Country {
				f(model, lo, hi)
			}
		}
	}
}

// accuracyGaps: per model, the countries whose images the judge finds
// least and most faithful, with the permutation test between them.
func accuracyGaps(ms []store.Metric, ts []store.Test) []Finding {
	var out []Finding
	eachSpread(ms, MetricVQAAccuracy, func(model string, lo, hi store.Metric) {
		f := Finding{Kind: "accuracy_gap", Model: model, Effect: hi.Value - lo.Value, N: min(lo.N, hi.N), Section: "accuracy",
			Text: fmt.Sprintf("%s's images of %s are judged faithful %.2f%s of the time, against %.2f%s for %s (n=%d and %d images).",
				model, lo.Country, lo.Value, ci2(lo), hi.Value, ci2(hi), hi.Country, lo.N, hi.N)}
		f.withTest(ts, MetricVQAAccuracy, model, prompts.SetCountry, lo.Country, hi.Country)
		out = append(out, f)
	})
	return out
}

// withTest quotes the test of metric between countries a and b, and says
// when it finds no significant difference.
func (f *Finding) withTest(ts []store.Test, metric, model, set, a, b string) {
	f.withBaseTest(ts, metric, model, "", set, a, b)
}

// withBaseTest is withTest for a test of chains from one text-to-image
// model's images (Test.BaseModel).
func (f *Finding) withBaseTest(ts []store.Test, metric, model, base, set, a, b string) {
	for _, t := range ts {
		if t.Metric == metric && t.Model == model && t.BaseModel == base && t.PromptSet == set && ((t.A == a && t.B == b) || (t.A == b && t.B == a)) {
			f.Test = fmt.Sprintf("permutation test, Holm-adjusted p = %.4f", t.PHolm)
			if t.PHolm >= significant {
				f.Text += " The difference is not significant at 0.05 after Holm's correction."
			}
		}
	}
}

// editDrift: edit chains whose cultural fidelity falls while the
// conventional image metric stays flat (ECB's pattern), steepest first.
func editDrift(ms []store.Metric) []Finding {
	flagged := map[[5]string]bool{}
	for _, m := range ms {
		if m.Name == MetricFlatButFalling && m.Value == 1 {
			flagged[[5]string{m.Model, m.BaseModel, m.PromptSet, m.Country, m.Chain}] = true
		}
	}
	var out []Finding
	for _, m := range ms {
		if m.Name != MetricFidelitySlope || !flagged[[5]string{m.Model, m.BaseModel, m.PromptSet, m.Country, m.Chain}] {
			continue
		}
		out = append(out, Finding{Kind: "edit_drift", Model: m.Model, Effect: m.Value, CILow: m.CILow, CIHigh: m.CIHigh, N: m.N, Section: "drift",
			Text: fmt.Sprintf("Editing towards %s with %s (%s chain%s), the judge's accuracy falls by %.3f per step (slope %+.3f%s) while SSIM to the previous step stays flat (%d chains).",
				m.Country, m.Model, m.Chain, onImagesOf(m.BaseModel), -m.Value, m.Value, ci2(m), m.N)})
	}
	return out
}

// spreadGaps: per model, the countries with the lowest and highest value
// of a per-country rate or score.
func spreadGaps(ms []store.Metric, name, kind, section string) []Finding {
	var out []Finding
	eachSpread(ms, name, func(model string, lo, hi store.Metric) {
		if hi.Value <= 0 || hi.Value == lo.Value {
			return
		}
		f := Finding{Kind: kind, Model: model, N: min(lo.N, hi.N), Section: section}
		switch kind {
		case "refusal_gap":
			f.Effect = hi.Value - lo.Value
			f.Text = fmt.Sprintf("%s refuses %s of prompts about %s, against %s for %s (n=%d and %d).",
				model, pct(hi.Value), hi.Country, pct(lo.Value), lo.Country, hi.N, lo.N)
		default:
			// Relative: Vendi scores have no common scale across spaces.
			f.Effect = (hi.Value - lo.Value) / hi.Value
			f.Text = fmt.Sprintf("%s's images of %s are the least diverse (quality-weighted Vendi %.2f%s, n=%d), %s below %s (%.2f%s, n=%d).",
				model, lo.Country, lo.Value, ci2(lo), lo.N, pct(f.Effect), hi.Country, hi.Value, ci2(hi), hi.N)
			if lo.CIHigh != nil && hi.CILow != nil && *lo.CIHigh >= *hi.CILow {
				f.Text = strings.TrimSuffix(f.Text, ".") + "; the 95% intervals overlap, so the gap may be chance."
			}
		}
		out = append(out, f)
	})
	return out
}

// ModelRank is one text-to-image model's standing among the audited ones.
type ModelRank struct {
	Model string `json:"model"`
	// Accuracy is the mean of its per-country judge accuracies (each
	// country weighs the same); Worst names its least faithful country.
	Accuracy      float64 `json:"accuracy"`
	Countries     int     `json:"countries"`
	Worst         string  `json:"worst_country"`
	WorstAccuracy float64 `json:"worst_accuracy"`
	// Default is the country its country-agnostic images are most often
	// attributed to, with that share (empty without attribution).
	Default      string  `json:"default_country,omitempty"`
	DefaultShare float64 `json:"default_share,omitempty"`
}

// RankModels ranks the text-to-image models by their mean per-country
// judge accuracy, best first (nil with fewer than two models).
func RankModels(ms []store.Metric) []ModelRank {
	models, rows := byModel(ms, MetricVQAAccuracy, prompts.SetCountry, topLevel)
	if len(models) < 2 {
		return nil
	}
	_, attr := byModel(ms, MetricAttribution, prompts.SetAgnostic, topLevel)
	var out []ModelRank
	for _, model := range models {
		rs := rows[model]
		r := ModelRank{Model: model, Countries: len(rs), WorstAccuracy: math.Inf(1)}
		for _, m := range rs {
			r.Accuracy += m.Value / float64(len(rs))
			if m.Value < r.WorstAccuracy {
				r.Worst, r.WorstAccuracy = m.Country, m.Value
			}
		}
		if as := attr[model]; len(as) > 0 {
			_, top := extremes(as)
			r.Default, r.DefaultShare = top.Country, top.Value
		}
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b ModelRank) int { return cmp.Compare(b.Accuracy, a.Accuracy) })
	return out
}

// modelComparison: with two or more models, which represents the
// audited cultures most and least faithfully on average.
func modelComparison(ms []store.Metric) []Finding {
	ranks := RankModels(ms)
	if len(ranks) < 2 {
		return nil
	}
	best, worst := ranks[0], ranks[len(ranks)-1]
	return []Finding{{Kind: "model_comparison", Model: best.Model, Effect: best.Accuracy - worst.Accuracy, N: min(best.Countries, worst.Countries), Section: "models",
		Text: fmt.Sprintf("Of %d models, %s draws the audited cultures most faithfully (mean judge accuracy over %d countries %.2f, worst %s %.2f) and %s least (%.2f, worst %s %.2f).",
			len(ranks), best.Model, best.Countries, best.Accuracy, best.Worst, best.WorstAccuracy, worst.Model, worst.Accuracy, worst.Worst, worst.WorstAccuracy)}}
}

// agreementFindings: how far the native reviewers agree on cultural
// representation, and how the judge's accuracy follows them.
func agreementFindings(as []store.Agreement) []Finding {
	var out []Finding
	for _, a := range as {
		switch {
		case a.Statistic == "alpha_ordinal" && a.Rating == "cultural" && a.Country == "":
			out = append(out, Finding{Kind: "agreement", Effect: a.Value, CILow: a.CILow, CIHigh: a.CIHigh, N: a.N, Section: "human",
				Text: fmt.Sprintf("Native reviewers agree on cultural representation with Krippendorff's alpha %.2f%s (ordinal, n=%d items).", a.Value, ciAgreement(a), a.N)})
		case a.Statistic == "tag_share" && a.Country != "" && a.N >= minTagRatings && a.Value >= tagShareWorthSaying:
			what := "base images (step 0)"
			if a.Against != "step 0" {
				what = "edited images"
			}
			tag := strings.ReplaceAll(strings.TrimPrefix(a.Rating, "tag:"), "_", " ")
			out = append(out, Finding{Kind: "reviewer_tag", Effect: a.Value, CILow: a.CILow, CIHigh: a.CIHigh, N: a.N, Section: "human",
				Text: fmt.Sprintf("Native reviewers marked %.0f%%%s of %s's %s as %s (n=%d ratings).", 100*a.Value, ciPercent(a), a.Country, what, tag, a.N)})
		case a.Statistic == "spearman" && a.Rating == "cultural" && a.Country == "" && a.Against == "vqa_accuracy":
			out = append(out, Finding{Kind: "agreement", Effect: a.Value, CILow: a.CILow, CIHigh: a.CIHigh, N: a.N, Section: "human",
				Text: fmt.Sprintf("The judge's accuracy follows the reviewers' cultural ratings with Spearman's rho %.2f%s (n=%d items).", a.Value, ciAgreement(a), a.N)})
		}
	}
	return out
}

// A reviewer tag becomes a finding where at least minTagRatings ratings of
// a country's images marked it in at least tagShareWorthSaying of them.
const (
	minTagRatings       = 10
	tagShareWorthSaying = 0.2
)

func ciPercent(a store.Agreement) string {
	if a.CILow == nil || a.CIHigh == nil {
		return ""
	}
	return fmt.Sprintf(" [%.0f%%, %.0f%%]", 100**a.CILow, 100**a.CIHigh)
}

func ciAgreement(a store.Agreement) string {
	if a.CILow == nil || a.CIHigh == nil {
		return ""
	}
	return fmt.Sprintf(" [%.2f, %.2f]", *a.CILow, *a.CIHigh)
}

// caveats: what limits the findings above: withheld metrics, seeds a
// model ignored, and countries with few usable images.
func caveats(s *Summary) []Finding {
	var out []Finding
	for _, n := range s.Notices {
		out = append(out, Finding{Kind: "caveat", Text: n, Section: "warnings"})
	}
	few := map[string][]string{}
	var models []string
	for _, m := range s.Metrics {
		if m.Name == MetricVQAAccuracy && m.PromptSet == prompts.SetCountry && topLevel(m) && m.N < FewSamples {
			if few[m.Model] == nil {
				models = append(models, m.Model)
			}
			few[m.Model] = append(few[m.Model], fmt.Sprintf("%s (n=%d)", m.Country, m.N))
		}
	}
	for _, model := range models {
		out = append(out, Finding{Kind: "caveat", Model: model, Section: "accuracy",
			Text: fmt.Sprintf("Few usable images for %s's judge accuracy in %s: fewer than %d per country makes the intervals wide.", model, strings.Join(few[model], ", "), FewSamples)})
	}
	return out
}
