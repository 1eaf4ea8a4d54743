package attribution

import (
	"math"
	"testing"
)

func TestDivergence(t *testing.T) {
	support := []string{"A", "B", "C", "D"}
	if d := Divergence(map[string]float64{"A": .25, "B": .25, "C": .25, "D": .25}, support); math.Abs(d) > 1e-12 {
		t.Errorf("uniform: %v", d)
	}
	all := Divergence(map[string]float64{"A": 1}, support)
	half := Divergence(map[string]float64{"A": .5, "B": .5}, support)
	if !(all > half && half > 0 && all <= 1) {
		t.Errorf("all on one %v, two %v", all, half)
	}
	if d := Divergence(map[string]float64{"elsewhere": 1}, support); d < all-1e-12 {
		t.Errorf("all outside the support %v < all on one %v", d, all)
	}
}

func TestCentroidsAndSilhouette(t *testing.T) {
	groups := map[string][][]float64{
		"Kenya": {{1, 0.1, 0}, {0.9, 0, 0.1}, {1, 0, 0}},
		"Korea": {{0, 1, 0.1}, {0.1, 0.9, 0}, {0, 1, 0}},
	}
	c := Centroids(groups)
	if Nearest([]float64{0.8, 0.2, 0}, c) != "Kenya" || Nearest([]float64{0.1, 0.7, 0}, c) != "Korea" {
		t.Fatal("nearest centroid")
	}
	var vecs [][]float64
	var labels []string
	for _, l := range []string{"Kenya", "Korea"} {
		for _, v := range groups[l] {
			vecs, labels = append(vecs, v), append(labels, l)
		}
	}
	s, ok := Silhouette(vecs, labels)
	if !ok || s < 0.8 {
		t.Fatalf("distinct groups: silhouette %v", s)
	}
	blurred := []string{"Kenya", "Korea", "Kenya", "Korea", "Kenya", "Korea"}
	if s2, _ := Silhouette(vecs, blurred); s2 >= s {
		t.Fatalf("mixed labels %v >= separated %v", s2, s)
	}
	if m := Misplaced(vecs, labels, c); m != 0 {
		t.Fatalf("misplaced %v", m)
	}
}
