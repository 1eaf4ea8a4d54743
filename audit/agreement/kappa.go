package agreement

import (
	"fmt"
	"math"
)

// Fleiss is Fleiss' kappa of counts[item][category]: how many raters put
// each item in each category. Every item must have the same number of
// ratings, at least two.
func Fleiss(counts [][]int) (float64, error) {
	if len(counts) == 0 {
		return math.NaN(), ErrUndefined
	}
	raters := -1
	cats := len(counts[0])
	colSum := make([]float64, cats)
	pBar := 0.0
	for i, row := range counts {
		if len(row) != cats {
			return math.NaN(), fmt.Errorf("fleiss: item %d has %d categories, item 0 has %d", i, len(row), cats)
		}
		n := 0
		sq := 0
		for j, c := range row {
			if c < 0 {
				return math.NaN(), fmt.Errorf("fleiss: negative count at item %d", i)
			}
			n += c
			sq += c * c
			colSum[j] += float64(c)
		}
		if raters == -1 {
			raters = n
		} else if n != raters {
			return math.NaN(), fmt.Errorf("fleiss: item %d has %d ratings, item 0 has %d", i, n, raters)
		}
		if n < 2 {
			return math.NaN(), ErrUndefined
		}
		pBar += float64(sq-n) / float64(n*(n-1))
	}
	N := float64(len(counts))
	pBar /= N
	pe := 0.0
	for _, s := range colSum {
		p := s / (N * float64(raters))
		pe += p * p
	}
	if pe == 1 {
		return math.NaN(), ErrUndefined
	}
	return (pBar - pe) / (1 - pe), nil
}

// Cohen is Cohen's kappa of two raters' labels of the same items; an
// empty label is missing and drops the item.
func Cohen(a, b []string) (float64, error) {
	if len(a) != len(b) {
		return math.NaN(), fmt.Errorf("cohen: %d and %d labels", len(a), len(b))
	}
	ca, cb := map[string]float64{}, map[string]float64{}
	agree, n := 0.0, 0.0
	for i := range a {
		if a[i] == "" || b[i] == "" {
			continue
		}
		n++
		ca[a[i]]++
		cb[b[i]]++
		if a[i] == b[i] {
			agree++
		}
	}
	if n == 0 {
		return math.NaN(), ErrUndefined
	}
	po := agree / n
	pe := 0.0
	for k, x := range ca {
		pe += (x / n) * (cb[k] / n)
	}
	if pe == 1 {
		return math.NaN(), ErrUndefined
	}
	return (po - pe) / (1 - pe), nil
}
