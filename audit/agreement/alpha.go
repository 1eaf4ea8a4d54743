package agreement

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Level is a level of measurement: it chooses the difference function of
// Krippendorff's alpha.
type Level int

// Levels of measurement.
const (
	Nominal Level = iota
	Ordinal
	Interval
)

func (l Level) String() string {
	return [...]string{"nominal", "ordinal", "interval"}[l]
}

// ErrUndefined reports a statistic that the data cannot define: too few
// paired values, or no variation at all.
var ErrUndefined = errors.New("undefined: too few pairable values or no variation")

// Alpha is Krippendorff's alpha of data[unit][coder], NaN marking a value
// the coder did not give. Units with fewer than two values are not
// pairable and are left out, as the method prescribes.
func Alpha(data [][]float64, level Level) (float64, error) {
	// Distinct values and their index.
	idx := map[float64]int{}
	var vals []float64
	for _, u := range data {
		for _, v := range u {
			if !math.IsNaN(v) {
				if _, ok := idx[v]; !ok {
					idx[v] = 0
					vals = append(vals, v)
				}
			}
		}
	}
	sort.Float64s(vals)
	for i, v := range vals {
		idx[v] = i
	}
	k := len(vals)
	// Coincidence matrix.
	o := make([][]float64, k)
	for i := range o {
		o[i] = make([]float64, k)
	}
	for _, u := range data {
		var present []int
		for _, v := range u {
			if !math.IsNaN(v) {
				present = append(present, idx[v])
			}
		}
		m := len(present)
		if m < 2 {
			continue
		}
		w := 1 / float64(m-1)
		for i, a := range present {
			for j, b := range present {
				if i != j {
					o[a][b] += w
				}
			}
		}
	}
	nc := make([]float64, k)
	n := 0.0
	for c := range o {
		for _, x := range o[c] {
			nc[c] += x
		}
		n += nc[c]
	}
	if n < 2 || k < 2 {
		return math.NaN(), ErrUndefined
	}
	delta := func(c, kk int) float64 {
		switch level {
		case Nominal:
			if c == kk {
				return 0
			}
			return 1
		case Interval:
			d := vals[c] - vals[kk]
			return d * d
		case Ordinal:
			lo, hi := min(c, kk), max(c, kk)
			s := 0.0
			for g := lo; g <= hi; g++ {
				s += nc[g]
			}
			s -= (nc[c] + nc[kk]) / 2
			return s * s
		}
		panic(fmt.Sprintf("agreement: unknown level %d", level))
	}
	var do, de float64
	for c := 0; c < k; c++ {
		for kk := 0; kk < k; kk++ {
			d := delta(c, kk)
			do += o[c][kk] * d
			de += nc[c] * nc[kk] * d
		}
	}
	if de == 0 {
		return math.NaN(), ErrUndefined
	}
	return 1 - (n-1)*do/de, nil
}
