package diversity

import (
	"fmt"
	"math"
	"strings"
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

// GeotagKernel is CUBE's kernel: k(a,b) = w1[continent equal] +
// w2[country equal] + w3[artifact equal], comparing case-insensitively.
func GeotagKernel(tags []Geotag, w GeotagWeights) ([][]float64, error) {
	if s := w.Continent + w.Country + w.Artifact; math.Abs(s-1) > 1e-9 || w.Continent < 0 || w.Country < 0 || w.Artifact < 0 {
		return nil, fmt.Errorf("geotag weights must be non-negative and sum to 1, got %v", w)
	}
	eq := func(a, b string) float64 {
		if strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b)) {
			return 1
		}
		return 0
	}
	k := make([][]float64, len(tags))
	for i, a := range tags {
		k[i] = make([]float64, len(tags))
		for j, b := range tags {
			k[i][j] = w.Continent*eq(a.Continent, b.Continent) + w.Country*eq(a.Country, b.Country) + w.Artifact*eq(a.Artifact, b.Artifact)
		}
	}
	return k, nil
}

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
