package diversity

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// Geotag is a VLM's reading of where an image comes from, for CUBE's
// hierarchical kernel.
type Geotag struct {
	Continent, Country, Artifact string
}

// GeotagWeights weigh agreement at each level; they must sum to 1 so that
// k(x,x) = 1.
type GeotagWeights struct {
	Continent, Country, Artifact float64
}

// DefaultGeotagWeights weigh the three levels equally.
var DefaultGeotagWeights = GeotagWeights{1.0 / 3, 1.0 / 3, 1.0 / 3}

// CosineKernel is the cosine similarity of vectors; a zero vector is only
// similar to itself.
func CosineKernel(x [][]float64) [][]float64 {
	norms := make([]float64, len(x))
	for i, v := range x {
		for _, a := range v {
			norms[i] += a * a
		}
		norms[i] = math.Sqrt(norms[i])
	}
	k := make([][]float64, len(x))
	for i := range x {
		k[i] = make([]float64, len(x))
		for j := range x {
			switch {
			case i == j:
				k[i][j] = 1
			case norms[i] == 0 || norms[j] == 0:
			default:
				var s float64
				for a := range x[i] {
					s += x[i][a] * x[j][a]
				}
				k[i][j] = s / (norms[i] * norms[j])
			}
		}
	}
	return k
}

// FromGeotags returns VS_q under CUBE's hierarchical kernel,
// k(a,b) = w1[continent equal] + w2[country equal] + w3[artifact equal]
// (compared trimmed and case-insensitively), without the n x n kernel.
// The kernel is a sum of agreement indicators, so it factors as F Fᵀ with
// F one column per distinct value at each level (sqrt of the level's
// weight where an image has that value): K/n has the same non-zero
// eigenvalues as FᵀF/n, whose side is the number of distinct values, and
// FᵀF counts how often two values go together.
func FromGeotags(tags []Geotag, w GeotagWeights, q float64) (float64, error) {
	if s := w.Continent + w.Country + w.Artifact; math.Abs(s-1) > 1e-9 || w.Continent < 0 || w.Country < 0 || w.Artifact < 0 {
		return 0, fmt.Errorf("geotag weights must be non-negative and sum to 1, got %v", w)
	}
	if len(tags) == 0 {
		return 0, fmt.Errorf("no geotags")
	}
	if err := CheckQ(q); err != nil {
		return 0, err
	}
	type feature struct {
		level int
		value string
	}
	index := map[feature]int{}
	weights := [3]float64{math.Sqrt(w.Continent), math.Sqrt(w.Country), math.Sqrt(w.Artifact)}
	cols := make([][3]int, len(tags))
	for i, t := range tags {
		for level, v := range [3]string{t.Continent, t.Country, t.Artifact} {
			// Compared trimmed and case-insensitively.
			f := feature{level, strings.ToLower(strings.TrimSpace(v))}
			c, ok := index[f]
			if !ok {
				c = len(index)
				index[f] = c
			}
			cols[i][level] = c
		}
	}
	dim := len(index)
	m := make([]float64, dim*dim)
	inv := 1 / float64(len(tags))
	for _, c := range cols {
		for a := 0; a < 3; a++ {
			for b := 0; b < 3; b++ {
				m[c[a]*dim+c[b]] += weights[a] * weights[b] * inv
			}
		}
	}
	eigs, err := eigenvalues(mat.NewSymDense(dim, m))
	if err != nil {
		return 0, err
	}
	return inRange(Order(eigs, q), len(tags))
}
