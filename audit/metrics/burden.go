package metrics

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/blindspot-audit/blindspot/audit/agreement"
	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/audit/stats"
	"github.com/blindspot-audit/blindspot/audit/store"
)

// The bias-correction burden (the ECB group's "iterative editing burden"):
// how many edits a chain needs before its image represents the target
// culture acceptably. Each chain's first acceptable step is an event; a
// chain that never gets there within its steps, or whose acceptability
// stops being known (an edit failed, the judge gave no usable answer), is
// censored at the last step known not to be acceptable. Per editor,
// text-to-image model the chains start from (Metric.BaseModel), chain,
// prompt set and target country (and category):
const (
	// BurdenStep0 is the share of chains acceptable before any edit.
	BurdenStep0 = "burden_acceptable_step0"
	// BurdenMeanSteps is the restricted mean number of edits to an
	// acceptable image, Σ_{t<L} S(t) over the Kaplan-Meier curve S: a
	// chain never acceptable within its L steps counts L.
	BurdenMeanSteps = "burden_mean_steps"
	// BurdenNever is the share of chains not acceptable after their last
	// step, S(L).
	BurdenNever = "burden_never"
	// BurdenNotYet is the Kaplan-Meier curve itself: S(t) at Step t, the
	// share of chains whose images are not yet acceptable after t edits.
	BurdenNotYet = "burden_not_yet"
)

// BurdenName is the metric name of a burden measure for one source of
// acceptability (spec.SourceJudgeAccuracy, ...).
func BurdenName(measure, source string) string { return measure + "@" + source }

// BurdenTestName names the permutation tests of mean steps between target
// countries for one source and chain.
func BurdenTestName(source, chain string) string {
	return BurdenName(BurdenMeanSteps, source) + "/" + chain
}

// acceptability says whether a record is acceptable for one source, and
// whether that is known at all.
type acceptability func(r *record) (ok, known bool)

func acceptabilityOf(source string, threshold float64) acceptability {
	switch source {
	case spec.SourceJudgeAccuracy:
		return func(r *record) (bool, bool) {
			if r.accuracy == nil {
				return false, false
			}
			return *r.accuracy >= threshold, true
		}
	case spec.SourceJudgeRating:
		return func(r *record) (bool, bool) {
			if !r.askedRating || r.rating <= 0 {
				return false, false
			}
			return float64(r.rating) >= threshold, true
		}
	case spec.SourceReviewerRating:
		return func(r *record) (bool, bool) {
			if r.human <= 0 {
				return false, false
			}
			return r.human >= threshold, true
		}
	}
	return nil
}

// chainOutcome is one chain's event or censoring step.
type chainOutcome struct {
	c     *chainOf
	event bool
	step  int // the event's step, or the last step known not acceptable
}

// outcome reads a chain's first acceptable step; ok is false when even
// its base image's acceptability is unknown.
func outcome(c *chainOf, acceptable acceptability) (chainOutcome, bool) {
	for t, s := range c.steps {
		a, known := acceptable(s)
		if !known || s.status != store.StatusOK {
			return chainOutcome{c: c, step: t - 1}, t > 0
		}
		if a {
			return chainOutcome{c: c, event: true, step: t}, true
		}
	}
	return chainOutcome{c: c, step: len(c.steps) - 1}, true
}

// kaplanMeier returns S(t) for t = 0..L: the share of chains not yet
// acceptable after step t. S(t) is NaN where no chain is observed at t
// and some may still be unacceptable.
func kaplanMeier(os []chainOutcome, l int) []float64 {
	s := make([]float64, l+1)
	surv := 1.0
	for t := 0; t <= l; t++ {
		atRisk, events := 0, 0
		for _, o := range os {
			if o.step >= t {
				atRisk++
				if o.event && o.step == t {
					events++
				}
			}
		}
		if atRisk == 0 {
			// Every chain reached acceptable: none is left to be. Otherwise
			// the rest were censored and the curve is unknown from here.
			for ; t <= l; t++ {
				s[t] = math.NaN()
				if surv == 0 {
					s[t] = 0
				}
			}
			break
		}
		surv *= 1 - float64(events)/float64(atRisk)
		s[t] = surv
	}
	return s
}

// burdenStats are the three summary measures of a curve.
func burdenStats(s []float64) (step0, meanSteps, never float64) {
	l := len(s) - 1
	meanSteps = 0
	for t := 0; t < l; t++ {
		meanSteps += s[t]
	}
	return 1 - s[0], meanSteps, s[l]
}

