package reports

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/blindspot-audit/blindspot/audit/store"
)

// agreementNames are the statistics' names as a reader sees them.
var agreementNames = map[string]string{
	"alpha_nominal":   "Krippendorff's alpha (nominal)",
	"alpha_ordinal":   "Krippendorff's alpha (ordinal)",
	"alpha_interval":  "Krippendorff's alpha (interval)",
	"fleiss_kappa":    "Fleiss' kappa",
	"cohen_kappa":     "Cohen's kappa",
	"spearman":        "Spearman's rho",
	"kendall":         "Kendall's tau-b",
	"best_agreement":  "Best pick agrees",
	"worst_agreement": "Worst pick agrees",
	"tag_share":       "Share of ratings marking it",
}

func agreementRow(a store.Agreement) []string {
	country := a.Country
	if country == "" {
		country = "all"
	}
	name := agreementNames[a.Statistic]
	if name == "" {
		name = a.Statistic
	}
	ci := "-"
	if a.CILow != nil {
		ci = fmt.Sprintf("[%.2f, %.2f]", *a.CILow, *a.CIHigh)
	}
	return []string{a.Rating, name, country, a.Against, fmt.Sprintf("%.2f", a.Value), ci, fmt.Sprint(a.N)}
}

var agreementHead = []string{"Rating", "Statistic", "Reviewers of", "Against", "Value", "95% CI", "n"}

// writeAgreement prints the reviewers' agreement for the terminal.
func writeAgreement(w io.Writer, as []store.Agreement) error {
	fmt.Fprintln(w, "\nNative reviewers: agreement between reviewers, with the automatic metrics, and with the judge's best/worst picks (95% bootstrap CI over items):")
	t := newFitTable(w, 3)
	t.Header(agreementHead...)
	for _, a := range as {
		if err := t.Append(agreementRow(a)); err != nil {
			return err
		}
	}
	return t.Render()
}

// humanSection shows the reviewers' agreement: ordinal alpha per country
// for each rating, the correlations and the pick agreement.
func humanSection(as []store.Agreement) (Section, bool) {
	if len(as) == 0 {
		return Section{}, false
	}
	s := Section{ID: "human", Title: "Native reviewers: agreement and correlation with the automatic metrics",
		Note: "Krippendorff's alpha and the kappas measure how far reviewers agree (1 perfect, 0 chance); Spearman and Kendall how the mean human rating of an item follows an automatic metric; the pick rows how often the judge's best/worst image of an edit chain is the one a reviewer marked (ECB reports 74% and 84%); a tag (tag:NAME) is an error type reviewers marked, with nominal agreement and the share of ratings that marked it, for base (step 0) and edited images."}
	var countries []string
	for _, a := range as {
		if a.Statistic == "alpha_ordinal" && !slices.Contains(countries, label(a.Country)) {
			countries = append(countries, label(a.Country))
		}
	}
	// A series per scale, in the protocol's order (cultural first).
	dims := []string{"cultural"}
	for _, a := range as {
		if a.Statistic == "alpha_ordinal" && !slices.Contains(dims, a.Rating) {
			dims = append(dims, a.Rating)
		}
	}
	var series []ciSeries
	for _, dim := range dims {
		cs := ciSeries{Name: dim, Vals: make([]*store.Metric, len(countries))}
		found := false
		for _, a := range as {
			if a.Statistic == "alpha_ordinal" && a.Rating == dim {
				m := store.Metric{Value: a.Value, CILow: a.CILow, CIHigh: a.CIHigh, N: a.N}
				cs.Vals[slices.Index(countries, label(a.Country))] = &m
				found = true
			}
		}
		if found {
			series = append(series, cs)
		}
	}
	if len(series) > 0 {
		s.Charts = append(s.Charts, ciBars("human-alpha", "Ordinal Krippendorff's alpha per reviewer group", countries, series, 1))
	}
	s.Charts = append(s.Charts, tagShareCharts(as)...)
	t := Table{Head: agreementHead}
	for _, a := range as {
		t.Rows = append(t.Rows, agreementRow(a))
	}
	s.Tables = []Table{t}
	return s, true
}

