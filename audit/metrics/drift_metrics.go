package metrics

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"math"
	"runtime"
	"sort"
	"sync"

	"github.com/sourcegraph/conc/iter"
	"github.com/sourcegraph/conc/pool"

	"github.com/blindspot-audit/blindspot/audit/drift"
	"github.com/blindspot-audit/blindspot/audit/stats"
	"github.com/blindspot-audit/blindspot/audit/store"
)

// Drift metric names: each is measured against step 0 ("_step0") and
// against the previous step ("_prev").
const (
	MetricSSIM          = "ssim"
	MetricPHash         = "phash_distance"
	MetricColor         = "color_distance"
	MetricEdge          = "edge_distance"
	MetricEmbedDistance = "embedding_distance"
	// MetricFidelitySlope is the change of judge accuracy per edit step
	// (least squares over every image of the chains, step 0 included), with
	// a bootstrap interval over chains.
	MetricFidelitySlope = "fidelity_slope"
	// MetricSSIMSlope is the change per step of SSIM to the previous step.
	MetricSSIMSlope = "ssim_prev_slope"
	// MetricFlatButFalling is 1 where ECB's pattern holds: fidelity falls
	// (its slope's interval lies below zero) while the conventional metric
	// stays flat: the SSIM-to-previous slope's interval contains zero, or
	// the slope is under 0.01 per step, or under a quarter of the fidelity
	// slope in size.
	MetricFlatButFalling = "flat_metric_falling_fidelity"
)

// flatSlope is how small a per-step change of a conventional metric counts
// as flat, absolutely or relative to the fidelity slope.
const (
	flatSlope    = 0.01
	flatRelative = 0.25
)

// chainOf is one edit chain: its base image and its steps in order.
type chainOf struct {
	model, chain, target, set string
	steps                     []*record // steps[0] is the generated base image
}

// chains groups edit records into chains.
func chains(recs []*record) []*chainOf {
	byID := map[string]*record{}
	children := map[string][]*record{}
	for _, r := range recs {
		byID[r.id] = r
		if r.kind == store.KindEdited {
			children[r.parent] = append(children[r.parent], r)
		}
	}
	var out []*chainOf
	for _, r := range recs {
		if r.kind != store.KindEdited || r.step != 1 {
			continue
		}
		base := byID[r.parent]
		if base == nil {
			continue
		}
		c := &chainOf{model: r.model, chain: r.chain, target: r.target, set: r.set, steps: []*record{base, r}}
		for cur := r; ; {
			var next *record
			for _, ch := range children[cur.id] {
				if ch.chain == r.chain && ch.model == r.model && ch.target == r.target {
					next = ch
				}
			}
			if next == nil {
				break
			}
			c.steps = append(c.steps, next)
			cur = next
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].steps[1].id < out[j].steps[1].id })
	return out
}

// measureDrift computes the drift rows the store lacks, a chain at a time
// in parallel, and returns all of them.
func measureDrift(ctx context.Context, run *store.Run, blobs *store.Blobs, recs []*record) (map[[2]string]store.Drift, error) {
	have, err := run.DriftOf(ctx)
	if err != nil {
		return nil, fmt.Errorf("drift: %w", err)
	}
	var todo []*chainOf
	for _, c := range chains(recs) {
		for _, s := range c.steps[1:] {
			if _, ok := have[[2]string{s.id, "step0"}]; !ok && s.status == store.StatusOK {
				todo = append(todo, c)
				break
			}
		}
	}
	var mu sync.Mutex
	var fresh []store.Drift
	p := pool.New().WithErrors().WithMaxGoroutines(runtime.GOMAXPROCS(0))
	for _, c := range todo {
		p.Go(func() error {
			rows, err := measureChain(blobs, c)
			if err != nil {
				return err
			}
			mu.Lock()
			fresh = append(fresh, rows...)
			mu.Unlock()
			return nil
		})
	}
	if err := p.Wait(); err != nil {
		return nil, err
	}
	if len(fresh) > 0 {
		if err := run.PutDrift(fresh); err != nil {
			return nil, fmt.Errorf("drift: %w", err)
		}
	}
	for _, d := range fresh {
		have[[2]string{d.ImageID, d.Against}] = d
	}
	return have, nil
}

