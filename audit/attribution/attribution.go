// Package attribution says which culture images land on when no country is
// asked for, and how distinct the countries' images are from each other.
//
//   - Centroids and Nearest attribute an image to the country whose
//     country-specific images it is closest to (cosine similarity to the
//     normalised mean embedding), independently of the VLM judge.
//   - Shares is the distribution of attributions; Divergence is its
//     Jensen-Shannon divergence from the uniform distribution over the
//     audited countries, in bits (0: no default culture, 1: all on one).
//   - Silhouette is the mean silhouette of images grouped by country under
//     cosine distance: near 1 when countries are distinct, near 0 or below
//     when they blur together. Misplaced is the share of images closer to
//     another country's centroid than to their own.
package attribution

import (
	"maps"
	"math"
	"slices"
	"sync"

	"github.com/sourcegraph/conc/iter"

	"github.com/blindspot-audit/blindspot/audit/diversity"
)

// Centroids returns the normalised mean embedding of each group.
func Centroids(groups map[string][][]float64) map[string][]float64 {
	sums := CentroidSums{}
	for label, vecs := range groups {
		for _, v := range vecs {
			sums.Add(label, v)
		}
	}
	return sums.Centroids()
}

// CentroidSums adds up unit-length embeddings per label, so that centroids
// can be taken over images read a group at a time.
type CentroidSums map[string][]float64

// Add adds v, scaled to unit length, to label's sum (a zero vector adds
// nothing).
func (c CentroidSums) Add(label string, v []float64) {
	n := norm(v)
	if n == 0 {
		if _, ok := c[label]; !ok {
			c[label] = make([]float64, len(v))
		}
		return
	}
	sum, ok := c[label]
	if !ok {
		sum = make([]float64, len(v))
		c[label] = sum
	}
	for i, x := range v {
		sum[i] += x / n
	}
}

// Centroids returns each label's normalised sum (a label whose sum is
// zero has none).
func (c CentroidSums) Centroids() map[string][]float64 {
	out := map[string][]float64{}
	for label, sum := range c {
		n := norm(sum)
		if n == 0 {
			continue
		}
		cen := make([]float64, len(sum))
		for i := range sum {
			cen[i] = sum[i] / n
		}
		out[label] = cen
	}
	return out
}

func norm(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// Cosine similarity of two vectors (0 when either is zero).
func Cosine(a, b []float64) float64 {
	if len(a) != len(b) {
		return 0
	}
	na, nb := norm(a), norm(b)
	if na == 0 || nb == 0 {
		return 0
	}
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s / (na * nb)
}

// Nearest returns the label of the most similar centroid ("" for none);
// ties go to the label first in sorted order.
func Nearest(v []float64, centroids map[string][]float64) string {
	best, bestSim := "", math.Inf(-1)
	for _, label := range slices.Sorted(maps.Keys(centroids)) {
		if s := Cosine(v, centroids[label]); s > bestSim {
			best, bestSim = label, s
		}
	}
	return best
}

// Shares is the share of each label.
func Shares(labels []string) map[string]float64 {
	out := map[string]float64{}
	for _, l := range labels {
		out[l] += 1 / float64(len(labels))
	}
	return out
}

// Divergence is the Jensen-Shannon divergence, in bits, of the shares
// from the uniform distribution over support. Labels outside the support
// count as one more outcome.
func Divergence(shares map[string]float64, support []string) float64 {
	in := map[string]bool{}
	for _, s := range support {
		in[s] = true
	}
	p := make([]float64, 0, len(support)+1)
	other := 0.0
	for _, s := range support {
		p = append(p, shares[s])
	}
	for l, v := range shares {
		if !in[l] {
			other += v
		}
	}
	p = append(p, other)
	u := make([]float64, len(p))
	for i := range support {
		u[i] = 1 / float64(len(support))
	}
	m := make([]float64, len(p))
	for i := range p {
		m[i] = (p[i] + u[i]) / 2
	}
	return (kl(p, m) + kl(u, m)) / 2
}

func kl(p, q []float64) float64 {
	var s float64
	for i := range p {
		if p[i] > 0 {
			s += p[i] * math.Log2(p[i]/q[i])
		}
	}
	return s
}

// Silhouette is the mean silhouette coefficient under cosine distance; it
// needs at least two labels, and images alone in their label score 0.
// Each vector is normalised once and the distances computed in bands
// (dot products of the unit vectors); a zero vector is at distance 1 from
// everything, as Cosine has it.
func Silhouette(vecs [][]float64, labels []string) (float64, bool) {
	n := len(vecs)
	index := map[string]int{}
	var counts []int
	lab := make([]int, n)
	for i, l := range labels {
		li, ok := index[l]
		if !ok {
			li = len(counts)
			index[l] = li
			counts = append(counts, 0)
		}
		counts[li]++
		lab[i] = li
	}
	if len(counts) < 2 || n < 3 {
		return 0, false
	}
	d := len(vecs[0])
	for _, v := range vecs {
		if len(v) != d {
			return 0, false // mixed spaces: no common distance
		}
	}
	unit := make([]float64, n*d)
	for i, v := range vecs {
		if nv := norm(v); nv > 0 {
			for j, x := range v {
				unit[i*d+j] = x / nv
			}
		}
	}
	// sum[i*L+l]: the summed distance from image i to the images of label
	// l, a band of rows at a time on every core (each row's sums in the
	// same order, whatever the cores): a band of the distances is held,
	// never the n x n matrix.
	L := len(counts)
	sum := make([]float64, n*L)
	// A band holds at most 64 Ki distances (512 KiB) per core, so that a
	// category of thousands of images does not hold megabytes of them.
	band := min(64, max(8, (64<<10)/n))
	bufs := sync.Pool{New: func() any { b := make([]float64, band*n); return &b }}
	iter.ForEachIdx(make([]struct{}, (n+band-1)/band), func(b int, _ *struct{}) {
		buf := bufs.Get().(*[]float64)
		defer bufs.Put(buf)
		i0, i1 := b*band, min(n, (b+1)*band)
		diversity.GramBlock(unit, d, i0, i1, 0, n, *buf)
		for i := i0; i < i1; i++ {
			row := (*buf)[(i-i0)*n : (i-i0+1)*n]
			for j, dot := range row {
				if j != i {
					sum[i*L+lab[j]] += 1 - dot
				}
			}
		}
	})
	var total float64
	for i := 0; i < n; i++ {
		own := counts[lab[i]] - 1
		if own == 0 {
			continue
		}
		a := sum[i*L+lab[i]] / float64(own)
		b := math.Inf(1)
		for l, c := range counts {
			if l != lab[i] {
				b = math.Min(b, sum[i*L+l]/float64(c))
			}
		}
		if m := math.Max(a, b); m > 0 {
			total += (b - a) / m
		}
	}
	return total / float64(n), true
}

// Misplaced is the share of images nearer another label's centroid than
// their own.
func Misplaced(vecs [][]float64, labels []string, centroids map[string][]float64) float64 {
	if len(vecs) == 0 {
		return 0
	}
	miss := 0
	for i, v := range vecs {
		if Nearest(v, centroids) != labels[i] {
			miss++
		}
	}
	return float64(miss) / float64(len(vecs))
}
