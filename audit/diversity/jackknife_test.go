package diversity

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestVendiCIKnownAnswers: sets whose every subset has the same
// diversity, per item, have a zero-width interval.
func TestVendiCIKnownAnswers(t *testing.T) {
	identity := make([][]float64, 6)
	same := make([][]float64, 6)
	for i := range identity {
		identity[i] = make([]float64, 6)
		identity[i][i] = 1
		same[i] = []float64{1, 2, 3}
	}
	tests := []struct {
		name string
		x    [][]float64
		want float64
	}{
		{"six orthogonal images", identity, 6},
		{"six identical images", same, 1},
	}
	for _, tc := range tests {
		v, _, _, err := VendiCI(tc.x, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		// Orthogonal: every leave-one-out score is 5, so the spread is 0.
		if math.Abs(v.Value-tc.want) > 1e-9 || math.Abs(v.Low-tc.want) > 1e-9 || math.Abs(v.High-tc.want) > 1e-9 || !v.OK {
			t.Errorf("%s: %+v, want %v with a zero-width interval", tc.name, v, tc.want)
		}
	}
	if v, _, _, err := VendiCI(identity[:2], nil); err != nil || v.OK {
		t.Errorf("two images: %+v %v, want no interval", v, err)
	}
}

// TestVendiCIMatchesLeaveOneOut recomputes the jackknife by hand from
// FromEmbeddings on every leave-one-out subset.
func TestVendiCIMatchesLeaveOneOut(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := randomEmbeddings(rng, 12, 5)
	quality := make([]float64, len(x))
	for i := range quality {
		quality[i] = rng.Float64()
	}
	v, q, hasQ, err := VendiCI(x, quality)
	if err != nil || !hasQ || !v.OK || !q.OK {
		t.Fatalf("VendiCI: %v %v %+v %+v", err, hasQ, v, q)
	}
	full, _ := FromEmbeddings(x, 1)
	var loo, qloo []float64
	for i := range x {
		var rows [][]float64
		var qs []float64
		for j := range x {
			if j != i {
				rows = append(rows, x[j])
				qs = append(qs, quality[j])
			}
		}
		vs, err := FromEmbeddings(rows, 1)
		if err != nil {
			t.Fatal(err)
		}
		qvs, _ := Quality(vs, qs)
		loo, qloo = append(loo, vs), append(qloo, qvs)
	}
	se := func(xs []float64) float64 {
		n := float64(len(xs))
		var m, ss float64
		for _, x := range xs {
			m += x / n
		}
		for _, x := range xs {
			ss += (x - m) * (x - m)
		}
		return math.Sqrt((n - 1) / n * ss)
	}
	if math.Abs(v.Value-full) > 1e-12 {
		t.Errorf("value %v, want %v", v.Value, full)
	}
	if want := full - 1.96*se(loo); math.Abs(v.Low-math.Max(1, want)) > 1e-9 {
		t.Errorf("low %v, want %v", v.Low, want)
	}
	if want := full + 1.96*se(loo); math.Abs(v.High-want) > 1e-9 {
		t.Errorf("high %v, want %v", v.High, want)
	}
	qfull, _ := Quality(full, quality)
	if want := qfull + 1.96*se(qloo); math.Abs(q.High-want) > 1e-9 || math.Abs(q.Value-qfull) > 1e-12 {
		t.Errorf("weighted %+v, want value %v high %v", q, qfull, want)
	}
}

// TestVendiCIWidthMatchesSampling: over repeated samples from one
// population, the jackknife's standard error is close to the spread of
// the Vendi score itself, for leave-one-out (n = 15) and for blocks
// (n = 60).
func TestVendiCIWidthMatchesSampling(t *testing.T) {
	// A population of 6 clusters of unequal size in 8 dimensions.
	rng := rand.New(rand.NewPCG(11, 12))
	centres := randomEmbeddings(rng, 6, 8)
	weights := []float64{.35, .25, .15, .1, .1, .05}
	draw := func(n int) [][]float64 {
		x := make([][]float64, n)
		for i := range x {
			u, c := rng.Float64(), 0
			for u > weights[c] && c < len(weights)-1 {
				u -= weights[c]
				c++
			}
			x[i] = make([]float64, 8)
			for j := range x[i] {
				x[i][j] = centres[c][j] + 0.3*rng.NormFloat64()
			}
		}
		return x
	}
	for _, n := range []int{15, 60} {
		var vals, ses []float64
		for r := 0; r < 300; r++ {
			v, _, _, err := VendiCI(draw(n), nil)
			if err != nil {
				t.Fatal(err)
			}
			vals = append(vals, v.Value)
			ses = append(ses, (v.High-v.Low)/(2*1.96))
		}
		var m, ss, meanSE float64
		for i, v := range vals {
			m += v / float64(len(vals))
			meanSE += ses[i] / float64(len(vals))
		}
		for _, v := range vals {
			ss += (v - m) * (v - m)
		}
		sd := math.Sqrt(ss / float64(len(vals)-1))
		if ratio := meanSE / sd; ratio < 0.7 || ratio > 1.5 {
			t.Errorf("n=%d: mean jackknife se %.3f against a sampling sd of %.3f (ratio %.2f)", n, meanSE, sd, ratio)
		} else {
			t.Logf("n=%d: mean jackknife se %.3f, sampling sd %.3f (ratio %.2f)", n, meanSE, sd, ratio)
		}
	}
}

func TestVendiCIPartialQuality(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := randomEmbeddings(rng, 8, 4)
	quality := []float64{math.NaN(), 0.5, math.NaN(), 1, math.NaN(), math.NaN(), math.NaN(), math.NaN()}
	v, q, hasQ, err := VendiCI(x, quality)
	if err != nil || !hasQ {
		t.Fatalf("%v %v", err, hasQ)
	}
	if math.Abs(q.Value-0.75*v.Value) > 1e-12 {
		t.Errorf("weighted %v, want 0.75 x %v", q.Value, v.Value)
	}
	if _, _, hasQ, _ := VendiCI(x, []float64{math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()}); hasQ {
		t.Error("no rated image: a weighted score was given")
	}
	if _, _, _, err := VendiCI(x, []float64{1, 1, math.Inf(1), 1, 1, 1, 1, 1}); err == nil {
		t.Error("an infinite quality score was accepted")
	}
}

// TestVendiCIMatchesDirectJackknife: the factored jackknife (covariance
// minus a block's, or the kernel's rows and columns) gives the interval of
// recomputing every leave-a-block-out score from its rows, in both
// regimes: more rows than dimensions (with blocks of several rows) and
// fewer.
func TestVendiCIMatchesDirectJackknife(t *testing.T) {
	for _, tc := range []struct{ n, d int }{{60, 5}, {45, 8}, {8, 20}, {3, 3}} {
		rng := rand.New(rand.NewPCG(uint64(tc.n), uint64(tc.d)))
		x := randomEmbeddings(rng, tc.n, tc.d)
		v, _, _, err := VendiCI(x, nil)
		if err != nil || !v.OK {
			t.Fatalf("n=%d d=%d: %v %+v", tc.n, tc.d, err, v)
		}
		full, _ := FromEmbeddings(x, 1)
		g := min(tc.n, JackknifeGroups)
		loo := make([]float64, g)
		for b := range loo {
			var rows [][]float64
			for i := range x {
				if i%g != b {
					rows = append(rows, x[i])
				}
			}
			if loo[b], err = FromEmbeddings(rows, 1); err != nil {
				t.Fatal(err)
			}
		}
		lo, hi := jackknifeInterval(full, loo, 1, float64(tc.n))
		if math.Abs(v.Value-full) > 1e-9 || math.Abs(v.Low-lo) > 1e-9 || math.Abs(v.High-hi) > 1e-9 {
			t.Errorf("n=%d d=%d: %+v, want %v [%v, %v]", tc.n, tc.d, v, full, lo, hi)
		}
	}
}

// BenchmarkVendiCI times the factored jackknife against recomputing each
// leave-a-block-out score from its rows (what VendiCI did before), and
// reports speedup_vs_direct, in both regimes.
func BenchmarkVendiCI(b *testing.B) {
	for _, tc := range []struct{ n, d int }{{2000, 64}, {300, 512}} {
		b.Run(fmt.Sprintf("n%d_d%d", tc.n, tc.d), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			x := randomEmbeddings(rng, tc.n, tc.d)
			direct := func() {
				g := min(tc.n, JackknifeGroups)
				for bl := -1; bl < g; bl++ {
					var rows [][]float64
					for i := range x {
						if bl < 0 || i%g != bl {
							rows = append(rows, x[i])
						}
					}
					if _, err := FromEmbeddings(rows, 1); err != nil {
						b.Fatal(err)
					}
				}
			}
			start := time.Now()
			direct()
			ref := time.Since(start)
			b.ResetTimer()
			for range b.N {
				if _, _, _, err := VendiCI(x, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(ref)/(float64(b.Elapsed())/float64(b.N)), "speedup_vs_direct")
		})
	}
}
