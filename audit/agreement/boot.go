package agreement

import (
	"math"
	"math/rand/v2"
	"sort"
)

// Estimate is a statistic with its percentile-bootstrap interval.
type Estimate struct {
	Value, Low, High float64
	N                int // units the statistic was computed over
}

// Bootstrap computes stat over units 0..n-1 and its percentile interval at
// level over reps resamples of the units, seeded; resamples where the
// statistic is undefined (NaN) are left out.
func Bootstrap(n int, stat func(units []int) float64, reps int, seed uint64, level float64) Estimate {
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	iv := Estimate{Value: stat(all), N: n, Low: math.NaN(), High: math.NaN()}
	if n < 2 || math.IsNaN(iv.Value) {
		return iv
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	vals := make([]float64, 0, reps)
	buf := make([]int, n)
	for r := 0; r < reps; r++ {
		for i := range buf {
			buf[i] = rng.IntN(n)
		}
		if v := stat(buf); !math.IsNaN(v) {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return iv
	}
	sort.Float64s(vals)
	a := (1 - level) / 2
	iv.Low, iv.High = quantile(vals, a), quantile(vals, 1-a)
	return iv
}

func quantile(sorted []float64, p float64) float64 {
	pos := p * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	return sorted[lo] + (pos-float64(lo))*(sorted[hi]-sorted[lo])
}
