package metrics

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/sourcegraph/conc/iter"

	"github.com/blindspot-audit/blindspot/audit/diversity"
	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/audit/stats"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/prompts"
	"github.com/blindspot-audit/blindspot/vqa"
)

// Metric names.
const (
	// MetricVQAAccuracy is the mean over images of the judge's per-image
	// accuracy (TP+TN)/answered.
	MetricVQAAccuracy = "vqa_accuracy"
	// MetricAttribution is the share of images the judge attributed to a
	// country (for agnostic prompts: the model's default culture).
	MetricAttribution = "attribution_share"
	// MetricRefusalRate and MetricFailureRate are shares of image calls.
	MetricRefusalRate = "refusal_rate"
	MetricFailureRate = "failure_rate"
	// MetricVendi is the Vendi score (q = 1) of a group's image embeddings
	// under the cosine kernel; MetricQualityVendi weighs it by the group's
	// mean judge accuracy.
	MetricVendi        = "vendi"
	MetricQualityVendi = "quality_vendi"
)

// Resampling sizes.
const (
	bootstrapReps   = 1000
	permutationReps = 2000
	ciLevel         = 0.95
)

// record is one image, by one judge, as the metrics see it. The fields it
// has in common with every image of its prompt, model, chain and judge sit
// in one shared origin: an audit holds tens of thousands of records.
type record struct {
	*origin
	id          string
	step        int
	status      string
	accuracy    *float64
	attributed  string
	era         string
	rating      int
	geotag      string
	human       float64 // mean Cultural Representation of the native reviewers (0: none)
	parent, sha string
	// base is, for an edited image, the text-to-image model whose image
	// its chain started from: an editor's chains from two models are
	// measured apart (Metric.BaseModel). "" for a generated image.
	base        string
	vector      []float64 // only while a group's metrics read it (see vectorSource)
	hasVector   bool      // the embedder embedded the image
	seed        int64
	questions   int  // yes/no questions asked
	answered    int  // and answered usably
	askedRating bool // the judge was asked for a cultural rating
	askedGeotag bool // and for a geotag
	// duplicate marks an image byte-identical to one of a lower seed in
	// the same cell (same model, prompt, chain, target and step): a model
	// that ignores seeds does not add to n.
	duplicate bool
}

// origin is what images of one prompt, model, chain and judge have in
// common.
type origin struct {
	kind, model, set, country, target, category, variant, chain string
	judge, promptID, language, subcategory                      string
}

