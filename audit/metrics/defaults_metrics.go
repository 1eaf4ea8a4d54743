package metrics

import (
	"fmt"
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
func defaultMetrics(recs []*record, globalNorth []string, vectors *vectorSource) ([]store.Metric, error) {
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
		em, err := embeddingDefaults(byKey[k], byKey[key{k.model, prompts.SetAgnostic}], gn, vectors)
		if err != nil {
			return nil, err
		}
		out = append(out, em...)
	}
	return out, nil
}

// embeddingDefaults attributes a model's agnostic images to the nearest
// centroid of its country-specific images, and measures how distinct its
// countries are per category (silhouette, misplaced share). The vectors
// are read a category at a time: once for the centroids, once for the
// rest; the results keep the images' order.
func embeddingDefaults(specific, agnostic []*record, gn map[string]bool, vectors *vectorSource) ([]store.Metric, error) {
	model := ""
	byCat := map[string][]*record{}
	countries := map[string]bool{}
	for _, r := range specific {
		model = r.model
		if r.embedded() {
			byCat[r.category] = append(byCat[r.category], r)
			countries[r.country] = true
		}
	}
	if len(countries) < 2 {
		return nil, nil
	}
	agnByCat := map[string][]*record{}
	for _, r := range agnostic {
		if r.embedded() {
			agnByCat[r.category] = append(agnByCat[r.category], r)
		}
	}
	cats := slices.Sorted(maps.Keys(byCat))
	sums := attribution.CentroidSums{}
	for _, cat := range cats {
		release, err := vectors.load(byCat[cat])
		if err != nil {
			return nil, fmt.Errorf("centroids: %w", err)
		}
		for _, r := range byCat[cat] {
			if r.vector != nil {
				sums.Add(r.country, r.vector)
			}
		}
		release()
	}
	centroids := sums.Centroids()
	nearest := map[*record]string{}
	var distinct []store.Metric
	catSet := map[string]bool{}
	for c := range byCat {
		catSet[c] = true
	}
	for c := range agnByCat {
		catSet[c] = true
	}
	for _, cat := range slices.Sorted(maps.Keys(catSet)) {
		release, err := vectors.load(append(slices.Clip(byCat[cat]), agnByCat[cat]...))
		if err != nil {
			return nil, fmt.Errorf("centroids: %w", err)
		}
		for _, r := range agnByCat[cat] {
			if r.vector != nil {
				nearest[r] = attribution.Nearest(r.vector, centroids)
			}
		}
		// Distinctiveness per category.
		var vecs [][]float64
		var labels []string
		for _, r := range byCat[cat] {
			if r.vector != nil {
				vecs, labels = append(vecs, r.vector), append(labels, r.country)
			}
		}
		if s, ok := attribution.Silhouette(vecs, labels); ok {
			distinct = append(distinct, store.Metric{Name: MetricSilhouette, Model: model, PromptSet: prompts.SetCountry, Category: cat, Value: s, N: len(vecs)})
			distinct = append(distinct, store.Metric{Name: MetricMisplaced, Model: model, PromptSet: prompts.SetCountry, Category: cat,
				Value: attribution.Misplaced(vecs, labels, centroids), N: len(vecs)})
		}
		release()
	}
	var out []store.Metric
	var near []string
	var gnFlags []float64
	for _, r := range agnostic {
		if n, ok := nearest[r]; ok {
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
			m := shareMetric(MetricCentroidAttribution, model, prompts.SetAgnostic, flags)
			m.Country = c
			out = append(out, m)
		}
		out = append(out, shareMetric(MetricGlobalNorthCentroid, model, prompts.SetAgnostic, gnFlags))
	}
	return append(out, distinct...), nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