func measureChain(blobs *store.Blobs, c *chainOf) ([]store.Drift, error) {
	prep := func(r *record) (*drift.Prepared, error) {
		data, err := blobs.Get(r.sha)
		if err != nil {
			return nil, fmt.Errorf("drift of %s: %w", r.id, err)
		}
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("drift of %s: %w", r.id, err)
		}
		return drift.Prepare(img)
	}
	root, err := prep(c.steps[0])
	if err != nil {
		return nil, err
	}
	defer root.Release()
	var out []store.Drift
	prev := root
	// A step's reduction is released once the next step has been compared
	// with it: a chain holds at most three, whatever its length.
	defer func() {
		if prev != root {
			prev.Release()
		}
	}()
	for _, s := range c.steps[1:] {
		if s.status != store.StatusOK {
			break
		}
		cur, err := prep(s)
		if err != nil {
			return nil, err
		}
		for _, x := range []struct {
			against string
			ref     *drift.Prepared
		}{{"step0", root}, {"prev", prev}} {
			m := drift.Compare(x.ref, cur)
			out = append(out, store.Drift{ImageID: s.id, Against: x.against, SSIM: m.SSIM, PHash: m.PHashDistance, Color: m.ColorDistance, Edge: m.EdgeDistance})
		}
		if prev != root {
			prev.Release()
		}
		prev = cur
	}
	return out, nil
}

func cosineDistance(a, b []float64) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return math.NaN()
	}
	var ab, aa, bb float64
	for i := range a {
		ab += a[i] * b[i]
		aa += a[i] * a[i]
		bb += b[i] * b[i]
	}
	if aa == 0 || bb == 0 {
		return math.NaN()
	}
	return 1 - ab/math.Sqrt(aa*bb)
}

// embeddingDrift is each chain step's cosine distance in embedding space
// to the chain's base image and to the step before (NaN without both
// vectors), reading the vectors a chain group at a time.
func embeddingDrift[K comparable](byKey map[K][]*chainOf, keys []K, vectors *vectorSource) (map[*chainOf][][2]float64, error) {
	out := map[*chainOf][][2]float64{}
	for _, k := range keys {
		var steps []*record
		for _, c := range byKey[k] {
			steps = append(steps, c.steps...)
		}
		release, err := vectors.load(steps)
		if err != nil {
			return nil, fmt.Errorf("embedding drift: %w", err)
		}
		for _, c := range byKey[k] {
			d := make([][2]float64, len(c.steps)-1)
			for i, s := range c.steps[1:] {
				d[i] = [2]float64{cosineDistance(c.steps[0].vector, s.vector), cosineDistance(c.steps[i].vector, s.vector)}
			}
			out[c] = d
		}
		release()
	}
	return out, nil
}