// Compute derives every metric from the run store (and the images
// in blobs) alone and writes them back, replacing the previous set. It
// calls no model, so it can be re-run at will; drift measures already
// stored are not computed again.
func Compute(ctx context.Context, run *store.Run, blobs *store.Blobs) ([]store.Metric, error) {
	info, err := run.Info(ctx)
	if err != nil {
		return nil, err
	}
	embedder, err := diversityEmbedder(ctx, run, info)
	if err != nil {
		return nil, err
	}
	recs, err := loadRecords(ctx, run.DB(), embedder)
	if err != nil {
		return nil, err
	}
	// Images of a translation a reviewer has since corrected stay stored
	// but count nowhere: the corrected prompt's images replace them.
	superseded, err := run.DB().SupersededImages(ctx)
	if err != nil {
		return nil, err
	}
	recs = slices.DeleteFunc(recs, func(r *record) bool { return superseded[r.id] })
	rates, err := ParseRates(ctx, run.DB())
	if err != nil {
		return nil, fmt.Errorf("parse rates: %w", err)
	}
	health, err := JudgeHealth(ctx, run.DB())
	if err != nil {
		return nil, err
	}
	if err := run.ReplaceJudgeHealth(rates, health); err != nil {
		return nil, fmt.Errorf("storing the judge's health: %w", err)
	}
	if info.DropFlagged {
		if err := rescoreWithoutFlagged(ctx, run.DB(), recs, health); err != nil {
			return nil, err
		}
	}
	perceptual, err := perceptualDuplicates(ctx, run, blobs, recs)
	if err != nil {
		return nil, err
	}
	if err := storePerceptual(run, perceptual); err != nil {
		return nil, fmt.Errorf("storing perceptual duplicates: %w", err)
	}
	drifts, err := measureDrift(ctx, run, blobs, recs)
	if err != nil {
		return nil, err
	}
	// Every metric but the language_* ones reads the English prompts'
	// images, as runs without other languages always did.
	all := recs
	recs, others := splitLanguages(recs)
	var ms []store.Metric
	vectors := &vectorSource{ctx: ctx, db: run.DB(), embedder: embedder}
	dm, err := driftMetrics(recs, drifts, vectors)
	if err != nil {
		return nil, err
	}
	ms = append(ms, dm...)
	ms = append(ms, accuracyMetrics(recs)...)
	ms = append(ms, attributionMetrics(recs)...)
	ms = append(ms, ratingMetrics(recs)...)
	gm, err := geotagMetrics(recs)
	if err != nil {
		return nil, err
	}
	ms = append(ms, gm...)
	cm, err := clipMetrics(ctx, run.DB(), recs)
	if err != nil {
		return nil, err
	}
	ms = append(ms, cm...)
	qm, err := scorerMetrics(ctx, run.DB(), recs)
	if err != nil {
		return nil, err
	}
	ms = append(ms, qm...)
	sm, err := storyMetrics(ctx, run, info)
	if err != nil {
		return nil, err
	}
	ms = append(ms, sm...)
	pm, err := pickMetrics(ctx, run, recs)
	if err != nil {
		return nil, err
	}
	ms = append(ms, pm...)
	dfm, err := defaultMetrics(recs, info.GlobalNorth, vectors)
	if err != nil {
		return nil, err
	}
	ms = append(ms, dfm...)
	ms = append(ms, rateMetrics(recs)...)
	quality := info.Quality
	thresholds := info.Acceptable
	if thresholds == nil { // a run recorded before the burden existed
		thresholds = map[string]float64{spec.SourceJudgeAccuracy: spec.DefaultAcceptableAccuracy}
	}
	if _, ok := thresholds[spec.SourceReviewerRating]; ok || quality == "human_rating" {
		if err := loadHumanRatings(ctx, run.DB(), all); err != nil {
			return nil, err
		}
	}
	bm, burden, burdenTests := burdenMetrics(recs, thresholds)
	ms = append(ms, bm...)
	vm, err := diversityMetrics(recs, quality, vectors)
	if err != nil {
		return nil, err
	}
	ms = append(ms, vm...)
	lm, languageTests := languageMetrics(all, others)
	ms = append(ms, lm...)
	// A number without data (a slope over a single step) is left out, not
	// stored as NaN.
	kept := ms[:0]
	for _, m := range ms {
		if !math.IsNaN(m.Value) && !math.IsInf(m.Value, 0) {
			kept = append(kept, m)
		}
	}
	tests := append(append(countryTests(recs), burdenTests...), languageTests...)
	if err := run.ReplaceMetrics(kept, tests, burden); err != nil {
		return nil, fmt.Errorf("storing metrics: %w", err)
	}
	return run.Metrics(ctx)
}

