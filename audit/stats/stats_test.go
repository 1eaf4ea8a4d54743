package stats

import (
	"math"
	"testing"
	"time"
)

func TestHolm(t *testing.T) {
	// Worked example: p = 0.01, 0.04, 0.03, 0.005 -> 0.03, 0.06, 0.06, 0.02.
	got := Holm([]float64{0.01, 0.04, 0.03, 0.005})
	want := []float64{0.03, 0.06, 0.06, 0.02}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("Holm = %v, want %v", got, want)
		}
	}
}

func TestBootstrapCoversTheMean(t *testing.T) {
	xs := []float64{0, 1, 1, 0, 1, 1, 1, 0, 1, 1}
	lo, hi := Bootstrap(xs, Mean, 2000, Seed("x"), 0.95)
	m := Mean(xs)
	if !(lo < m && m < hi) || lo < 0 || hi > 1 {
		t.Fatalf("CI [%v, %v] around %v", lo, hi, m)
	}
	lo2, hi2 := Bootstrap(xs, Mean, 2000, Seed("x"), 0.95)
	if lo != lo2 || hi != hi2 {
		t.Fatal("the same seed gave another interval")
	}
	if lo, hi := Bootstrap([]float64{0.5}, Mean, 100, 1, 0.95); lo != 0.5 || hi != 0.5 {
		t.Fatalf("one value: [%v, %v]", lo, hi)
	}
}

func TestPermutation(t *testing.T) {
	a := []float64{0.9, 0.8, 1, 0.95, 0.85, 0.9, 1, 0.8}
	b := []float64{0.3, 0.4, 0.2, 0.35, 0.5, 0.3, 0.25, 0.4}
	diff, p := Permutation(a, b, 2000, Seed("ab"))
	if math.Abs(diff-(Mean(a)-Mean(b))) > 1e-12 || p > 0.01 {
		t.Fatalf("clearly different groups: diff %v p %v", diff, p)
	}
	_, p = Permutation(a, a, 2000, Seed("aa"))
	if p < 0.9 {
		t.Fatalf("identical groups: p %v", p)
	}
}

// TestBootstrapMeanIsBootstrap: the fast path for the mean gives exactly
// what the general bootstrap gives.
func TestBootstrapMeanIsBootstrap(t *testing.T) {
	for _, xs := range [][]float64{{1}, {0, 1}, {0.1, 0.7, 0.7, 0.2, 1, 0, 0.33}, make([]float64, 100)} {
		for i := range xs {
			if len(xs) == 100 {
				xs[i] = float64(i%7) / 7
			}
		}
		lo, hi := Bootstrap(xs, Mean, 1000, 42, 0.95)
		flo, fhi := BootstrapMean(xs, 1000, 42, 0.95)
		if lo != flo || hi != fhi {
			t.Errorf("%v: BootstrapMean [%v, %v], Bootstrap [%v, %v]", xs, flo, fhi, lo, hi)
		}
	}
}

// BenchmarkBootstrapMean: 1,000 resamples of 400 values; speedup_vs_general
// is Bootstrap(xs, Mean, ...)'s time over the fast path's.
func BenchmarkBootstrapMean(b *testing.B) {
	xs := make([]float64, 400)
	for i := range xs {
		xs[i] = float64(i%5) / 4
	}
	var ours, ref time.Duration
	for b.Loop() {
		start := time.Now()
		BootstrapMean(xs, 1000, 7, 0.95)
		ours += time.Since(start)
		b.StopTimer()
		start = time.Now()
		Bootstrap(xs, Mean, 1000, 7, 0.95)
		ref += time.Since(start)
		b.StartTimer()
	}
	b.ReportMetric(ref.Seconds()/ours.Seconds(), "speedup_vs_general")
}
