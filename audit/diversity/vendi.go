package diversity

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/sourcegraph/conc/iter"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"
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

// eigenSolver computes eigenvalues with buffers kept from one call to
// the next: a jackknife asks for 21 decompositions of one size, and the
// allocations of a fresh solver each time were most of the metrics stage's
// memory churn.
type eigenSolver struct {
	w, work []float64
}

// values returns the eigenvalues, ascending, of the n x n symmetric matrix
// a (row-major; the upper triangle is read), destroying a. The slice is
// the solver's: valid until the next call.
func (s *eigenSolver) values(a []float64, n int) ([]float64, error) {
	if n == 0 {
		return nil, nil
	}
	sym := blas64.Symmetric{N: n, Stride: n, Data: a[:n*n], Uplo: blas.Upper}
	s.w = slices.Grow(s.w[:0], n)[:n]
	query := []float64{0}
	lapack64.Syev(lapack.EVNone, sym, s.w, query, -1)
	if need := int(query[0]); cap(s.work) < need {
		s.work = make([]float64, need)
	}
	s.work = s.work[:cap(s.work)]
	if !lapack64.Syev(lapack.EVNone, sym, s.w, s.work, len(s.work)) {
		return nil, errors.New("the eigen-decomposition did not converge")
	}
	return s.w, nil
}

func eigenvalues(s *mat.SymDense) ([]float64, error) {
	var e mat.EigenSym
	if !e.Factorize(s, false) {
		return nil, errors.New("the eigen-decomposition did not converge")
	}
	return e.Values(nil), nil
}

// normalizedRows checks x and returns its rows scaled to unit length in one
// buffer, with the row length: row after row, or with transposed set
// column after column (row i's value j at j*len(x)+i).
func normalizedRows(x [][]float64, transposed bool) ([]float64, int, error) {
	if len(x) == 0 {
		return nil, 0, errors.New("no embeddings")
	}
	d := len(x[0])
	if d == 0 {
		return nil, 0, errors.New("the embeddings have no columns")
	}
	n := len(x)
	data := make([]float64, n*d)
	scale := make([]float64, 2*n) // per row: largest magnitude, 1/length after dividing by it
	// Rows are checked and scaled in bands on every core; the first
	// faulty row (in row order) is the one reported.
	const rowBand = 256
	errs := make([]error, (n+rowBand-1)/rowBand)
	iter.ForEachIdx(errs, func(b int, err *error) {
		for i := b * rowBand; i < min(n, (b+1)*rowBand); i++ {
			if *err = scaleRow(x[i], i, d, scale, data, transposed); *err != nil {
				return
			}
		}
	})
	for _, err := range errs {
		if err != nil {
			return nil, 0, err
		}
	}
	if transposed {
		// In bands of rows, so each column's writes are contiguous.
		const band = 32
		iter.ForEachIdx(make([]struct{}, (n+band-1)/band), func(b int, _ *struct{}) {
			i0 := b * band
			i1 := min(i0+band, n)
			for j := 0; j < d; j++ {
				out := data[j*n+i0 : j*n+i1]
				for k := range out {
					i := i0 + k
					out[k] = (x[i][j] / scale[2*i]) * scale[2*i+1]
				}
			}
		})
	}
	return data, d, nil
}

// scaleRow checks row i and stores its scale (largest magnitude, then the
// inverse length after dividing by it) and, unless transposed, the unit
// row itself.
func scaleRow(row []float64, i, d int, scale, data []float64, transposed bool) error {
	if len(row) != d {
		return &CellError{Row: i + 1, Msg: fmt.Sprintf("%d values, the first row has %d", len(row), d)}
	}
	// Scaled by the largest magnitude first, so that 1e160 does not
	// overflow the sum of squares nor 1e-200 underflow it to zero.
	var m float64
	for j, v := range row {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return &CellError{Row: i + 1, Col: j + 1, Msg: "not finite"}
		}
		m = math.Max(m, math.Abs(v))
	}
	if m == 0 {
		return &CellError{Row: i + 1, Msg: "all zeros: no direction for the cosine kernel"}
	}
	var s float64
	for _, v := range row {
		s += (v / m) * (v / m)
	}
	scale[2*i], scale[2*i+1] = m, 1/math.Sqrt(s)
	if !transposed {
		for j, v := range row {
			data[i*d+j] = (v / m) * scale[2*i+1]
		}
	}
	return nil
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
// kernel of x's rows, from whichever of X Xᵀ/n (n x n) and Xᵀ X/n (d x d)
// is smaller: the same non-zero eigenvalues.
func EmbeddingEigenvalues(x [][]float64) ([]float64, error) {
	if len(x) == 0 {
		return nil, errors.New("no embeddings")
	}
	n := len(x)
	// Xᵀ X is the Gram matrix of X's columns: laid out column after
	// column, each is contiguous for the dot products.
	byColumn := len(x[0]) < n
	data, d, err := normalizedRows(x, byColumn)
	if err != nil {
		return nil, err
	}
	dim, length := n, d
	if byColumn {
		dim, length = d, n
	}
	c := gram(data, dim, length)
	// gram fills the lower triangle; SymDense reads the upper one.
	inv := 1 / float64(n)
	for i := 0; i < dim; i++ {
		for j := 0; j <= i; j++ {
			v := c[i*dim+j] * inv
			c[i*dim+j], c[j*dim+i] = v, v
		}
	}
	return eigenvalues(mat.NewSymDense(dim, c))
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