func loadRecords(ctx context.Context, db *store.DB, embedder string) ([]*record, error) {
	var out []*record
	origins := map[origin]*origin{}
	err := db.EachJudgedImage(ctx, embedder, func(im store.JudgedImage) error {
		o := origin{kind: im.Kind, model: im.Model, set: im.PromptSet, country: im.Country, target: im.Target,
			category: im.Category, variant: im.Variant, chain: im.Chain, judge: im.Judge, promptID: im.PromptID,
			language: store.LanguageOf(im.Language), subcategory: im.Subcategory}
		shared := origins[o]
		if shared == nil {
			shared = &o
			origins[o] = shared
		}
		out = append(out, &record{origin: shared, id: im.ID, step: im.Step, status: im.Status,
			accuracy: im.Accuracy, attributed: im.Attributed, era: im.Era, rating: im.Rating, geotag: im.Geotag,
			parent: im.ParentID, sha: im.ImageSHA, hasVector: im.HasVector, seed: im.Seed,
			questions: im.Questions, answered: im.Answered})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if err := loadAskedKinds(ctx, db, out); err != nil {
		return nil, err
	}
	markDuplicates(out)
	setBases(out)
	return out, nil
}

// setBases gives every edited record the model of its chain's generated
// image, following parents (each image's base is found once).
func setBases(recs []*record) {
	byID := make(map[string]*record, len(recs))
	for _, r := range recs {
		byID[r.id] = r
	}
	var baseOf func(r *record, depth int) string
	baseOf = func(r *record, depth int) string {
		if r.kind != store.KindEdited {
			return r.model
		}
		if r.base != "" || depth > maxChainDepth {
			return r.base
		}
		if p := byID[r.parent]; p != nil {
			r.base = baseOf(p, depth+1)
		}
		return r.base
	}
	for _, r := range recs {
		if r.kind == store.KindEdited {
			baseOf(r, 0)
		}
	}
}

// maxChainDepth bounds the walk to a chain's first image, against a
// parent cycle in a damaged store.
const maxChainDepth = 1000

// loadAskedKinds records whether each image's judge was asked for a
// rating and for a geotag (answers of failed calls do not count).
func loadAskedKinds(ctx context.Context, db *store.DB, recs []*record) error {
	byKey := map[[2]string]*record{}
	for _, r := range recs {
		byKey[[2]string{r.id, r.judge}] = r
	}
	err := db.EachAnswer(ctx, store.AnswerQuery{Usable: true, Kinds: []string{vqa.KindRating, vqa.KindGeotag}}, func(a store.StoredAnswer) error {
		r := byKey[[2]string{a.ImageID, a.Judge}]
		if r == nil {
			return nil
		}
		switch a.Kind {
		case vqa.KindRating:
			r.askedRating = true
		case vqa.KindGeotag:
			r.askedGeotag = true
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

// markDuplicates marks every image byte-identical to another of a lower
// seed in its cell.
func markDuplicates(recs []*record) {
	type cell struct {
		kind, model, prompt, chain, target string
		step                               int
		sha                                string
	}
	first := map[cell]*record{}
	for _, r := range recs {
		if r.status != store.StatusOK || r.sha == "" {
			continue
		}
		c := cell{r.kind, r.model, r.promptID, r.chain, r.target, r.step, r.sha}
		if f, ok := first[c]; !ok || r.seed < f.seed || (r.seed == f.seed && r.id < f.id) {
			first[c] = r
		}
	}
	for _, r := range recs {
		if r.status != store.StatusOK || r.sha == "" {
			continue
		}
		f := first[cell{r.kind, r.model, r.promptID, r.chain, r.target, r.step, r.sha}]
		r.duplicate = f.id != r.id
	}
}

// group collects values under a metric's key, and for metrics read from
// answers how many answers were sought and how many were usable.
type group struct {
	key           store.Metric
	vals          []float64
	asked, usable int
	parsedMetric  bool
}

type groups struct {
	order []groupKey
	m     map[groupKey]*group
}

// groupKey is what tells a metric's groups apart: the fields of
// store.Metric that name one.
type groupKey struct {
	name, model, set, country, category, variant, chain, base string
	step                                                      int
}

// seed is the group's bootstrap seed: from the same text as ever, so that
// stored intervals do not move.
func (k groupKey) seed() uint64 {
	return stats.Seed(fmt.Sprint(k.name, "\x00", k.model, "\x00", k.set, "\x00", k.country, "\x00", k.category, "\x00", k.variant, "\x00", k.chain, "\x00", k.step))
}

func (g *groups) add(key store.Metric, v float64) {
	gr := g.get(key)
	gr.vals = append(gr.vals, v)
}

// answer adds a value read from the judge's answers (nil when none was
// usable), with how many answers it took and how many of them were usable.
func (g *groups) answer(key store.Metric, v *float64, usable, asked int) {
	gr := g.get(key)
	gr.parsedMetric = true
	gr.asked += asked
	gr.usable += usable
	if v != nil {
		gr.vals = append(gr.vals, *v)
	}
}

// answerOne adds one answer: its value when usable, a missing one when not.
func (g *groups) answerOne(key store.Metric, v float64, usable bool) {
	if usable {
		g.answer(key, &v, 1, 1)
		return
	}
	g.answer(key, nil, 0, 1)
}

func (g *groups) get(key store.Metric) *group {
	if g.m == nil {
		g.m = map[groupKey]*group{}
	}
	k := groupKey{key.Name, key.Model, key.PromptSet, key.Country, key.Category, key.Variant, key.Chain, key.BaseModel, key.Step}
	gr, ok := g.m[k]
	if !ok {
		gr = &group{key: key}
		g.m[k] = gr
		g.order = append(g.order, k)
	}
	return gr
}

// means turns every group into its mean with a bootstrap interval, the
// groups shared out to every core (each interval is seeded by its group,
// so the result does not depend on the order).
func (g *groups) means() []store.Metric {
	out := make([]store.Metric, len(g.order))
	iter.ForEachIdx(out, func(i int, _ *store.Metric) {
		k := g.order[i]
		gr := g.m[k]
		m := gr.key
		if gr.parsedMetric {
			m.Asked, m.ParseRate = gr.asked, parseRate(gr.usable, gr.asked)
		}
		if len(gr.vals) > 0 {
			// Nothing usable leaves the row saying so (parse rate 0), with
			// no value.
			m.Value, m.N = stats.Mean(gr.vals), len(gr.vals)
			lo, hi := stats.BootstrapMean(gr.vals, bootstrapReps, k.seed(), ciLevel)
			m.CILow, m.CIHigh = &lo, &hi
		}
		out[i] = m
	})
	return out
}

func parseRate(usable, asked int) *float64 {
	if asked == 0 {
		return nil
	}
	r := float64(usable) / float64(asked)
	return &r
}

// usableLabel reports whether a stored answer is a value: not unparsed,
// refused, a failed call or absent.
func usableLabel(s string) bool {
	switch s {
	case "", vqa.Unparsed, vqa.Refused, "error":
		return false
	}
	return true
}

func accuracyMetrics(recs []*record) []store.Metric {
	byID := map[string]*record{}
	for _, r := range recs {
		byID[r.id] = r
	}
	var g groups
	for _, r := range recs {
		if r.questions == 0 || r.duplicate {
			continue
		}
		a := r.accuracy
		if r.kind == store.KindGenerated {
			base := store.Metric{Name: MetricVQAAccuracy, Model: r.model, PromptSet: r.set, Country: r.country}
			g.answer(base, a, r.answered, r.questions)
			byVariant := base
			byVariant.Variant = r.variant
			g.answer(byVariant, a, r.answered, r.questions)
			withCat := base
			withCat.Category = r.category
			g.answer(withCat, a, r.answered, r.questions)
			withVar := withCat
			withVar.Variant = r.variant
			g.answer(withVar, a, r.answered, r.questions)
			continue
		}
		g.answer(store.Metric{Name: MetricVQAAccuracy, Model: r.model, BaseModel: r.base, PromptSet: r.set, Country: r.target, Chain: r.chain, Step: r.step}, a, r.answered, r.questions)
		// Step 0 of a chain is the generated image its first step edited.
		if p := byID[r.parent]; r.step == 1 && p != nil && p.questions > 0 {
			g.answer(store.Metric{Name: MetricVQAAccuracy, Model: r.model, BaseModel: r.base, PromptSet: r.set, Country: r.target, Chain: r.chain}, p.accuracy, p.answered, p.questions)
		}
	}
	return g.means()
}

func attributionMetrics(recs []*record) []store.Metric {
	type key struct{ model, set string }
	asked := map[key]int{}
	labels := map[key][]string{}
	var keys []key
	for _, r := range recs {
		if r.kind != store.KindGenerated || r.attributed == "" || r.duplicate {
			continue
		}
		k := key{r.model, r.set}
		if asked[k] == 0 {
			keys = append(keys, k)
		}
		asked[k]++
		if usableLabel(r.attributed) {
			labels[k] = append(labels[k], r.attributed)
		}
	}
	var out []store.Metric
	for _, k := range keys {
		ls := labels[k]
		rate := parseRate(len(ls), asked[k])
		if len(ls) == 0 {
			out = append(out, store.Metric{Name: MetricAttribution, Model: k.model, PromptSet: k.set, Asked: asked[k], ParseRate: rate})
			continue
		}
		for _, l := range slices.Sorted(maps.Keys(setOf(ls))) {
			ind := make([]float64, len(ls))
			for i, x := range ls {
				if x == l {
					ind[i] = 1
				}
			}
			lo, hi := stats.BootstrapMean(ind, bootstrapReps, stats.Seed(MetricAttribution, k.model, k.set, l), ciLevel)
			out = append(out, store.Metric{Name: MetricAttribution, Model: k.model, PromptSet: k.set, Country: l, Value: stats.Mean(ind), N: len(ls),
				CILow: &lo, CIHigh: &hi, Asked: asked[k], ParseRate: rate})
		}
	}
	return out
}

func setOf(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func rateMetrics(recs []*record) []store.Metric {
	var g groups
	for _, r := range recs {
		country := r.country
		if r.kind == store.KindEdited {
			country = r.target
		}
		for _, x := range []struct {
			name, status string
		}{{MetricRefusalRate, store.StatusRefused}, {MetricFailureRate, store.StatusFailed}} {
			v := 0.0
			if r.status == x.status {
				v = 1
			}
			base := store.Metric{Name: x.name, Model: r.model, BaseModel: r.base, PromptSet: r.set, Country: country, Chain: r.chain}
			g.add(base, v)
			base.Category = r.category
			g.add(base, v)
		}
	}
	return g.means()
}

// diversityMetrics computes the Vendi and quality-weighted Vendi scores of
// each model x prompt set x country group of generated images that have
// embeddings, and of each category and variant within it.
func diversityMetrics(recs []*record, qualityName string, vectors *vectorSource) ([]store.Metric, error) {
	type members struct {
		key     store.Metric
		recs    []*record
		quality []float64
	}
	idx := map[string]*members{}
	var order []string
	// Every group lies within one model x prompt set x country: its top.
	// The vectors are read a top at a time.
	tops := map[string][]int{}
	var topOrder []string
	add := func(top string, key store.Metric, r *record) {
		k := fmt.Sprint(key.Model, "\x00", key.PromptSet, "\x00", key.Country, "\x00", key.Category, "\x00", key.Variant)
		m, ok := idx[k]
		if !ok {
			m = &members{key: key}
			idx[k] = m
			if _, ok := tops[top]; !ok {
				topOrder = append(topOrder, top)
			}
			tops[top] = append(tops[top], len(order))
			order = append(order, k)
		}
		m.recs = append(m.recs, r)
		switch {
		case qualityName == "human_rating" && r.human > 0:
			m.quality = append(m.quality, (r.human-1)/4)
		case qualityName == "cultural_rating" && r.rating > 0:
			m.quality = append(m.quality, float64(r.rating-1)/4)
		case (qualityName == "vqa_accuracy" || qualityName == "") && r.accuracy != nil:
			m.quality = append(m.quality, *r.accuracy)
		default:
			m.quality = append(m.quality, math.NaN())
		}
	}
	for _, r := range recs {
		if r.kind != store.KindGenerated || r.status != store.StatusOK || !r.embedded() || r.duplicate {
			continue
		}
		key := store.Metric{Model: r.model, PromptSet: r.set, Country: r.country}
		top := fmt.Sprint(key.Model, "\x00", key.PromptSet, "\x00", key.Country)
		add(top, key, r)
		key.Category = r.category
		add(top, key, r)
		key.Variant = r.variant
		add(top, key, r)
	}
	rows := make([][]store.Metric, len(order))
	errs := make([]error, len(order))
	for _, top := range topOrder {
		groups := tops[top]
		// The top group holds every record of its subgroups.
		release, err := vectors.load(idx[order[groups[0]]].recs)
		if err != nil {
			return nil, fmt.Errorf("diversity: %w", err)
		}
		// The groups on every core (each jackknife is 20 eigen-decompositions);
		// the rows keep the groups' order and the first error wins.
		iter.ForEach(groups, func(gi *int) {
			i := *gi
			m := idx[order[i]]
			vecs := make([][]float64, 0, len(m.recs))
			quality := make([]float64, 0, len(m.recs))
			for j, r := range m.recs {
				if r.vector != nil { // an embedding deleted since the records were read
					vecs, quality = append(vecs, r.vector), append(quality, m.quality[j])
				}
			}
			if len(vecs) < 2 {
				return
			}
			// Reviewers rate a sample: with human ratings the rated images
			// stand for their group; other qualities must cover every image.
			if rated := len(finite(quality)); rated < len(quality) && !(qualityName == "human_rating" && rated > 0) {
				quality = nil
			}
			vs, qvs, hasQ, err := diversity.VendiCI(vecs, quality)
			if err != nil {
				errs[i] = fmt.Errorf("diversity of %s %s %s: %w", m.key.Model, m.key.Country, m.key.Category, err)
				return
			}
			v := m.key
			v.Name, v.Value, v.N = MetricVendi, vs.Value, len(vecs)
			withInterval(&v, vs)
			rows[i] = append(rows[i], v)
			if hasQ {
				qv := m.key
				qv.Name, qv.Value, qv.N = MetricQualityVendi, qvs.Value, len(vecs)
				withInterval(&qv, qvs)
				rows[i] = append(rows[i], qv)
			}
		})
		release()
	}
	var out []store.Metric
	for i := range rows {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out = append(out, rows[i]...)
	}
	return out, nil
}

// withInterval stores a jackknife interval on a metric when there is one.
func withInterval(m *store.Metric, iv diversity.Interval) {
	if iv.OK {
		lo, hi := iv.Low, iv.High
		m.CILow, m.CIHigh = &lo, &hi
	}
}

func finite(xs []float64) []float64 {
	out := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) {
			out = append(out, x)
		}
	}
	return out
}

// countryTests compares every pair of countries' judge accuracy on
// generated country-specific images, per model, with permutation tests and
// Holm's correction across the pairs of a model.
func countryTests(recs []*record) []store.Test {
	vals := map[string]map[string][]float64{} // model -> country -> accuracies
	for _, r := range recs {
		if r.kind != store.KindGenerated || r.set != prompts.SetCountry || r.accuracy == nil || r.duplicate {
			continue
		}
		if vals[r.model] == nil {
			vals[r.model] = map[string][]float64{}
		}
		vals[r.model][r.country] = append(vals[r.model][r.country], *r.accuracy)
	}
	var out []store.Test
	models := slices.Sorted(maps.Keys(vals))
	for _, model := range models {
		countries := slices.Sorted(maps.Keys(vals[model]))
		var tests []store.Test
		for i, a := range countries {
			for _, b := range countries[i+1:] {
				tests = append(tests, store.Test{Metric: MetricVQAAccuracy, Model: model, PromptSet: prompts.SetCountry, A: a, B: b,
					NA: len(vals[model][a]), NB: len(vals[model][b])})
			}
		}
		// The pairs on every core; each test is seeded by its pair.
		iter.ForEachIdx(tests, func(_ int, t *store.Test) {
			t.Diff, t.P = stats.Permutation(vals[model][t.A], vals[model][t.B], permutationReps, stats.Seed("perm", model, t.A, t.B))
		})
		holmAdjust(tests)
		out = append(out, tests...)
	}
	return out
}

// holmAdjust sets each test's Holm-adjusted p over the family ts.
func holmAdjust(ts []store.Test) {
	ps := make([]float64, len(ts))
	for i, t := range ts {
		ps[i] = t.P
	}
	for i, adj := range stats.Holm(ps) {
		ts[i].PHolm = adj
	}
}

// MetricCulturalRating is the judge's mean 1-5 cultural rating.
const MetricCulturalRating = "cultural_rating"

func ratingMetrics(recs []*record) []store.Metric {
	var g groups
	for _, r := range recs {
		if !r.askedRating || r.duplicate {
			continue
		}
		country, chain, step := r.country, "", 0
		if r.kind == store.KindEdited {
			country, chain, step = r.target, r.chain, r.step
		}
		base := store.Metric{Name: MetricCulturalRating, Model: r.model, BaseModel: r.base, PromptSet: r.set, Country: country, Chain: chain, Step: step}
		g.answerOne(base, float64(r.rating), r.rating > 0)
		if chain == "" {
			base.Category = r.category
			g.answerOne(base, float64(r.rating), r.rating > 0)
		}
	}
	return g.means()
}

// MetricCLIPScore is 100 x the cosine of an image's embedding and its
// prompt's (or edit instruction's) embedding under a CLIP-class embedder:
// ECB's conventional prompt-alignment metric.
const MetricCLIPScore = "clip_score"

func clipMetrics(ctx context.Context, db *store.DB, recs []*record) ([]store.Metric, error) {
	tes, err := db.TextEmbeddings(ctx)
	if err != nil {
		return nil, fmt.Errorf("clip score: %w", err)
	}
	if len(tes) == 0 {
		return nil, nil
	}
	texts := map[[2]string][]float64{}
	embedders := map[string]bool{}
	var names []string
	for _, e := range tes {
		texts[[2]string{e.Embedder, e.Text}] = e.Vector
		if !embedders[e.Embedder] {
			names = append(names, e.Embedder)
		}
		embedders[e.Embedder] = true
	}
	ies, err := db.ImageEmbeddings(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("clip score: %w", err)
	}
	images := map[[2]string][]float64{}
	for _, e := range ies {
		images[[2]string{e.ImageID, e.Embedder}] = e.Vector
	}
	text, err := db.ImageTexts(ctx)
	if err != nil {
		return nil, fmt.Errorf("clip score: %w", err)
	}
	var g groups
	for _, r := range recs {
		if r.duplicate { // a seed that repeated an image adds no sample
			continue
		}
		for e := range embedders {
			iv, tv := images[[2]string{r.id, e}], texts[[2]string{e, text[r.id]}]
			if iv == nil || tv == nil {
				continue
			}
			d := cosineDistance(iv, tv)
			if math.IsNaN(d) {
				continue
			}
			score := 100 * (1 - d)
			if r.kind == store.KindEdited {
				g.add(store.Metric{Name: MetricCLIPScore, Model: r.model, BaseModel: r.base, PromptSet: r.set, Country: r.target, Chain: r.chain, Step: r.step}, score)
				continue
			}
			g.add(store.Metric{Name: MetricCLIPScore, Model: r.model, PromptSet: r.set, Country: r.country}, score)
		}
	}
	return g.means(), nil
}

// MetricAestheticScore is a scorer endpoint's mean rating, per scorer,
// model and country, and per edit step.
const MetricAestheticScore = "aesthetic_score"

func scorerMetrics(ctx context.Context, db *store.DB, recs []*record) ([]store.Metric, error) {
	scores, err := db.QualityScores(ctx)
	if err != nil {
		return nil, fmt.Errorf("scores: %w", err)
	}
	byID := map[string]*record{}
	for _, r := range recs {
		byID[r.id] = r
	}
	var g groups
	for _, q := range scores {
		r := byID[q.ImageID]
		if r == nil || r.duplicate {
			continue
		}
		// The scorer's name goes in the category column: one series per scorer.
		if r.kind == store.KindEdited {
			g.add(store.Metric{Name: MetricAestheticScore, Model: r.model, BaseModel: r.base, PromptSet: r.set, Country: r.target, Category: q.Scorer, Chain: r.chain, Step: r.step}, q.Score)
			continue
		}
		g.add(store.Metric{Name: MetricAestheticScore, Model: r.model, PromptSet: r.set, Country: r.country, Category: q.Scorer}, q.Score)
	}
	return g.means(), nil
}

// MetricCUBEVendi is CUBE's cultural diversity: the Vendi score of a
// model's images under the hierarchical geotag kernel (continent, country,
// artifact, weighted equally), per prompt set.
const MetricCUBEVendi = "cube_vendi"

func geotagMetrics(recs []*record) ([]store.Metric, error) {
	type key struct{ model, set string }
	tags := map[key][]diversity.Geotag{}
	var keys []key
	asked := map[key]int{}
	for _, r := range recs {
		if r.kind != store.KindGenerated || r.duplicate || !(r.askedGeotag || r.geotag != "") {
			continue
		}
		k := key{r.model, r.set}
		if asked[k] == 0 {
			keys = append(keys, k)
		}
		asked[k]++
		parts := strings.SplitN(r.geotag, ";", 3)
		if len(parts) != 3 {
			continue
		}
		tags[k] = append(tags[k], diversity.Geotag{Continent: parts[0], Country: parts[1], Artifact: parts[2]})
	}
	var out []store.Metric
	for _, k := range keys {
		if len(tags[k]) < 2 {
			if len(tags[k]) < asked[k] {
				// Too few usable geotags to measure: withheld, with why.
				out = append(out, store.Metric{Name: MetricCUBEVendi, Model: k.model, PromptSet: k.set, N: len(tags[k]), Asked: asked[k], ParseRate: parseRate(len(tags[k]), asked[k])})
			}
			continue
		}
		vs, err := diversity.FromGeotags(tags[k], diversity.DefaultGeotagWeights, 1)
		if err != nil {
			return nil, fmt.Errorf("cube diversity of %s: %w", k.model, err)
		}
		out = append(out, store.Metric{Name: MetricCUBEVendi, Model: k.model, PromptSet: k.set, Value: vs, N: len(tags[k]), Asked: asked[k], ParseRate: parseRate(len(tags[k]), asked[k])})
	}
	return out, nil
}

// loadHumanRatings sets each record's mean Cultural Representation from
// the reviewers' current ratings, for analysis.quality: human_rating.
func loadHumanRatings(ctx context.Context, db *store.DB, recs []*record) error {
	mean, err := db.HumanCulturalRatings(ctx)
	if err != nil {
		return err
	}
	for _, r := range recs {
		r.human = mean[r.id]
	}
	return nil
}
