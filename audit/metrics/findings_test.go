package metrics

import (
	"math"
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/prompts"
	"github.com/blindspot-audit/blindspot/vqa"
)

func f64(v float64) *float64 { return &v }

// TestFindings ranks a known set of metrics: the largest effect first,
// the test behind a gap quoted, a non-significant gap said to be one,
// an all-zero refusal rate no finding, caveats last.
func TestFindings(t *testing.T) {
	acc := func(country string, v float64, n int) store.Metric {
		return store.Metric{Name: MetricVQAAccuracy, Model: "m", PromptSet: prompts.SetCountry, Country: country, Value: v, CILow: f64(v - 0.1), CIHigh: f64(v + 0.1), N: n}
	}
	s := &Summary{
		Metrics: []store.Metric{
			acc("Kenya", 0.30, 40), acc("Korea", 0.60, 40), acc("United States", 0.90, 8),
			// A category row is not a country's headline.
			{Name: MetricVQAAccuracy, Model: "m", PromptSet: prompts.SetCountry, Country: "Kenya", Category: "food", Value: 0.01, N: 5},
			{Name: MetricAttribution, Model: "m", PromptSet: prompts.SetAgnostic, Country: "United States", Value: 0.8, CILow: f64(0.7), CIHigh: f64(0.9), N: 50},
			{Name: MetricAttribution, Model: "m", PromptSet: prompts.SetAgnostic, Country: "Other", Value: 0.2, N: 50},
			{Name: MetricRefusalRate, Model: "m", PromptSet: prompts.SetCountry, Country: "Kenya", Value: 0, N: 40},
			{Name: MetricRefusalRate, Model: "m", PromptSet: prompts.SetCountry, Country: "Korea", Value: 0, N: 40},
			{Name: MetricFidelitySlope, Model: "ed", PromptSet: prompts.SetCountry, Country: "Korea", Chain: "loop", Value: -0.2, CILow: f64(-0.3), CIHigh: f64(-0.1), N: 12},
			{Name: MetricFlatButFalling, Model: "ed", PromptSet: prompts.SetCountry, Country: "Korea", Chain: "loop", Value: 1, N: 12},
			{Name: MetricFidelitySlope, Model: "ed", PromptSet: prompts.SetCountry, Country: "Kenya", Chain: "loop", Value: -0.5, N: 12},
			{Name: MetricFlatButFalling, Model: "ed", PromptSet: prompts.SetCountry, Country: "Kenya", Chain: "loop", Value: 0, N: 12},
		},
		Tests:   []store.Test{{Metric: MetricVQAAccuracy, Model: "m", PromptSet: prompts.SetCountry, A: "Kenya", B: "United States", Diff: -0.6, PHolm: 0.2, NA: 40, NB: 8}},
		Notices: []string{"vqa_accuracy (m2) is not reported: ..."},
	}
	got := Findings(s)
	var kinds []string
	for _, f := range got {
		kinds = append(kinds, f.Kind)
	}
	want := []string{"accuracy_gap", "default_culture", "edit_drift", "caveat", "caveat"}
	if strings.Join(kinds, " ") != strings.Join(want, " ") {
		t.Fatalf("kinds %v, want %v\n%+v", kinds, want, got)
	}
	gap := got[0]
	if gap.Effect < 0.59 || gap.Effect > 0.61 || gap.N != 8 || !strings.Contains(gap.Text, "images of Kenya are judged faithful 0.30 [0.20, 0.40]") ||
		!strings.Contains(gap.Text, "0.90 [0.80, 1.00] for United States") || !strings.Contains(gap.Text, "not significant") || gap.Test != "permutation test, Holm-adjusted p = 0.2000" {
		t.Errorf("gap finding %+v", gap)
	}
	if d := got[1]; !strings.Contains(d.Text, "80% [70%, 90%] of m's images are judged to depict United States") || d.Section != "defaults" {
		t.Errorf("default finding %+v", d)
	}
	if e := got[2]; !strings.Contains(e.Text, "towards Korea") || e.Effect != -0.2 {
		t.Errorf("drift finding %+v (only the flagged chain)", e)
	}
	if c := got[4]; !strings.Contains(c.Text, "United States (n=8)") {
		t.Errorf("few-samples caveat %+v", c)
	}
	if len(Findings(&Summary{})) != 0 {
		t.Error("findings from nothing")
	}
}

