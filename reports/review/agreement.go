package review

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/blindspot-audit/blindspot/audit/agreement"
	"github.com/blindspot-audit/blindspot/audit/stats"
	"github.com/blindspot-audit/blindspot/audit/store"
)

// Resampling of every agreement interval.
const (
	bootReps  = 1000
	bootLevel = 0.95
	// minCommon is how many items two reviewers must share for Cohen's
	// kappa of the pair to be reported.
	minCommon = 5
)

// TagPrefix marks an error type in an agreement's Rating ("tag:stereotype"),
// to tell it from a scale.
const TagPrefix = "tag:"

// dimensions are what agreement is computed on: every scale of the
// protocol, and every tag.
func dimensions(p Protocol) []string {
	var out []string
	for _, s := range p.Scales {
		out = append(out, s.Name)
	}
	for _, t := range p.Tags {
		out = append(out, TagPrefix+t.Name)
	}
	return out
}

// value is a rating on a dimension, 0 when blank. A tag is 2 where the
// reviewer marked it and 1 where they rated the image without marking it:
// two categories for nominal agreement.
func value(r store.Rating, dim string) int {
	if tag, ok := strings.CutPrefix(dim, TagPrefix); ok {
		if r.HasTag(tag) {
			return 2
		}
		return 1
	}
	return r.Score(dim)
}

// ComputeAgreement derives every agreement statistic from the run store
// (exported items, reviewers' current ratings, the judge's scores and
// picks) and replaces the agreement table. It calls no model.
func ComputeAgreement(ctx context.Context, run *store.Run) ([]store.Agreement, error) {
	items, err := run.ReviewItems(ctx)
	if err != nil {
		return nil, err
	}
	rs, err := run.CurrentRatings(ctx)
	if err != nil {
		return nil, err
	}
	proto, err := loadProtocol(ctx, run)
	if err != nil {
		return nil, err
	}
	dims := dimensions(proto)
	var out []store.Agreement
	if len(rs) > 0 {
		out = append(out, raterAgreement(dims, items, rs)...)
		auto, err := automatic(ctx, run.DB())
		if err != nil {
			return nil, err
		}
		out = append(out, correlations(dims, items, rs, auto)...)
		out = append(out, tagShares(proto, items, rs)...)
		pk, err := pickAgreement(ctx, run, items, rs)
		if err != nil {
			return nil, err
		}
		out = append(out, pk...)
	}
	if err := run.ReplaceAgreement(out); err != nil {
		return nil, fmt.Errorf("storing agreement: %w", err)
	}
	return out, nil
}

func est(stat, rating, country, against string, e agreement.Estimate) store.Agreement {
	a := store.Agreement{Statistic: stat, Rating: rating, Country: country, Against: against, Value: e.Value, N: e.N}
	if !math.IsNaN(e.Low) {
		lo, hi := e.Low, e.High
		a.CILow, a.CIHigh = &lo, &hi
	}
	return a
}

func scopes(items map[string]store.ReviewItem) []string {
	seen := map[string]bool{}
	out := []string{""}
	for _, it := range items {
		if !seen[it.Country] {
			seen[it.Country] = true
			out = append(out, it.Country)
		}
	}
	sort.Strings(out)
	return out
}

