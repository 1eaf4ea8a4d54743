package attribution

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
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

// naiveSilhouette is the textbook definition, every distance computed
// from the raw vectors, as the reference for the Gram-based one.
func naiveSilhouette(vecs [][]float64, labels []string) float64 {
	n := len(vecs)
	count := map[string]int{}
	for _, l := range labels {
		count[l]++
	}
	var total float64
	for i := 0; i < n; i++ {
		sum := map[string]float64{}
		for j := 0; j < n; j++ {
			if i != j {
				sum[labels[j]] += 1 - Cosine(vecs[i], vecs[j])
			}
		}
		own := count[labels[i]] - 1
		if own == 0 {
			continue
		}
		a := sum[labels[i]] / float64(own)
		b := math.Inf(1)
		for l, c := range count {
			if l != labels[i] {
				b = math.Min(b, sum[l]/float64(c))
			}
		}
		if m := math.Max(a, b); m > 0 {
			total += (b - a) / m
		}
	}
	return total / float64(n)
}

func TestSilhouetteMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	for _, n := range []int{3, 10, 97, 300} {
		vecs := make([][]float64, n)
		labels := make([]string, n)
		for i := range vecs {
			labels[i] = fmt.Sprint("c", rng.IntN(4))
			vecs[i] = make([]float64, 16)
			for j := range vecs[i] {
				vecs[i][j] = rng.NormFloat64() + float64(labels[i][1]-'0')*float64(j%3)
			}
		}
		vecs[1] = make([]float64, 16) // a zero vector: distance 1 to all
		labels[0] = "alone"
		got, ok := Silhouette(vecs, labels)
		if want := naiveSilhouette(vecs, labels); !ok || math.Abs(got-want) > 1e-12 {
			t.Errorf("n=%d: %v, the definition gives %v", n, got, want)
		}
	}
}

// BenchmarkSilhouette: 2,000 images of 6 countries in 64 dimensions;
// speedup_vs_definition is the textbook computation's time over this one.
func BenchmarkSilhouette(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	n := 2000
	vecs := make([][]float64, n)
	labels := make([]string, n)
	for i := range vecs {
		labels[i] = fmt.Sprint(i % 6)
		vecs[i] = make([]float64, 64)
		for j := range vecs[i] {
			vecs[i][j] = rng.NormFloat64() + float64((i%6)*(j%2))
		}
	}
	var ours, ref time.Duration
	for b.Loop() {
		start := time.Now()
		Silhouette(vecs, labels)
		ours += time.Since(start)
		b.StopTimer()
		start = time.Now()
		naiveSilhouette(vecs, labels)
		ref += time.Since(start)
		b.StartTimer()
	}
	b.ReportMetric(ref.Seconds()/ours.Seconds(), "speedup_vs_definition")
}