// driftMetrics aggregates drift per editor x chain x target x step, and the
// fidelity and SSIM slopes per editor x chain x target.
func driftMetrics(recs []*record, drifts map[[2]string]store.Drift, vectors *vectorSource) ([]store.Metric, error) {
	var g groups
	type slopeKey struct{ model, base, chain, target, set string }
	byKey := map[slopeKey][]*chainOf{}
	var keys []slopeKey
	all := chains(recs)
	for _, c := range all {
		k := slopeKey{c.model, c.steps[0].model, c.chain, c.target, c.set}
		if byKey[k] == nil {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], c)
	}
	embed, err := embeddingDrift(byKey, keys, vectors)
	if err != nil {
		return nil, err
	}
	for _, c := range all {
		for i, s := range c.steps[1:] {
			key := func(name string) store.Metric {
				return store.Metric{Name: name, Model: c.model, BaseModel: c.steps[0].model, PromptSet: c.set, Country: c.target, Chain: c.chain, Step: s.step}
			}
			for _, ref := range []string{"step0", "prev"} {
				d, ok := drifts[[2]string{s.id, ref}]
				if !ok {
					continue
				}
				g.add(key(MetricSSIM+"_"+ref), d.SSIM)
				g.add(key(MetricPHash+"_"+ref), d.PHash)
				g.add(key(MetricColor+"_"+ref), d.Color)
				g.add(key(MetricEdge+"_"+ref), d.Edge)
			}
			if v := embed[c][i][0]; !math.IsNaN(v) {
				g.add(key(MetricEmbedDistance+"_step0"), v)
			}
			if v := embed[c][i][1]; !math.IsNaN(v) {
				g.add(key(MetricEmbedDistance+"_prev"), v)
			}
		}
	}
	out := g.means()
	// Each chain group's slopes and their bootstrap intervals, on every
	// core; the rows keep the groups' order.
	perKey := make([][]store.Metric, len(keys))
	iter.ForEachIdx(perKey, func(ki int, _ *[]store.Metric) {
		k := keys[ki]
		cs := byKey[k]
		// Each chain's sums for the two slopes, taken once: a bootstrap
		// resample adds up whole chains' sums.
		fid := make([]slopeSums, len(cs))
		ssimPrev := make([]slopeSums, len(cs))
		for i, c := range cs {
			for _, s := range c.steps {
				if s.accuracy != nil {
					fid[i].add(float64(s.step), *s.accuracy)
				}
			}
			for _, s := range c.steps[1:] {
				if d, ok := drifts[[2]string{s.id, "prev"}]; ok {
					ssimPrev[i].add(float64(s.step), d.SSIM)
				}
			}
		}
		base := store.Metric{Model: k.model, BaseModel: k.base, PromptSet: k.set, Country: k.target, Chain: k.chain, N: len(cs)}
		fm := withSlopeCI(base, MetricFidelitySlope, fid)
		sm := withSlopeCI(base, MetricSSIMSlope, ssimPrev)
		flag := base
		flag.Name = MetricFlatButFalling
		flat := !math.IsNaN(sm.Value) && (math.Abs(sm.Value) < flatSlope || math.Abs(sm.Value) < flatRelative*math.Abs(fm.Value) ||
			(sm.CILow != nil && *sm.CILow <= 0 && *sm.CIHigh >= 0))
		if fm.CIHigh != nil && *fm.CIHigh < 0 && flat {
			flag.Value = 1
		}
		perKey[ki] = []store.Metric{fm, sm, flag}
	})
	for _, ms := range perKey {
		out = append(out, ms...)
	}
	return out, nil
}

// withSlopeCI computes a slope over chains (their sums) with a bootstrap
// interval that resamples whole chains.
func withSlopeCI(base store.Metric, name string, chains []slopeSums) store.Metric {
	m := base
	m.Name = name
	var all slopeSums
	for _, c := range chains {
		all.merge(c)
	}
	m.Value = all.slope()
	if len(chains) < 2 || math.IsNaN(m.Value) {
		return m
	}
	seed := stats.Seed(name, base.Model, base.Chain, base.Country)
	idx := make([]float64, len(chains))
	for i := range idx {
		idx[i] = float64(i)
	}
	lo, hi := stats.Bootstrap(idx, func(sample []float64) float64 {
		var s slopeSums
		for _, x := range sample {
			s.merge(chains[int(x)])
		}
		return s.slope()
	}, bootstrapReps, seed, ciLevel)
	if !math.IsNaN(lo) && !math.IsNaN(hi) {
		m.CILow, m.CIHigh = &lo, &hi
	}
	return m
}

// slopeSums are the sums a least-squares slope needs.
type slopeSums struct{ n, x, y, xy, xx float64 }

func (s *slopeSums) add(x, y float64) {
	s.n++
	s.x += x
	s.y += y
	s.xy += x * y
	s.xx += x * x
}

func (s *slopeSums) merge(o slopeSums) {
	s.n += o.n
	s.x += o.x
	s.y += o.y
	s.xy += o.xy
	s.xx += o.xx
}

// slope is the least-squares slope of y on x (NaN without spread in x).
// The steps x are small integers, so n·Σx² - (Σx)² is exact and is 0 only
// when every x is the same.
func (s slopeSums) slope() float64 {
	den := s.n*s.xx - s.x*s.x
	if s.n < 2 || den == 0 {
		return math.NaN()
	}
	return (s.n*s.xy - s.x*s.y) / den
}
