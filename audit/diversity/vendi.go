package diversity

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// CellError is a problem with one row (and value) of the input, numbered
// from 1, so a caller can map it to a line of its file.
type CellError struct {
	Row, Col int // Col is 0 when the whole row is at fault
	Msg      string
}

func (e *CellError) Error() string {
	if e.Col > 0 {
		return fmt.Sprintf("row %d, value %d: %s", e.Row, e.Col, e.Msg)
	}
	return fmt.Sprintf("row %d: %s", e.Row, e.Msg)
}

// zeroEigen is below which an eigenvalue of K/n counts as zero.
const zeroEigen = 1e-12

// Order computes VS_q from the eigenvalues of K/n.
func Order(eigs []float64, q float64) float64 {
	var pos []float64
	for _, l := range eigs {
		if l > zeroEigen {
			pos = append(pos, l)
		}
	}
	if len(pos) == 0 {
		return 0
	}
	switch {
	case q == 0:
		return float64(len(pos))
	case q == 1:
		var h float64
		for _, l := range pos {
			h -= l * math.Log(l)
		}
		return math.Exp(h)
	case math.IsInf(q, 1):
		return 1 / maxOf(pos)
	}
	// log Σ λ^q computed stably around the largest eigenvalue.
	m := maxOf(pos)
	var s float64
	for _, l := range pos {
		s += math.Pow(l/m, q)
	}
	return math.Exp((math.Log(s) + q*math.Log(m)) / (1 - q))
}

func maxOf(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs[1:] {
		m = math.Max(m, x)
	}
	return m
}

// CheckQ rejects an order Vendi is not defined for.
func CheckQ(q float64) error {
	if math.IsNaN(q) || q < 0 {
		return fmt.Errorf("the order q must be 0, positive or +Inf, got %v", q)
	}
	return nil
}

// FromKernel returns VS_q of a similarity matrix, which must be square,
// symmetric, finite, with ones on the diagonal.
func FromKernel(k [][]float64, q float64) (float64, error) {
	if err := CheckQ(q); err != nil {
		return 0, err
	}
	n := len(k)
	if n == 0 {
		return 0, errors.New("the kernel is empty")
	}
	sym := mat.NewSymDense(n, nil)
	for i, row := range k {
		if len(row) != n {
			return 0, &CellError{Row: i + 1, Msg: fmt.Sprintf("%d values; the kernel must be %dx%d", len(row), n, n)}
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, &CellError{Row: i + 1, Col: j + 1, Msg: "not finite"}
			}
			if math.Abs(v) > 1+1e-9 {
				return 0, &CellError{Row: i + 1, Col: j + 1, Msg: fmt.Sprintf("similarity %v is outside [-1, 1]; a Vendi kernel holds similarities with k(x,x) = 1", v)}
			}
			if j < i && math.Abs(v-k[j][i]) > 1e-9 {
				return 0, &CellError{Row: i + 1, Col: j + 1, Msg: fmt.Sprintf("the kernel is not symmetric: %v here, %v at row %d, value %d", v, k[j][i], j+1, i+1)}
			}
		}
		if math.Abs(row[i]-1) > 1e-9 {
			return 0, &CellError{Row: i + 1, Col: i + 1, Msg: fmt.Sprintf("diagonal value %v; a similarity kernel has k(x,x) = 1", row[i])}
		}
		for j := i; j < n; j++ {
			sym.SetSym(i, j, row[j]/float64(n))
		}
	}
	eigs, err := eigenvalues(sym)
	if err != nil {
		return 0, err
	}
	// A similarity matrix is positive semi-definite; rounding leaves tiny
	// negative eigenvalues, a wrong matrix clearly negative ones.
	for _, l := range eigs {
		if l < -1e-8 {
			return 0, fmt.Errorf("the kernel is not positive semi-definite (K/n has the eigenvalue %.3g): it is not a similarity matrix the Vendi score is defined for", l)
		}
	}
	return inRange(Order(eigs, q), n)
}