// restrictedSteps is a fully observed chain's edits to acceptable, L when
// never: the per-chain value whose mean the permutation test compares.
func restrictedSteps(o chainOutcome, l int) (float64, bool) {
	if o.event {
		return float64(o.step), true
	}
	return float64(l), o.step == l
}

// burdenKey groups chains: an editor's chains from one text-to-image
// model's images (base), of one chain, prompt set and target.
type burdenKey struct{ editor, base, chain, set, target, category string }

// burdenMetrics computes the burden for every source in thresholds, with
// each chain's outcome for the export and the tests between countries.
func burdenMetrics(recs []*record, thresholds map[string]float64) ([]store.Metric, []store.BurdenChain, []store.Test) {
	cs := slices.DeleteFunc(chains(firstJudge(recs)), repeatsAnother)
	if len(cs) == 0 {
		return nil, nil, nil
	}
	// A chain group's length is its longest chain's: a shorter one
	// stopped early (a failed edit) and is censored there.
	length := map[[2]string]int{}
	for _, c := range cs {
		k := [2]string{c.model, c.chain}
		length[k] = max(length[k], len(c.steps)-1)
	}
	var ms []store.Metric
	var rows []store.BurdenChain
	var tests []store.Test
	for _, source := range slices.Sorted(maps.Keys(thresholds)) {
		acceptable := acceptabilityOf(source, thresholds[source])
		if acceptable == nil {
			continue
		}
		groups := map[burdenKey][]chainOutcome{}
		for _, c := range cs {
			o, ok := outcome(c, acceptable)
			if !ok {
				continue
			}
			base := c.steps[0]
			row := store.BurdenChain{ChainID: c.steps[1].id, Source: source, Editor: c.model, Chain: c.chain, PromptSet: c.set,
				Target: c.target, Category: base.category, BaseID: base.id, BaseModel: base.model, Steps: length[[2]string{c.model, c.chain}]}
			step := o.step
			if o.event {
				row.EventStep = &step
			} else {
				row.CensoredAt = &step
			}
			rows = append(rows, row)
			k := burdenKey{c.model, base.model, c.chain, c.set, c.target, ""}
			groups[k] = append(groups[k], o)
			if base.category != "" { // else the row above is the only one
				k.category = base.category
				groups[k] = append(groups[k], o)
			}
		}
		keys := slices.SortedFunc(maps.Keys(groups), func(a, b burdenKey) int {
			return cmp.Or(cmp.Compare(a.editor, b.editor), cmp.Compare(a.base, b.base), cmp.Compare(a.chain, b.chain), cmp.Compare(a.set, b.set),
				cmp.Compare(a.target, b.target), cmp.Compare(a.category, b.category))
		})
		for _, k := range keys {
			ms = append(ms, burdenGroup(k, source, groups[k], length[[2]string{k.editor, k.chain}])...)
		}
		tests = append(tests, burdenTests(source, groups, length)...)
	}
	ms = append(ms, sourceAgreement(cs, thresholds)...)
	return ms, rows, tests
}

// BurdenAgreement is Krippendorff's alpha (nominal) between two sources'
// verdicts of acceptable on the same chain images, per editor and chain,
// named BurdenAgreement@A~B; n counts the images both judged.
const BurdenAgreement = "burden_agreement"

// sourceAgreement compares every pair of sources in use.
func sourceAgreement(cs []*chainOf, thresholds map[string]float64) []store.Metric {
	sources := slices.Sorted(maps.Keys(thresholds))
	type cell struct{ editor, base, chain, set string }
	var out []store.Metric
	for i, a := range sources {
		for _, b := range sources[i+1:] {
			fa, fb := acceptabilityOf(a, thresholds[a]), acceptabilityOf(b, thresholds[b])
			if fa == nil || fb == nil {
				continue
			}
			data := map[cell][][]float64{}
			for _, c := range cs {
				for _, r := range c.steps {
					va, ka := fa(r)
					vb, kb := fb(r)
					if ka && kb && r.status == store.StatusOK {
						k := cell{c.model, c.steps[0].model, c.chain, c.set}
						data[k] = append(data[k], []float64{b2f(va), b2f(vb)})
					}
				}
			}
			for _, k := range slices.SortedFunc(maps.Keys(data), func(x, y cell) int {
				return cmp.Or(cmp.Compare(x.editor, y.editor), cmp.Compare(x.base, y.base), cmp.Compare(x.chain, y.chain), cmp.Compare(x.set, y.set))
			}) {
				alpha, err := agreement.Alpha(data[k], agreement.Nominal)
				if err != nil {
					continue // no variation: agreement is undefined, not perfect
				}
				out = append(out, store.Metric{Name: BurdenName(BurdenAgreement, a+"~"+b), Model: k.editor, BaseModel: k.base, Chain: k.chain, PromptSet: k.set, Value: alpha, N: len(data[k])})
			}
		}
	}
	return out
}

