// Package stats holds the statistics every aggregate is reported with:
// seeded percentile-bootstrap confidence intervals, two-sided permutation
// tests of a difference in means, and Holm's correction for testing many
// pairs. Every resampling is seeded from what it describes, so a report is
// the same on every run.
package stats

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"sort"
)

// Seed derives a deterministic seed from a description of the number.
func Seed(parts ...string) uint64 {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return binary.BigEndian.Uint64(h.Sum(nil)[:8])
}

// Mean of xs (NaN for none).
func Mean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// Bootstrap returns the percentile interval at level (e.g. 0.95) of stat
// over reps resamples of xs with replacement. With fewer than two values
// the interval is the value itself.
func Bootstrap(xs []float64, stat func([]float64) float64, reps int, seed uint64, level float64) (lo, hi float64) {
	if len(xs) < 2 {
		v := stat(xs)
		return v, v
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	vals := make([]float64, reps)
	buf := make([]float64, len(xs))
	for r := range vals {
		for i := range buf {
			buf[i] = xs[rng.IntN(len(xs))]
		}
		vals[r] = stat(buf)
	}
	sort.Float64s(vals)
	a := (1 - level) / 2
	return quantile(vals, a), quantile(vals, 1-a)
}

// BootstrapMean is Bootstrap with stat = Mean, bit for bit (the same
// draws, summed in the same order), without copying each resample.
func BootstrapMean(xs []float64, reps int, seed uint64, level float64) (lo, hi float64) {
	if len(xs) < 2 {
		v := Mean(xs)
		return v, v
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	vals := make([]float64, reps)
	n := len(xs)
	for r := range vals {
		var s float64
		for i := 0; i < n; i++ {
			s += xs[rng.IntN(n)]
		}
		vals[r] = s / float64(n)
	}
	sort.Float64s(vals)
	a := (1 - level) / 2
	return quantile(vals, a), quantile(vals, 1-a)
}

// quantile interpolates linearly between order statistics.
func quantile(sorted []float64, p float64) float64 {
	if len(sorted) == 1 {
		return sorted[0]
	}
	pos := p * float64(len(sorted)-1)
	i := int(pos)
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	f := pos - float64(i)
	return sorted[i]*(1-f) + sorted[i+1]*f
}

// Permutation tests whether the means of a and b differ: it returns
// mean(a) - mean(b) and the two-sided p-value (k+1)/(reps+1), k being the
// relabellings at least as extreme.
func Permutation(a, b []float64, reps int, seed uint64) (diff, p float64) {
	if len(a) == 0 || len(b) == 0 {
		return math.NaN(), 1
	}
	diff = Mean(a) - Mean(b)
	all := append(append([]float64(nil), a...), b...)
	rng := rand.New(rand.NewPCG(seed, seed^0x6a09e667f3bcc909))
	k := 0
	for r := 0; r < reps; r++ {
		rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		d := Mean(all[:len(a)]) - Mean(all[len(a):])
		if math.Abs(d) >= math.Abs(diff)-1e-12 {
			k++
		}
	}
	return diff, float64(k+1) / float64(reps+1)
}

// Holm adjusts p-values for testing them together (Holm-Bonferroni):
// the adjusted values keep the family-wise error rate.
func Holm(ps []float64) []float64 {
	m := len(ps)
	idx := make([]int, m)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return ps[idx[a]] < ps[idx[b]] })
	out := make([]float64, m)
	running := 0.0
	for rank, i := range idx {
		v := math.Min(1, float64(m-rank)*ps[i])
		running = math.Max(running, v)
		out[i] = running
	}
	return out
}

// PairedPermutation tests whether paired differences d (one per pair)
// have mean zero, by flipping the sign of each difference at random: it
// returns mean(d) and the two-sided p-value (k+1)/(reps+1).
func PairedPermutation(d []float64, reps int, seed uint64) (mean, p float64) {
	if len(d) == 0 {
		return math.NaN(), 1
	}
	mean = Mean(d)
	rng := rand.New(rand.NewPCG(seed, seed^0x3c6ef372fe94f82b))
	k := 0
	for r := 0; r < reps; r++ {
		var s float64
		for _, x := range d {
			if rng.IntN(2) == 0 {
				s += x
			} else {
				s -= x
			}
		}
		if math.Abs(s/float64(len(d))) >= math.Abs(mean)-1e-12 {
			k++
		}
	}
	return mean, float64(k+1) / float64(reps+1)
}
