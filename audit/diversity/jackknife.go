package diversity

import (
	"errors"
	"math"
	"slices"
)

// JackknifeGroups is how many blocks a grouped jackknife leaves out in
// turn. Up to this many items it is the ordinary leave-one-out jackknife;
// beyond, items are dealt round-robin into this many blocks, which bounds
// the cost at this many eigen-decompositions per group.
const JackknifeGroups = 20

// Interval is an estimate with its 95% confidence interval; OK is false
// when no interval could be computed (Low and High are then Value).
type Interval struct {
	Value, Low, High float64
	OK               bool
}

// VendiCI returns the Vendi score (q = 1, cosine kernel) of the rows of x
// and, when quality has one entry per row, the quality-weighted score (the
// mean of the finite quality scores times the Vendi score; NaN marks an
// unrated row, as when reviewers rate a sample), each with a 95% interval from a grouped jackknife: the standard
// error is sqrt((g-1)/g * Σ(θ₋ᵢ - θ̄)²) over the g leave-a-block-out
// estimates, and the interval θ ± 1.96·se, clipped to the score's range.
//
// Why a jackknife and not the bootstrap used elsewhere: a bootstrap sample
// repeats images, and repeated images are exactly what Vendi counts as
// not diverse, so bootstrap intervals sit below the estimate. Leaving
// images out changes the set without inventing duplicates. With fewer
// than 3 rows no interval is given (Low = High = Value).
func VendiCI(x [][]float64, quality []float64) (vendi, weighted Interval, hasWeighted bool, err error) {
	n := len(x)
	if n == 0 {
		return Interval{}, Interval{}, false, errors.New("no embeddings")
	}
	hasWeighted = len(quality) == n
	maxQ := 0.0
	for i, q := range quality {
		if math.IsInf(q, 0) {
			return Interval{}, Interval{}, false, &CellError{Row: i + 1, Msg: "quality score is not finite"}
		}
		if !math.IsNaN(q) {
			maxQ = math.Max(maxQ, q)
		}
	}
	// The rows are scaled to unit length once; each estimate below reuses
	// them (see vendiParts).
	parts, err := newVendiParts(x, min(n, JackknifeGroups))
	if err != nil {
		return Interval{}, Interval{}, false, err
	}
	// stat returns the Vendi score with block b left out (all rows when b
	// is -1) and the mean quality of the rated rows kept (NaN when none is).
	stat := func(b int) (float64, float64, error) {
		eigs, kept, err := parts.eigenvalues(b)
		if err != nil {
			return 0, 0, err
		}
		var qs float64
		rated := 0
		for i := 0; i < n && hasWeighted; i++ {
			if b >= 0 && i%parts.g == b {
				continue
			}
			if !math.IsNaN(quality[i]) {
				qs += quality[i]
				rated++
			}
		}
		vs, err := inRange(Order(eigs, 1), kept)
		if err != nil {
			return 0, 0, err
		}
		if rated == 0 {
			return vs, math.NaN(), nil
		}
		return vs, qs / float64(rated) * vs, nil
	}
	vs, qvs, err := stat(-1)
	if err != nil {
		return Interval{}, Interval{}, false, err
	}
	hasWeighted = hasWeighted && !math.IsNaN(qvs)
	vendi, weighted = Interval{Value: vs, Low: vs, High: vs}, Interval{Value: qvs, Low: qvs, High: qvs}
	if n < 3 {
		return vendi, weighted, hasWeighted, nil
	}
	g := parts.g
	loo := make([]float64, g)
	qloo := make([]float64, g)
	for b := 0; b < g; b++ {
		if loo[b], qloo[b], err = stat(b); err != nil {
			return Interval{}, Interval{}, false, err
		}
	}
	vendi.Low, vendi.High = jackknifeInterval(vs, loo, 1, float64(n))
	vendi.OK = true
	// A block holding every rated image leaves nothing to weigh by: then
	// the weighted score has no interval.
	if hasWeighted && !slices.ContainsFunc(qloo, math.IsNaN) {
		weighted.Low, weighted.High = jackknifeInterval(qvs, qloo, 0, maxQ*float64(n))
		weighted.OK = true
	}
	return vendi, weighted, hasWeighted, nil
}

