package metrics

import (
	"maps"
	"slices"
	"sort"

	"github.com/blindspot-audit/blindspot/audit/attribution"
	"github.com/blindspot-audit/blindspot/audit/stats"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/prompts"
)

// Metrics of defaults and distinctiveness.
const (
	// MetricCentroidAttribution is the share of images nearest each
	// country's centroid of country-specific images (embedding space).
	MetricCentroidAttribution = "centroid_attribution_share"
	// MetricGlobalNorth is the share of images the judge attributed to the
	// spec's Global-North countries; MetricGlobalNorthCentroid the same by
	// nearest centroid.
	MetricGlobalNorth         = "global_north_share"
	MetricGlobalNorthCentroid = "global_north_share_centroid"
	// MetricAttributionDivergence is the Jensen-Shannon divergence (bits)
	// of the judge's attributions from uniform over the audited countries.
	MetricAttributionDivergence = "attribution_divergence"
	// MetricModernShare is the share of images the judge saw as modern.
	MetricModernShare = "modern_share"
	// MetricSilhouette is the silhouette of country-specific images by
	// country (cosine distance), per model and category: how distinct the
	// countries look.
	MetricSilhouette = "country_silhouette"
	// MetricMisplaced is the share of country-specific images nearer
	// another country's centroid than their own.
	MetricMisplaced = "misplaced_share"
)

func shareMetric(name, model, set string, flags []float64) store.Metric {
	if len(flags) == 0 {
		return store.Metric{Name: name, Model: model, PromptSet: set}
	}
	lo, hi := stats.BootstrapMean(flags, bootstrapReps, stats.Seed(name, model, set), ciLevel)
	return store.Metric{Name: name, Model: model, PromptSet: set, Value: stats.Mean(flags), N: len(flags), CILow: &lo, CIHigh: &hi}
}

// answeredShare is shareMetric over the usable answers of asked ones.
func answeredShare(name, model, set string, flags []float64, asked int) store.Metric {
	m := shareMetric(name, model, set, flags)
	m.Asked, m.ParseRate = asked, parseRate(len(flags), asked)
	return m
}

// defaultMetrics reads which culture and era a model falls back on, and how
// distinct its countries are.
func defaultMetrics(recs []*record, globalNorth []string) []store.Metric {
	gn := map[string]bool{}
	for _, c := range globalNorth {
		gn[c] = true
	}
	type key struct{ model, set string }
	byKey := map[key][]*record{}
	var keys []key
	countries := map[string]bool{}
	for _, r := range recs {
		if r.kind != store.KindGenerated || r.status != store.StatusOK || r.duplicate {
			continue
		}
		k := key{r.model, r.set}
		if byKey[k] == nil {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], r)
		if r.country != "" {
			countries[r.country] = true
		}
	}
	support := make([]string, 0, len(countries))
	for c := range countries {
		support = append(support, c)
	}
	sort.Strings(support)

	var out []store.Metric
	for _, k := range keys {
		rs := byKey[k]
		// The judge's attributions: Global-North share and divergence.
		// Unparsed and refused answers are missing data: counted in asked,
		// never a country or an era.
		var gnFlags, modern []float64
		var labels []string
		askedAttr, askedEra := 0, 0
		for _, r := range rs {
			if r.attributed != "" {
				askedAttr++
				if usableLabel(r.attributed) {
					labels = append(labels, r.attributed)
					gnFlags = append(gnFlags, b2f(gn[r.attributed]))
				}
			}
			if r.era != "" {
				askedEra++
				if r.era == "modern" || r.era == "traditional" {
					modern = append(modern, b2f(r.era == "modern"))
				}
			}
		}
		if askedAttr > 0 {
			out = append(out, answeredShare(MetricGlobalNorth, k.model, k.set, gnFlags, askedAttr))
			if len(support) > 0 {
				d := store.Metric{Name: MetricAttributionDivergence, Model: k.model, PromptSet: k.set, N: len(labels),
					Asked: askedAttr, ParseRate: parseRate(len(labels), askedAttr)}
				if len(labels) > 0 {
					d.Value = attribution.Divergence(attribution.Shares(labels), support)
				}
				out = append(out, d)
			}
		}
		if askedEra > 0 {
			out = append(out, answeredShare(MetricModernShare, k.model, k.set, modern, askedEra))
		}
	}
	// Embedding space: centroids of each model's country-specific images.
	for _, k := range keys {
		if k.set != prompts.SetCountry {
			continue
		}
		groups := map[string][][]float64{}
		for _, r := range byKey[k] {
			if r.vector != nil {
				groups[r.country] = append(groups[r.country], r.vector)
			}
		}
		if len(groups) < 2 {
			continue
		}
		centroids := attribution.Centroids(groups)
		agnostic := byKey[key{k.model, prompts.SetAgnostic}]
		var near []string
		var gnFlags []float64
		for _, r := range agnostic {
			if r.vector != nil {
				n := attribution.Nearest(r.vector, centroids)
				near = append(near, n)
				gnFlags = append(gnFlags, b2f(gn[n]))
			}
		}
		if len(near) > 0 {
			for _, c := range slices.Sorted(maps.Keys(centroids)) {
				flags := make([]float64, len(near))
				for i, n := range near {
					flags[i] = b2f(n == c)
				}
				m := shareMetric(MetricCentroidAttribution, k.model, prompts.SetAgnostic, flags)
				m.Country = c
				out = append(out, m)
			}
			out = append(out, shareMetric(MetricGlobalNorthCentroid, k.model, prompts.SetAgnostic, gnFlags))
		}
		// Distinctiveness per category.
		byCat := map[string][]*record{}
		for _, r := range byKey[k] {
			if r.vector != nil {
				byCat[r.category] = append(byCat[r.category], r)
			}
		}
		for _, cat := range slices.Sorted(maps.Keys(byCat)) {
			var vecs [][]float64
			var labels []string
			for _, r := range byCat[cat] {
				vecs, labels = append(vecs, r.vector), append(labels, r.country)
			}
			if s, ok := attribution.Silhouette(vecs, labels); ok {
				out = append(out, store.Metric{Name: MetricSilhouette, Model: k.model, PromptSet: k.set, Category: cat, Value: s, N: len(vecs)})
				out = append(out, store.Metric{Name: MetricMisplaced, Model: k.model, PromptSet: k.set, Category: cat,
					Value: attribution.Misplaced(vecs, labels, centroids), N: len(vecs)})
			}
		}
	}
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
