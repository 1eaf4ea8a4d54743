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
	// stat returns the Vendi score of the kept rows and the mean quality
	// of those rated (NaN when none is).
	stat := func(keep []int) (float64, float64, error) {
		rows := make([][]float64, len(keep))
		var qs float64
		rated := 0
		for i, k := range keep {
			rows[i] = x[k]
			if hasWeighted && !math.IsNaN(quality[k]) {
				qs += quality[k]
				rated++
			}
		}
		eigs, err := EmbeddingEigenvalues(rows)
		if err != nil {
			return 0, 0, err
		}
		vs, err := inRange(Order(eigs, 1), len(rows))
		if err != nil {
			return 0, 0, err
		}
		if rated == 0 {
			return vs, math.NaN(), nil
		}
		return vs, qs / float64(rated) * vs, nil
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	vs, qvs, err := stat(all)
	if err != nil {
		return Interval{}, Interval{}, false, err
	}
	hasWeighted = hasWeighted && !math.IsNaN(qvs)
	vendi, weighted = Interval{Value: vs, Low: vs, High: vs}, Interval{Value: qvs, Low: qvs, High: qvs}
	if n < 3 {
		return vendi, weighted, hasWeighted, nil
	}
	g := min(n, JackknifeGroups)
	loo := make([]float64, g)
	qloo := make([]float64, g)
	keep := make([]int, 0, n)
	for b := 0; b < g; b++ {
		keep = keep[:0]
		for i := 0; i < n; i++ {
			if i%g != b {
				keep = append(keep, i)
			}
		}
		if loo[b], qloo[b], err = stat(keep); err != nil {
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