// raterAgreement: Krippendorff's alpha at three levels (a tag's, nominal
// only) and Fleiss' kappa per dimension, over all items and per country;
// Cohen's kappa per pair of reviewers of a country.
func raterAgreement(dims []string, items map[string]store.ReviewItem, rs []store.CurrentRating) []store.Agreement {
	var reviewers []string
	col := map[string]int{}
	for _, r := range rs {
		if _, ok := col[r.Reviewer]; !ok {
			col[r.Reviewer] = len(reviewers)
			reviewers = append(reviewers, r.Reviewer)
		}
	}
	var out []store.Agreement
	for _, dim := range dims {
		levels := []agreement.Level{agreement.Nominal, agreement.Ordinal, agreement.Interval}
		if strings.HasPrefix(dim, TagPrefix) {
			levels = levels[:1]
		}
		byItem := map[string][]float64{}
		for _, r := range rs {
			v := value(r.Rating, dim)
			if v == 0 {
				continue
			}
			row := byItem[r.ItemID]
			if row == nil {
				row = make([]float64, len(reviewers))
				for i := range row {
					row[i] = math.NaN()
				}
				byItem[r.ItemID] = row
			}
			row[col[r.Reviewer]] = float64(v)
		}
		for _, scope := range scopes(items) {
			var ids []string
			for id := range byItem {
				if scope == "" || items[id].Country == scope {
					ids = append(ids, id)
				}
			}
			sort.Strings(ids)
			units := make([][]float64, len(ids))
			for i, id := range ids {
				units[i] = byItem[id]
			}
			if pairable(units) < 2 {
				continue
			}
			for _, lvl := range levels {
				e := agreement.Bootstrap(len(units), func(idx []int) float64 {
					sub := make([][]float64, len(idx))
					for i, u := range idx {
						sub[i] = units[u]
					}
					a, _ := agreement.Alpha(sub, lvl)
					return a
				}, bootReps, stats.Seed("alpha", dim, scope, lvl.String()), bootLevel)
				if !math.IsNaN(e.Value) {
					a := est("alpha_"+lvl.String(), dim, scope, "", e)
					// n is the items alpha can use: those two or more rated.
					a.N = pairable(units)
					out = append(out, a)
				}
			}
			if counts := fleissCounts(units); len(counts) >= 2 {
				e := agreement.Bootstrap(len(counts), func(idx []int) float64 {
					sub := make([][]int, len(idx))
					for i, u := range idx {
						sub[i] = counts[u]
					}
					k, _ := agreement.Fleiss(sub)
					return k
				}, bootReps, stats.Seed("fleiss", dim, scope), bootLevel)
				if !math.IsNaN(e.Value) {
					out = append(out, est("fleiss_kappa", dim, scope, "", e))
				}
			}
			if scope == "" {
				continue
			}
			for a := 0; a < len(reviewers); a++ {
				for b := a + 1; b < len(reviewers); b++ {
					var la, lb []string
					for _, u := range units {
						if !math.IsNaN(u[a]) && !math.IsNaN(u[b]) {
							la, lb = append(la, fmt.Sprint(u[a])), append(lb, fmt.Sprint(u[b]))
						}
					}
					if len(la) < minCommon {
						continue
					}
					e := agreement.Bootstrap(len(la), func(idx []int) float64 {
						x, y := make([]string, len(idx)), make([]string, len(idx))
						for i, u := range idx {
							x[i], y[i] = la[u], lb[u]
						}
						k, _ := agreement.Cohen(x, y)
						return k
					}, bootReps, stats.Seed("cohen", dim, scope, reviewers[a], reviewers[b]), bootLevel)
					if !math.IsNaN(e.Value) {
						out = append(out, est("cohen_kappa", dim, scope, reviewers[a]+" vs "+reviewers[b], e))
					}
				}
			}
		}
	}
	return out
}

// pairable counts units with at least two ratings.
func pairable(units [][]float64) int {
	n := 0
	for _, u := range units {
		m := 0
		for _, v := range u {
			if !math.IsNaN(v) {
				m++
			}
		}
		if m >= 2 {
			n++
		}
	}
	return n
}

// fleissCounts keeps the units rated by the most common number (at least
// two) of reviewers, as Fleiss' kappa needs, as counts per scale point.
func fleissCounts(units [][]float64) [][]int {
	freq := map[int]int{}
	count := func(u []float64) int {
		m := 0
		for _, v := range u {
			if !math.IsNaN(v) {
				m++
			}
		}
		return m
	}
	for _, u := range units {
		if m := count(u); m >= 2 {
			freq[m]++
		}
	}
	best, bestN := 0, 0
	for m, n := range freq {
		if n > bestN || (n == bestN && m > best) {
			best, bestN = m, n
		}
	}
	var out [][]int
	for _, u := range units {
		if count(u) != best {
			continue
		}
		row := make([]int, 5)
		for _, v := range u {
			if !math.IsNaN(v) && v >= 1 && v <= 5 {
				row[int(v)-1]++
			}
		}
		out = append(out, row)
	}
	return out
}

// Automatic metrics an item's human rating is compared with.
const (
	AutoVQAAccuracy = "vqa_accuracy"
	AutoVLMRating   = "vlm_cultural_rating"
	AutoAesthetic   = "aesthetic_score"
	AutoSSIM        = "ssim_to_step0"
)

// automatic reads per-image automatic scores: judge accuracy and rating
// (mean over judges), aesthetic score (mean over scorers), SSIM to step 0.
func automatic(ctx context.Context, db *store.DB) (map[string]map[string]float64, error) {
	out := map[string]map[string]float64{}
	for name, figure := range map[string]string{AutoVQAAccuracy: store.MeanAccuracy, AutoVLMRating: store.MeanRating, AutoAesthetic: store.MeanQuality, AutoSSIM: store.SSIMToStart} {
		m, err := db.PerImage(ctx, figure)
		if err != nil {
			return nil, err
		}
		out[name] = m
	}
	return out, nil
}