// jackknifeInterval is θ ± 1.96 jackknife standard errors within [lo, hi].
func jackknifeInterval(theta float64, loo []float64, lo, hi float64) (float64, float64) {
	g := float64(len(loo))
	var mean float64
	for _, v := range loo {
		mean += v
	}
	mean /= g
	var ss float64
	for _, v := range loo {
		ss += (v - mean) * (v - mean)
	}
	se := math.Sqrt((g - 1) / g * ss)
	return math.Max(lo, theta-1.96*se), math.Min(hi, theta+1.96*se)
}

// vendiParts holds what every jackknife estimate of one set of embeddings
// shares, so that leaving a block out costs an eigen-decomposition and no
// new dot product. Rows are dealt round-robin into g blocks (row i in
// block i mod g). With fewer dimensions than rows the kernel's eigenvalues
// are those of the d x d covariance, a sum over rows: the covariance
// without block b is the total minus block b's. Otherwise the n x n cosine
// kernel is computed once and each estimate takes its rows and columns.
type vendiParts struct {
	n, d, g int
	byDim   bool
	total   []float64   // lower triangle: the covariance sum, or the kernel
	blocks  [][]float64 // byDim: each block's covariance sum
	sizes   []int
	c       []float64 // the matrix of the estimate being taken
	solver  eigenSolver
}

func newVendiParts(x [][]float64, g int) (*vendiParts, error) {
	n := len(x)
	if n == 0 {
		return nil, errors.New("no embeddings")
	}
	p := &vendiParts{n: n, g: max(g, 1), byDim: len(x[0]) < n}
	data, d, err := normalizedRows(x, false)
	if err != nil {
		return nil, err
	}
	p.d = d
	if !p.byDim {
		p.total = gram(data, n, d)
		return p, nil
	}
	// Each block's rows, column after column, for its d x d Gram.
	p.blocks, p.sizes = make([][]float64, p.g), make([]int, p.g)
	for b := range p.blocks {
		var rows []int
		for i := b; i < n; i += p.g {
			rows = append(rows, i)
		}
		cols := make([]float64, d*len(rows))
		for k, i := range rows {
			for j := 0; j < d; j++ {
				cols[j*len(rows)+k] = data[i*d+j]
			}
		}
		p.blocks[b], p.sizes[b] = gram(cols, d, len(rows)), len(rows)
	}
	p.total = make([]float64, d*d)
	for _, c := range p.blocks {
		for i, v := range c {
			p.total[i] += v
		}
	}
	return p, nil
}

// eigenvalues are the kernel's eigenvalues with block b left out (none
// when b is -1), and how many rows that keeps.
func (p *vendiParts) eigenvalues(b int) ([]float64, int, error) {
	if p.byDim {
		kept := p.n
		if b >= 0 {
			kept -= p.sizes[b]
		}
		c := p.matrix(p.d)
		inv := 1 / float64(kept)
		for i := 0; i < p.d; i++ {
			for j := 0; j <= i; j++ {
				v := p.total[i*p.d+j]
				if b >= 0 {
					v -= p.blocks[b][i*p.d+j]
				}
				c[i*p.d+j], c[j*p.d+i] = v*inv, v*inv
			}
		}
		e, err := p.solver.values(c, p.d)
		return e, kept, err
	}
	var rows []int
	for i := 0; i < p.n; i++ {
		if b < 0 || i%p.g != b {
			rows = append(rows, i)
		}
	}
	m := len(rows)
	c := p.matrix(m)
	inv := 1 / float64(m)
	for a, i := range rows {
		for k, j := range rows[:a+1] {
			v := p.total[i*p.n+j] * inv
			c[a*m+k], c[k*m+a] = v, v
		}
	}
	e, err := p.solver.values(c, m)
	return e, m, err
}

// matrix is an m x m buffer for one estimate, reused from the last.
func (p *vendiParts) matrix(m int) []float64 {
	p.c = slices.Grow(p.c[:0], m*m)[:m*m]
	return p.c
}