// inRange checks that a Vendi score lies in [1, n], where it always lies
// for a valid kernel, forgiving rounding at the ends.
func inRange(vs float64, n int) (float64, error) {
	const tol = 1e-9
	switch {
	case vs >= 1 && vs <= float64(n):
		return vs, nil
	case vs >= 1-tol*float64(n) && vs < 1:
		return 1, nil
	case vs > float64(n) && vs <= float64(n)*(1+tol):
		return float64(n), nil
	}
	return 0, fmt.Errorf("the Vendi score came out as %g, outside [1, %d]: the input is not a valid kernel or embedding set", vs, n)
}

func eigenvalues(s *mat.SymDense) ([]float64, error) {
	var e mat.EigenSym
	if !e.Factorize(s, false) {
		return nil, errors.New("the eigen-decomposition did not converge")
	}
	return e.Values(nil), nil
}

// normalizedRows checks x and returns its rows scaled to unit length in one
// row-major buffer, with the row length.
func normalizedRows(x [][]float64) ([]float64, int, error) {
	if len(x) == 0 {
		return nil, 0, errors.New("no embeddings")
	}
	d := len(x[0])
	if d == 0 {
		return nil, 0, errors.New("the embeddings have no columns")
	}
	data := make([]float64, len(x)*d)
	for i, row := range x {
		if len(row) != d {
			return nil, 0, &CellError{Row: i + 1, Msg: fmt.Sprintf("%d values, the first row has %d", len(row), d)}
		}
		// Scaled by the largest magnitude first, so that 1e160 does not
		// overflow the sum of squares nor 1e-200 underflow it to zero.
		var m float64
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, 0, &CellError{Row: i + 1, Col: j + 1, Msg: "not finite"}
			}
			m = math.Max(m, math.Abs(v))
		}
		if m == 0 {
			return nil, 0, &CellError{Row: i + 1, Msg: "all zeros: no direction for the cosine kernel"}
		}
		var s float64
		for _, v := range row {
			s += (v / m) * (v / m)
		}
		s = 1 / math.Sqrt(s)
		for j, v := range row {
			data[i*d+j] = (v / m) * s
		}
	}
	return data, d, nil
}

// FromEmbeddings returns VS_q under the cosine kernel of the rows of x
// (normalised here), through the d x d dual when d < n.
func FromEmbeddings(x [][]float64, q float64) (float64, error) {
	eigs, err := EmbeddingEigenvalues(x)
	if err != nil {
		return 0, err
	}
	if err := CheckQ(q); err != nil {
		return 0, err
	}
	return inRange(Order(eigs, q), len(x))
}

// EmbeddingEigenvalues returns the eigenvalues of K/n for the cosine
// kernel of x's rows, from whichever of X Xᵀ/n and Xᵀ X/n is smaller.
func EmbeddingEigenvalues(x [][]float64) ([]float64, error) {
	data, d, err := normalizedRows(x)
	if err != nil {
		return nil, err
	}
	n := len(x)
	a := blas64.General{Rows: n, Cols: d, Stride: d, Data: data}
	dim, ta, tb := n, blas.NoTrans, blas.Trans // X Xᵀ
	if d < n {
		dim, ta, tb = d, blas.Trans, blas.NoTrans // Xᵀ X
	}
	// Gemm rather than Syrk: gonum runs Gemm on every core, which beats
	// computing only half the product on one.
	c := blas64.General{Rows: dim, Cols: dim, Stride: dim, Data: make([]float64, dim*dim)}
	blas64.Gemm(ta, tb, 1/float64(n), a, a, 0, c)
	return eigenvalues(mat.NewSymDense(dim, c.Data))
}

// Quality returns mean(quality) x VS: the quality-weighted Vendi score.
func Quality(vs float64, quality []float64) (float64, error) {
	if len(quality) == 0 {
		return 0, errors.New("no quality scores")
	}
	var s float64
	for i, v := range quality {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("quality score %d is not finite", i+1)
		}
		s += v
	}
	return s / float64(len(quality)) * vs, nil
}