// correlations: Spearman's rho and Kendall's tau-b between the mean human
// rating of each item and each automatic metric of its image.
func correlations(dims []string, items map[string]store.ReviewItem, rs []store.CurrentRating, auto map[string]map[string]float64) []store.Agreement {
	pairsOf := map[string][]string{"cultural": {AutoVQAAccuracy, AutoVLMRating, AutoSSIM}, "quality": {AutoAesthetic, AutoSSIM}, "alignment": {AutoVQAAccuracy}}
	var out []store.Agreement
	for _, dim := range dims {
		sum, n := map[string]float64{}, map[string]float64{}
		for _, r := range rs {
			if v := value(r.Rating, dim); v > 0 {
				sum[r.ItemID] += float64(v)
				n[r.ItemID]++
			}
		}
		for _, metric := range pairsOf[dim] {
			for _, scope := range scopes(items) {
				var xs, ys []float64
				var ids []string
				for id := range sum {
					ids = append(ids, id)
				}
				sort.Strings(ids)
				for _, id := range ids {
					it := items[id]
					if scope != "" && it.Country != scope {
						continue
					}
					a, ok := auto[metric][it.ImageID]
					if !ok {
						continue
					}
					xs, ys = append(xs, sum[id]/n[id]), append(ys, a)
				}
				if len(xs) < 3 {
					continue
				}
				for _, c := range []struct {
					name string
					fn   func(x, y []float64) float64
				}{{"spearman", agreement.Spearman}, {"kendall", agreement.Kendall}} {
					e := agreement.Bootstrap(len(xs), func(idx []int) float64 {
						x, y := make([]float64, len(idx)), make([]float64, len(idx))
						for i, u := range idx {
							x[i], y[i] = xs[u], ys[u]
						}
						return c.fn(x, y)
					}, bootReps, stats.Seed(c.name, dim, metric, scope), bootLevel)
					if !math.IsNaN(e.Value) {
						out = append(out, est(c.name, dim, scope, metric, e))
					}
				}
			}
		}
	}
	return out
}