// repeatsAnother reports a chain every image of which is byte-identical
// to a lower seed's at the same step (an editor and a model that ignore
// seeds): it repeats that chain and adds no sample.
func repeatsAnother(c *chainOf) bool {
	for _, s := range c.steps {
		if !s.duplicate {
			return false
		}
	}
	return true
}

// firstJudge keeps, of the records of images several judges scored, the
// first judge's (by name): a chain is read through one judge's eyes.
func firstJudge(recs []*record) []*record {
	first := ""
	for _, r := range recs {
		if r.judge != "" && (first == "" || r.judge < first) {
			first = r.judge
		}
	}
	out := make([]*record, 0, len(recs))
	for _, r := range recs {
		if r.judge == "" || r.judge == first {
			out = append(out, r)
		}
	}
	return out
}

// burdenGroup is one group's curve and measures, the measures with
// bootstrap intervals over chains.
func burdenGroup(k burdenKey, source string, os []chainOutcome, l int) []store.Metric {
	base := store.Metric{Model: k.editor, BaseModel: k.base, Chain: k.chain, PromptSet: k.set, Country: k.target, Category: k.category, N: len(os)}
	s := kaplanMeier(os, l)
	var out []store.Metric
	for t, v := range s {
		if math.IsNaN(v) {
			break
		}
		m := base
		m.Name, m.Step, m.Value = BurdenName(BurdenNotYet, source), t, v
		out = append(out, m)
	}
	if math.IsNaN(s[l]) {
		return out // no chain observed to its end: the measures would not be honest
	}
	step0, mean, never := burdenStats(s)
	idx := make([]float64, len(os))
	for i := range idx {
		idx[i] = float64(i)
	}
	for _, x := range []struct {
		name  string
		value float64
		pick  func(step0, mean, never float64) float64
	}{
		{BurdenStep0, step0, func(a, _, _ float64) float64 { return a }},
		{BurdenMeanSteps, mean, func(_, b, _ float64) float64 { return b }},
		{BurdenNever, never, func(_, _, c float64) float64 { return c }},
	} {
		m := base
		m.Name, m.Value = BurdenName(x.name, source), x.value
		if len(os) >= 2 {
			// One resample buffer per bootstrap: Bootstrap calls the
			// statistic one resample at a time.
			re := make([]chainOutcome, len(os))
			lo, hi := stats.Bootstrap(idx, func(sample []float64) float64 {
				for i, v := range sample {
					re[i] = os[int(v)]
				}
				rs := kaplanMeier(re, l)
				if math.IsNaN(rs[l]) {
					return math.NaN()
				}
				return x.pick(burdenStats(rs))
			}, bootstrapReps, stats.Seed(m.Name, k.editor, k.base, k.chain, k.set, k.target, k.category), ciLevel)
			if !math.IsNaN(lo) && !math.IsNaN(hi) {
				m.CILow, m.CIHigh = &lo, &hi
			}
		}
		out = append(out, m)
	}
	return out
}

// burdenTests compares the mean steps of every pair of target countries
// within an editor's chain (all categories), by permutation over the
// chains observed to an event or to their last step, Holm-adjusted within
// the chain.
func burdenTests(source string, groups map[burdenKey][]chainOutcome, length map[[2]string]int) []store.Test {
	type cell struct{ editor, base, chain, set string }
	vals := map[cell]map[string][]float64{}
	for k, os := range groups {
		if k.category != "" {
			continue
		}
		c := cell{k.editor, k.base, k.chain, k.set}
		if vals[c] == nil {
			vals[c] = map[string][]float64{}
		}
		for _, o := range os {
			if v, ok := restrictedSteps(o, length[[2]string{k.editor, k.chain}]); ok {
				vals[c][k.target] = append(vals[c][k.target], v)
			}
		}
	}
	cells := slices.SortedFunc(maps.Keys(vals), func(a, b cell) int {
		return cmp.Or(cmp.Compare(a.editor, b.editor), cmp.Compare(a.base, b.base), cmp.Compare(a.chain, b.chain), cmp.Compare(a.set, b.set))
	})
	var out []store.Test
	for _, c := range cells {
		targets := slices.Sorted(maps.Keys(vals[c]))
		var ts []store.Test
		for i, a := range targets {
			for _, b := range targets[i+1:] {
				t := store.Test{Metric: BurdenTestName(source, c.chain), Model: c.editor, BaseModel: c.base, PromptSet: c.set, A: a, B: b,
					NA: len(vals[c][a]), NB: len(vals[c][b])}
				t.Diff, t.P = stats.Permutation(vals[c][a], vals[c][b], permutationReps, stats.Seed("burden", source, c.editor, c.base, c.chain, a, b))
				ts = append(ts, t)
			}
		}
		holmAdjust(ts)
		out = append(out, ts...)
	}
	return out
}

