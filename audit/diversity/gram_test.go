package diversity

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// TestGramMatchesGemm: the blocked lower triangle equals gonum's product
// for shapes that do and do not fill whole blocks and kernels.
func TestGramMatchesGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][2]int{{1, 3}, {3, 1}, {5, 7}, {64, 512}, {67, 1030}, {130, 515}} {
		m, l := sz[0], sz[1]
		a := make([]float64, m*l)
		for i := range a {
			a[i] = rng.NormFloat64()
		}
		got := gram(a, m, l)
		want := blas64.General{Rows: m, Cols: m, Stride: m, Data: make([]float64, m*m)}
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, blas64.General{Rows: m, Cols: l, Stride: l, Data: a}, blas64.General{Rows: m, Cols: l, Stride: l, Data: a}, 0, want)
		for i := 0; i < m; i++ {
			for j := 0; j <= i; j++ {
				if d := math.Abs(got[i*m+j] - want.Data[i*m+j]); d > 1e-10*math.Sqrt(float64(l)) {
					t.Fatalf("%dx%d: c[%d][%d] = %v, want %v", m, l, i, j, got[i*m+j], want.Data[i*m+j])
				}
			}
		}
	}
}

func BenchmarkGram(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	m, l := 512, 10000
	a := make([]float64, m*l)
	for i := range a {
		a[i] = rng.NormFloat64()
	}
	b.Run("blocked", func(b *testing.B) {
		for b.Loop() {
			gram(a, m, l)
		}
	})
	b.Run("gonum", func(b *testing.B) {
		c := blas64.General{Rows: m, Cols: m, Stride: m, Data: make([]float64, m*m)}
		for b.Loop() {
			blas64.Gemm(blas.NoTrans, blas.Trans, 1, blas64.General{Rows: m, Cols: l, Stride: l, Data: a}, blas64.General{Rows: m, Cols: l, Stride: l, Data: a}, 0, c)
		}
	})
}