// TestRankModels: with two models the comparison ranks them by mean
// per-country accuracy and names each one's weakest country.
func TestRankModels(t *testing.T) {
	acc := func(model, country string, v float64) store.Metric {
		return store.Metric{Name: MetricVQAAccuracy, Model: model, PromptSet: prompts.SetCountry, Country: country, Value: v, N: 20}
	}
	ms := []store.Metric{acc("a", "Kenya", 0.4), acc("a", "Korea", 0.8), acc("b", "Kenya", 0.7), acc("b", "Korea", 0.9),
		{Name: MetricAttribution, Model: "a", PromptSet: prompts.SetAgnostic, Country: "United States", Value: 0.9, N: 20}}
	r := RankModels(ms)
	if len(r) != 2 || r[0].Model != "b" || math.Abs(r[0].Accuracy-0.8) > 1e-9 || r[1].Worst != "Kenya" || r[1].WorstAccuracy != 0.4 || r[1].Default != "United States" {
		t.Fatalf("ranks %+v", r)
	}
	f := modelComparison(ms)
	if len(f) != 1 || !strings.Contains(f[0].Text, "Of 2 models, b draws the audited cultures most faithfully") || math.Abs(f[0].Effect-0.2) > 1e-9 {
		t.Errorf("comparison %+v", f)
	}
	if RankModels(ms[2:4]) != nil {
		t.Error("one model ranked")
	}
}

// TestDefaultCultureOther: when most images are attributed to no audited
// country, the finding says so in words, not as the label "other".
func TestDefaultCultureOther(t *testing.T) {
	ms := []store.Metric{
		{Name: MetricAttribution, Model: "m", PromptSet: prompts.SetAgnostic, Country: vqa.Other, Value: 0.7, N: 30},
		{Name: MetricAttribution, Model: "m", PromptSet: prompts.SetAgnostic, Country: "Kenya", Value: 0.3, N: 30},
	}
	f := defaultCulture(ms)
	if len(f) != 1 || !strings.Contains(f[0].Text, "judged to depict a country outside the audit") {
		t.Errorf("finding %+v", f)
	}
}

// TestDiversityGapIntervals: the diversity finding quotes the jackknife
// intervals and says when they overlap.
func TestDiversityGapIntervals(t *testing.T) {
	qv := func(country string, v, lo, hi float64) store.Metric {
		return store.Metric{Name: MetricQualityVendi, Model: "m", PromptSet: prompts.SetCountry, Country: country, Value: v, CILow: f64(lo), CIHigh: f64(hi), N: 30}
	}
	tests := []struct {
		name    string
		overlap bool
	}{
		{"separate", false},
		{"overlapping", true},
	}
	for _, tc := range tests {
		hiLow := 2.5
		if tc.overlap {
			hiLow = 1.1
		}
		got := spreadGaps([]store.Metric{qv("Kenya", 1.0, 0.8, 1.2), qv("Korea", 3.0, hiLow, 3.5)}, MetricQualityVendi, "diversity_gap", "diversity")
		if len(got) != 1 {
			t.Fatalf("%s: %d findings", tc.name, len(got))
		}
		text := got[0].Text
		if !strings.Contains(text, "Kenya are the least diverse (quality-weighted Vendi 1.00 [0.80, 1.20], n=30)") || !strings.Contains(text, "Korea (3.00 [") {
			t.Errorf("%s: %q", tc.name, text)
		}
		if strings.Contains(text, "overlap") != tc.overlap {
			t.Errorf("%s: overlap said %v in %q", tc.name, !tc.overlap, text)
		}
	}
}

// TestReviewerTagFindings: an error type the reviewers marked on a
// country's images is a finding when enough ratings marked it often
// enough; too few ratings, a rare mark or the all-countries row is not.
func TestReviewerTagFindings(t *testing.T) {
	t.Parallel()
	lo, hi := 0.2, 0.42
	share := func(country, set string, v float64, n int) store.Agreement {
		return store.Agreement{Statistic: "tag_share", Rating: "tag:anachronism", Country: country, Against: set, Value: v, N: n, CILow: &lo, CIHigh: &hi}
	}
	fs := agreementFindings([]store.Agreement{
		share("Korea", "step 0", 0.31, 40),
		share("Korea", "edited", 0.05, 40),
		share("China", "step 0", 0.5, 6),
		share("", "step 0", 0.4, 80),
	})
	if len(fs) != 1 {
		t.Fatalf("%d findings, want 1: %+v", len(fs), fs)
	}
	want := "Native reviewers marked 31% [20%, 42%] of Korea's base images (step 0) as anachronism (n=40 ratings)."
	if fs[0].Kind != "reviewer_tag" || fs[0].Text != want || fs[0].Effect != 0.31 {
		t.Errorf("finding %+v\nwant text %q", fs[0], want)
	}
}
