package agreement

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/stat"
)

// Spearman is Spearman's rank correlation of paired values (ties get
// their mean rank); pairs with a NaN are dropped.
func Spearman(x, y []float64) float64 {
	x, y = pairs(x, y)
	if len(x) < 3 {
		return math.NaN()
	}
	return pearson(ranks(x), ranks(y))
}

// Kendall is Kendall's tau-b of paired values, which corrects for ties;
// pairs with a NaN are dropped.
func Kendall(x, y []float64) float64 {
	x, y = pairs(x, y)
	n := len(x)
	if n < 3 {
		return math.NaN()
	}
	var conc, disc, tx, ty float64
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			dx, dy := x[i]-x[j], y[i]-y[j]
			switch {
			case dx == 0 && dy == 0:
			case dx == 0:
				tx++
			case dy == 0:
				ty++
			case (dx > 0) == (dy > 0):
				conc++
			default:
				disc++
			}
		}
	}
	den := math.Sqrt((conc + disc + tx) * (conc + disc + ty))
	if den == 0 {
		return math.NaN()
	}
	return (conc - disc) / den
}

func pairs(x, y []float64) ([]float64, []float64) {
	var a, b []float64
	for i := range min(len(x), len(y)) {
		if !math.IsNaN(x[i]) && !math.IsNaN(y[i]) {
			a = append(a, x[i])
			b = append(b, y[i])
		}
	}
	return a, b
}

func ranks(x []float64) []float64 {
	order := make([]int, len(x))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return x[order[i]] < x[order[j]] })
	r := make([]float64, len(x))
	for i := 0; i < len(order); {
		j := i
		for j+1 < len(order) && x[order[j+1]] == x[order[i]] {
			j++
		}
		mean := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[order[k]] = mean
		}
		i = j + 1
	}
	return r
}

// pearson is the correlation of x and y (NaN when either is constant).
func pearson(x, y []float64) float64 {
	r := stat.Correlation(x, y, nil)
	if math.IsInf(r, 0) {
		return math.NaN()
	}
	return r
}