// tagShareCharts draw, for base and for edited images, the share of
// ratings that marked each error type, per reviewer group.
func tagShareCharts(as []store.Agreement) []Chart {
	var out []Chart
	for _, set := range []struct{ against, id, title string }{
		{"step 0", "human-tags-base", "Share of ratings marking each error type: base images (step 0)"},
		{"edited", "human-tags-edited", "Share of ratings marking each error type: edited images"},
	} {
		var groups, tags []string
		for _, a := range as {
			if a.Statistic == "tag_share" && a.Against == set.against {
				if !slices.Contains(groups, label(a.Country)) {
					groups = append(groups, label(a.Country))
				}
				if !slices.Contains(tags, a.Rating) {
					tags = append(tags, a.Rating)
				}
			}
		}
		if len(tags) == 0 {
			continue
		}
		series := make([]ciSeries, len(tags))
		for i, tag := range tags {
			series[i] = ciSeries{Name: strings.TrimPrefix(tag, "tag:"), Vals: make([]*store.Metric, len(groups))}
		}
		for _, a := range as {
			if a.Statistic == "tag_share" && a.Against == set.against {
				m := store.Metric{Value: a.Value, CILow: a.CILow, CIHigh: a.CIHigh, N: a.N}
				series[slices.Index(tags, a.Rating)].Vals[slices.Index(groups, label(a.Country))] = &m
			}
		}
		out = append(out, ciBars(set.id, set.title, groups, series, 1))
	}
	return out
}

func label(country string) string {
	if country == "" {
		return "all"
	}
	return country
}

// WriteAgreementTable prints the agreement statistics as a table.
func WriteAgreementTable(w io.Writer, as []store.Agreement) error { return writeAgreement(w, as) }

// WriteAgreementSummary prints, per country, who rated how much and how
// far they agree on cultural representation (Krippendorff's ordinal alpha
// with its interval), or why there is no alpha: one short table, where the
// full one runs to a hundred lines.
func WriteAgreementSummary(w io.Writer, cov []store.ReviewCoverage, as []store.Agreement) error {
	// The headline scale is "cultural"; a protocol without it shows its
	// first scale.
	scale, what := "cultural", "cultural representation"
	if !slices.ContainsFunc(as, func(a store.Agreement) bool { return a.Statistic == "alpha_ordinal" && a.Rating == "cultural" }) {
		if i := slices.IndexFunc(as, func(a store.Agreement) bool { return a.Statistic == "alpha_ordinal" }); i >= 0 {
			scale, what = as[i].Rating, "the "+as[i].Rating+" scale"
		}
	}
	alpha := map[string]store.Agreement{}
	for _, a := range as {
		if a.Statistic == "alpha_ordinal" && a.Rating == scale {
			alpha[a.Country] = a
		}
	}
	fmt.Fprintf(w, "\nNative reviewers, per country: agreement on %s (Krippendorff's ordinal alpha, 95%% CI):\n", what)
	t := newFitTable(w, 1)
	t.Header("Country", "Reviewers", "Items rated", "Rated by 2+", "Alpha")
	for _, c := range cov {
		cell := ""
		a, ok := alpha[c.Country]
		switch {
		case ok:
			cell = fmt.Sprintf("%.2f%s (n=%d)", a.Value, ciText(a.CILow, a.CIHigh), a.N)
		case c.Raters == 0:
			cell = "none: no ratings yet"
		case c.Raters < 2:
			cell = "none: one reviewer, so no agreement to measure"
		case c.ItemsTwice < 2:
			cell = fmt.Sprintf("none: %d items rated by two or more reviewers, 2 needed", c.ItemsTwice)
		default:
			cell = "none: the ratings do not vary, so alpha is undefined"
		}
		if err := t.Append([]string{c.Country, fmt.Sprint(c.Raters), fmt.Sprintf("%d of %d", c.Items, c.Exported), fmt.Sprint(c.ItemsTwice), cell}); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	if a, ok := alpha[""]; ok {
		fmt.Fprintf(w, "All countries: alpha %.2f%s over %d items rated by two or more reviewers.\n", a.Value, ciText(a.CILow, a.CIHigh), a.N)
	}
	fmt.Fprintln(w, "The full table (every statistic, the correlations with the automatic metrics, the picks): sheets import --verbose, or the report.")
	return nil
}

func ciText(lo, hi *float64) string {
	if lo == nil || hi == nil {
		return ""
	}
	return fmt.Sprintf(" [%.2f, %.2f]", *lo, *hi)
}