// pickAgreement: how often the judge's best (worst) pick of an edit chain
// is the image a reviewer marked Best (Worst), over chains both judged on
// the same images (ECB reports 74% and 84%).
func pickAgreement(ctx context.Context, run *store.Run, items map[string]store.ReviewItem, rs []store.CurrentRating) ([]store.Agreement, error) {
	picks, err := run.Picks(ctx)
	if err != nil {
		return nil, err
	}
	// The judge's pick by the exact images shown.
	byImages := map[string][]store.Pick{}
	for _, p := range picks {
		if p.BestStep >= 0 {
			byImages[strings.Join(p.ImageIDs, ",")] = append(byImages[strings.Join(p.ImageIDs, ",")], p)
		}
	}
	groupImages := map[string][]store.ReviewItem{}
	for _, it := range items {
		if it.Kind == KindChain {
			groupImages[it.GroupID] = append(groupImages[it.GroupID], it)
		}
	}
	type verdict struct{ best, worst int }
	human := map[[2]string]*verdict{} // reviewer, group
	for _, r := range rs {
		it := items[r.ItemID]
		if it.Kind != KindChain || (!r.Best && !r.Worst) {
			continue
		}
		k := [2]string{r.Reviewer, it.GroupID}
		v := human[k]
		if v == nil {
			v = &verdict{-1, -1}
			human[k] = v
		}
		if r.Best {
			v.best = it.Step
		}
		if r.Worst {
			v.worst = it.Step
		}
	}
	type obs struct {
		country, judge string
		best, worst    float64 // 1 agree, 0 not, NaN not marked
	}
	var all []obs
	keys := make([][2]string, 0, len(human))
	for k := range human {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	for _, k := range keys {
		g := groupImages[k[1]]
		sort.Slice(g, func(i, j int) bool { return g[i].Step < g[j].Step })
		ids := make([]string, len(g))
		for i, it := range g {
			ids[i] = it.ImageID
		}
		for _, p := range byImages[strings.Join(ids, ",")] {
			v := human[k]
			o := obs{country: g[0].Country, judge: p.Judge, best: math.NaN(), worst: math.NaN()}
			if v.best >= 0 {
				o.best = b2f(v.best == p.BestStep)
			}
			if v.worst >= 0 {
				o.worst = b2f(v.worst == p.WorstStep)
			}
			all = append(all, o)
		}
	}
	var out []store.Agreement
	judges := map[string]bool{}
	for _, o := range all {
		judges[o.judge] = true
	}
	for judge := range judges {
		for _, scope := range scopes(items) {
			for _, side := range []string{"best", "worst"} {
				var xs []float64
				for _, o := range all {
					if o.judge != judge || (scope != "" && o.country != scope) {
						continue
					}
					v := o.best
					if side == "worst" {
						v = o.worst
					}
					if !math.IsNaN(v) {
						xs = append(xs, v)
					}
				}
				if len(xs) == 0 {
					continue
				}
				e := agreement.Bootstrap(len(xs), func(idx []int) float64 {
					s := 0.0
					for _, u := range idx {
						s += xs[u]
					}
					return s / float64(len(idx))
				}, bootReps, stats.Seed("pick", side, judge, scope), bootLevel)
				out = append(out, est(side+"_agreement", "pick", scope, judge, e))
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].Against+out[i].Statistic+out[i].Country < out[j].Against+out[j].Statistic+out[j].Country
	})
	return out, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Coverage is how far one country's items were rated; see
// store.ReviewCoverage.
type Coverage = store.ReviewCoverage

// CoverageOf counts, per country in order, the raters and rated items of
// the current ratings.
func CoverageOf(items map[string]store.ReviewItem, rs []store.CurrentRating) []Coverage {
	byCountry := map[string]*Coverage{}
	get := func(c string) *Coverage {
		if byCountry[c] == nil {
			byCountry[c] = &Coverage{Country: c}
		}
		return byCountry[c]
	}
	for _, it := range items {
		get(it.Country).Exported++
	}
	raters := map[string]map[string]bool{}
	perItem := map[string]map[string]bool{}
	for _, r := range rs {
		if r.Quality == 0 && r.Cultural == 0 && r.Alignment == 0 && !r.Best && !r.Worst {
			continue
		}
		c := items[r.ItemID].Country
		if raters[c] == nil {
			raters[c] = map[string]bool{}
		}
		raters[c][r.Reviewer] = true
		if perItem[r.ItemID] == nil {
			perItem[r.ItemID] = map[string]bool{}
		}
		perItem[r.ItemID][r.Reviewer] = true
	}
	for id, who := range perItem {
		cv := get(items[id].Country)
		cv.Items++
		if len(who) >= 2 {
			cv.ItemsTwice++
		}
	}
	var out []Coverage
	for _, c := range slices.Sorted(maps.Keys(byCountry)) {
		cv := byCountry[c]
		cv.Raters = len(raters[c])
		out = append(out, *cv)
	}
	return out
}

// Image sets a tag share is reported for (the Against of a tag_share).
const (
	TagShareBase   = "step 0" // generated images and chains' first images
	TagShareEdited = "edited" // edit-chain steps after 0
)

// tagShares: per error type, the share of the reviewers' ratings that
// marked it, over all countries and per country, for base and for edited
// images. The interval resamples images, not ratings: the reviewers of one
// image are not independent of each other.
func tagShares(p Protocol, items map[string]store.ReviewItem, rs []store.CurrentRating) []store.Agreement {
	var out []store.Agreement
	for _, t := range p.Tags {
		for _, scope := range scopes(items) {
			for _, set := range []string{TagShareBase, TagShareEdited} {
				// Per image: how many ratings marked the tag, of how many.
				at := map[string]int{}
				var marked, rated []float64
				for _, r := range rs {
					it, ok := items[r.ItemID]
					if !ok || (scope != "" && it.Country != scope) || (set == TagShareBase) != (it.Step == 0) {
						continue
					}
					k, ok := at[r.ItemID]
					if !ok {
						k = len(rated)
						at[r.ItemID] = k
						marked, rated = append(marked, 0), append(rated, 0)
					}
					marked[k] += b2f(r.HasTag(t.Name))
					rated[k]++
				}
				if len(rated) == 0 {
					continue
				}
				share := func(idx []float64) float64 {
					var m, n float64
					for _, v := range idx {
						m, n = m+marked[int(v)], n+rated[int(v)]
					}
					return m / n
				}
				idx := make([]float64, len(rated))
				for i := range idx {
					idx[i] = float64(i)
				}
				lo, hi := stats.Bootstrap(idx, share, bootReps, stats.Seed("tag_share", t.Name, scope, set), bootLevel)
				n := 0
				for _, v := range rated {
					n += int(v)
				}
				out = append(out, est("tag_share", TagPrefix+t.Name, scope, set, agreement.Estimate{Value: share(idx), Low: lo, High: hi, N: n}))
			}
		}
	}
	return out
}