// burdenGaps: per source, editor and chain, the target countries whose
// images took the most and the fewest edits to become acceptable, with
// the test between them. Its Effect, a share like the other findings',
// is the gap in the share of chains never made acceptable.
func burdenGaps(ms []store.Metric, ts []store.Test) []Finding {
	type cell struct{ name, editor, base, chain, set string }
	rows := map[cell][]store.Metric{}
	never := map[[6]string]store.Metric{}
	steps := map[cell]int{}
	for _, m := range ms {
		measure, source, ok := SplitBurdenName(m.Name)
		if !ok || m.Category != "" {
			continue
		}
		c := cell{source, m.Model, m.BaseModel, m.Chain, m.PromptSet}
		switch measure {
		case BurdenMeanSteps:
			rows[c] = append(rows[c], m)
		case BurdenNever:
			never[[6]string{source, m.Model, m.BaseModel, m.Chain, m.PromptSet, m.Country}] = m
		case BurdenNotYet:
			steps[c] = max(steps[c], m.Step)
		}
	}
	cells := slices.SortedFunc(maps.Keys(rows), func(a, b cell) int {
		return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.editor, b.editor), cmp.Compare(a.base, b.base), cmp.Compare(a.chain, b.chain), cmp.Compare(a.set, b.set))
	})
	var out []Finding
	for _, c := range cells {
		rs := rows[c]
		if len(rs) < 2 || steps[c] == 0 {
			continue
		}
		lo, hi := extremes(rs)
		if lo.Country == hi.Country {
			continue
		}
		// The effect is the gap in the share of chains never made
		// acceptable, the paper's headline share; without it, the gap in
		// mean edits as a share of the chain's steps.
		effect := (hi.Value - lo.Value) / float64(steps[c])
		nh, okh := never[[6]string{c.name, c.editor, c.base, c.chain, c.set, hi.Country}]
		nl, okl := never[[6]string{c.name, c.editor, c.base, c.chain, c.set, lo.Country}]
		if okh && okl {
			effect = nh.Value - nl.Value
		}
		f := Finding{Kind: "burden_gap", Model: c.editor, Effect: effect, N: min(lo.N, hi.N), Section: "burden",
			Text: fmt.Sprintf("With %s (%s chain%s), an image of %s took %.2f%s edits on average to become acceptable (by %s), against %.2f%s for %s (n=%d and %d chains).",
				c.editor, c.chain, onImagesOf(c.base), hi.Country, hi.Value, ci2(hi), BurdenSourceName(c.name), lo.Value, ci2(lo), lo.Country, hi.N, lo.N)}
		if okh && nh.Value > 0 {
			f.Text += fmt.Sprintf(" %s of %s's chains were still not acceptable after %d edits.", pct(nh.Value), hi.Country, steps[c])
		}
		f.withBaseTest(ts, BurdenTestName(c.name, c.chain), c.editor, c.base, c.set, lo.Country, hi.Country)
		out = append(out, f)
	}
	return out
}

// onImagesOf names the text-to-image model whose images an editor's
// chains start from, for a finding's text.
func onImagesOf(base string) string {
	if base == "" {
		return ""
	}
	return ", on " + base + "'s images"
}

// BurdenSourceName says what a source of acceptability is, in words.
func BurdenSourceName(source string) string {
	switch source {
	case spec.SourceJudgeAccuracy:
		return "the judge's accuracy"
	case spec.SourceJudgeRating:
		return "the judge's 1-5 cultural rating"
	case spec.SourceReviewerRating:
		return "the native reviewers' cultural rating"
	}
	return source
}

// SplitBurdenName reads a burden metric's name (BurdenName) back into
// its measure and source; ok is false for any other metric.
func SplitBurdenName(name string) (measure, source string, ok bool) {
	measure, source, ok = strings.Cut(name, "@")
	return measure, source, ok && strings.HasPrefix(measure, "burden_")
}
